-- A batch of call-record writes, applied in order (src/store/cdr-store.ts).
-- KEYS: open-call zset, open-record hash, the all-records stream, then the voice-group streams the closes name.
-- ARGV[1]: oldest stream id to keep (ms); ARGV[2]: retention ms; then the operations, one after another:
--   'open',  Call-ID, open record JSON, ttl ms: writes (or rewrites) the open record; it expires ttl ms from now.
--   'close', Call-ID, record JSON, mode, n, then n KEYS indexes of its voice-group streams: takes the call out of
--            the open set and appends its record, or does nothing (reply false) when the mode says another node
--            got there first.
-- mode 'owner': the carrying node closes a call it opened; 'lost': another node closes a call whose entry
-- expired; 'unopened': a call whose open record never reached Redis. Taking the call out of the open set and
-- writing its record is one step, so exactly one record is written per call, however many nodes try.
-- Reply: one entry per operation: 1 for an open, the record's stream id or false for a close.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local minId, retention = ARGV[1], tonumber(ARGV[2])

local function takeOut(callId, mode)
  if mode == 'lost' then
    local score = redis.call('ZSCORE', KEYS[1], callId)
    if not score or tonumber(score) > now then return false end
    redis.call('ZREM', KEYS[1], callId)
  elseif mode == 'owner' then
    if redis.call('ZREM', KEYS[1], callId) == 0 then return false end
  else
    redis.call('ZREM', KEYS[1], callId)
  end
  redis.call('HDEL', KEYS[2], callId)
  return true
end

local out = {}
local i = 3
while i <= #ARGV do
  local op, callId, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if op == 'open' then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[i + 3]), callId)
    redis.call('HSET', KEYS[2], callId, json)
    out[#out + 1] = 1
    i = i + 4
  else
    local n = tonumber(ARGV[i + 4])
    local id = false
    if takeOut(callId, ARGV[i + 3]) then
      id = redis.call('XADD', KEYS[3], 'MINID', '~', minId, '*', 'r', json)
      for k = 1, n do
        local key = KEYS[tonumber(ARGV[i + 4 + k])]
        redis.call('XADD', key, 'MINID', '~', minId, '*', 'r', json)
        redis.call('PEXPIRE', key, retention)
      end
    end
    out[#out + 1] = id
    i = i + 5 + n
  end
end
return out
