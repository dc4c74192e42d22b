-- KEYS: open-call zset, open-record hash. ARGV: max count.
-- Open calls whose node stopped refreshing them: flat list of Call-ID, record JSON (or false), expiry (ms).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
local out = {}
for i = 1, #ids, 2 do
  out[#out + 1] = ids[i]
  out[#out + 1] = redis.call('HGET', KEYS[2], ids[i])
  out[#out + 1] = ids[i + 1]
end
return out
