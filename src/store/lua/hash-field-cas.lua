-- Compare-and-set of one hash field (src/store/target-health-store.ts).
-- KEYS: the hash. ARGV: field, expected value ('' = absent), new value.
-- Returns 1 when written, 0 when the field held something else.
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
