-- What one call reads of its numbers' settings, in one round trip (src/store/feature-store.ts callParties).
-- KEYS[1], KEYS[2]: the hunt-group and bulk-group key stems, to which a group's id is appended; then four
-- keys per number: num, feat, huntof, bulkof. The group keys are named by the ids read here: they carry
-- the same {prov} hash tag as every key passed, so the script stays on one slot of a Redis Cluster.
-- ARGV[1]: what follows a bulk group's key for its frozen slot-5 hash; then per number: the number, and
-- which groups to read ('none', 'hunt' or 'both').
-- Reply per number: { exists 0/1, the feat hash as a flat list, hunt group JSON, bulk group JSON,
-- frozen slot-5 destination }, a group or destination not read or not there being nil.
local out = {}
local count = (#ARGV - 1) / 2
for i = 1, count do
  local k = 2 + (i - 1) * 4
  local number, wanted = ARGV[2 * i], ARGV[2 * i + 1]
  local hunt, bulk, frozen = false, false, false
  if wanted ~= 'none' then
    local huntId = redis.call('GET', KEYS[k + 3])
    if huntId then hunt = redis.call('GET', KEYS[1] .. huntId) end
  end
  if wanted == 'both' then
    local bulkId = redis.call('GET', KEYS[k + 4])
    if bulkId then
      bulk = redis.call('GET', KEYS[2] .. bulkId)
      frozen = redis.call('HGET', KEYS[2] .. bulkId .. ARGV[1], number)
    end
  end
  out[i] = { redis.call('EXISTS', KEYS[k + 1]), redis.call('HGETALL', KEYS[k + 2]), hunt, bulk, frozen }
end
return out
