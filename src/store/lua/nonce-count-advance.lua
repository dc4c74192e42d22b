-- KEYS: the nonce's count. ARGV: nonce-count, ttl ms.
-- Atomic "only forwards": a nonce-count that does not increase is a replay.
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
