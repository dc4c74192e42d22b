-- Compare-and-set of one line's bindings (src/store/binding-store.ts).
-- KEYS: reg hash, the line's due zset (same hash tag: one slot).
-- ARGV: expected version, key expiry (ms epoch, 0 = delete), n sets, (field, json, expiresAt)*, n dels, field*.
-- Returns -1 on a version conflict, else the new version (0 when the line has no bindings left).
local version = redis.call('HGET', KEYS[1], '_v') or '0'
if version ~= ARGV[1] then return -1 end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[i])
  i = i + 3
end
local dels = tonumber(ARGV[i]); i = i + 1
for _ = 1, dels do
  redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
  i = i + 1
end
if ARGV[2] == '0' then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
local next = tonumber(version) + 1
redis.call('HSET', KEYS[1], '_v', next)
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
return next
