-- KEYS: open-call zset, open-record hash. ARGV: Call-ID, record JSON, ttl ms.
-- Writes (or rewrites) a call's open record and gives it ttl ms to live (src/store/cdr-store.ts).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
