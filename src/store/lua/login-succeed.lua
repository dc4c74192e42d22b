-- The right password: refused if a parallel failure locked meanwhile, else the count is forgotten.
-- KEYS/ARGV as login-fail.lua.
local untilMs = tonumber(redis.call('GET', KEYS[2]) or '0')
if untilMs > tonumber(ARGV[1]) then return untilMs end
redis.call('DEL', KEYS[1])
return 0
