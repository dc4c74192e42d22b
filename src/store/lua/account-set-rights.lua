-- KEYS: the account JSON. ARGV: the rights as a JSON object ("{}": none narrowed).
-- Replaces the rights of an account that exists, in place (its password and token generation stay).
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local r = cjson.decode(raw)
local rights = cjson.decode(ARGV[1])
if next(rights) == nil then r.rights = nil else r.rights = rights end
redis.call('SET', KEYS[1], cjson.encode(r))
return 1
