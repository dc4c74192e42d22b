-- KEYS: one failure counter. ARGV: window (ms). Counts one failure; the counter lives one
-- window from its first failure (a fixed window per key: cheap, and good enough for
-- "at most N per window"). Returns the count so far.
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
