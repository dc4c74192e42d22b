-- KEYS: failures counter, lock (value: locked until, ms); one account, one hash tag.
-- ARGV: now, lock ms, max failures. Returns the lock's end (ms) when locked, else 0.
-- A failure while locked is not counted.
local untilMs = tonumber(redis.call('GET', KEYS[2]) or '0')
local now = tonumber(ARGV[1])
if untilMs > now then return untilMs end
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n >= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], now + tonumber(ARGV[2]), 'PX', ARGV[2])
  return now + tonumber(ARGV[2])
end
return 0
