-- KEYS: the account JSON. ARGV: password hash, token generation.
-- Replaces the hash and the token generation of an account that exists, in place.
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local r = cjson.decode(raw)
r.passwordHash = ARGV[1]
r.tokenGeneration = ARGV[2]
r.failures = nil
r.lockedUntil = nil
redis.call('SET', KEYS[1], cjson.encode(r))
return 1
