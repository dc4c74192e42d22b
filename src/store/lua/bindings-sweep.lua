-- Removes one line's due bindings that were not refreshed meanwhile (src/store/binding-store.ts).
-- KEYS: reg hash, the line's due zset (same hash tag: one slot). ARGV: now (ms).
-- Returns {nextDue, json...}: the earliest expiry left ('' when none) and each removed
-- binding, so exactly one node reports each expiry.
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local out = {''}
for _, field in ipairs(due) do
  redis.call('ZREM', KEYS[2], field)
  local json = redis.call('HGET', KEYS[1], field)
  if json then
    local ok, binding = pcall(cjson.decode, json)
    local expiresAt = ok and type(binding) == 'table' and tonumber(binding.expiresAt) or 0
    if expiresAt <= tonumber(ARGV[1]) then
      redis.call('HDEL', KEYS[1], field)
      table.insert(out, json)
    else
      redis.call('ZADD', KEYS[2], expiresAt, field)
    end
  end
end
if #out > 1 then
  if redis.call('HLEN', KEYS[1]) <= 1 then redis.call('DEL', KEYS[1])
  else redis.call('HINCRBY', KEYS[1], '_v', 1) end
end
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if first[2] then out[1] = first[2] end
return out
