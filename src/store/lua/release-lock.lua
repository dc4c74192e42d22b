-- KEYS: a lock. ARGV: the holder's token. Deletes the lock only when this holder still has it.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
