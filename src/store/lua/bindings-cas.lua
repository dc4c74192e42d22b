-- One REGISTER's store work in one round trip (src/store/binding-store.ts): the digest
-- nonce-count check, then a compare-and-set of the line's bindings.
-- KEYS: reg hash, the line's due zset, the nonce-count key (all three tagged by SIP-ID: one slot);
--   on a single Redis (not a cluster) also reg:due and the source address's regsrc hash.
-- ARGV: [1] nonce-count (0: no check), [2] its ttl ms, [3] expected version ('': only read),
--   [4] version of a new hash, [5] key expiry (ms epoch, 0 = delete), [6] n sets,
--   (field, json, expiresAt)*, n dels, field*; with the two extra KEYS also:
--   the line's earliest expiry ('' none), SIP-ID, regsrc field ('' none), its expiry (0: remove), its ttl ms.
-- Returns {0} for a nonce-count replay, {1, version} when written (version 0: no bindings left),
-- {2, field, value, ...} with the stored hash on a version conflict or a read.
if ARGV[1] ~= '0' then
  local seen = redis.call('GET', KEYS[3])
  if seen and tonumber(seen) >= tonumber(ARGV[1]) then return {0} end
  redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
end
local version = redis.call('HGET', KEYS[1], '_v') or '0'
if ARGV[3] == '' or version ~= ARGV[3] then
  local current = redis.call('HGETALL', KEYS[1])
  table.insert(current, 1, 2)
  return current
end
local i = 7
for _ = 1, tonumber(ARGV[6]) do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[i])
  i = i + 3
end
local dels = tonumber(ARGV[i]); i = i + 1
for _ = 1, dels do
  redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
  i = i + 1
end
local next = '0'
if ARGV[5] == '0' then
  redis.call('DEL', KEYS[1], KEYS[2])
else
  -- A hash created anew starts from a version no earlier life of the key had, so a node
  -- holding that life's version in its cache cannot match it by chance (ABA).
  if version == '0' then redis.call('HSET', KEYS[1], '_v', ARGV[4])
  else redis.call('HINCRBY', KEYS[1], '_v', 1) end
  next = redis.call('HGET', KEYS[1], '_v')
  redis.call('PEXPIREAT', KEYS[1], ARGV[5])
  redis.call('PEXPIREAT', KEYS[2], ARGV[5])
end
if KEYS[5] then
  if ARGV[i] ~= '' then redis.call('ZADD', KEYS[4], 'LT', ARGV[i], ARGV[i + 1]) end
  if ARGV[i + 2] == '' then
    -- no source to record
  elseif ARGV[i + 3] ~= '0' then
    redis.call('HSET', KEYS[5], ARGV[i + 2], ARGV[i + 3])
    redis.call('PEXPIRE', KEYS[5], ARGV[i + 4])
  else
    redis.call('HDEL', KEYS[5], ARGV[i + 2])
  end
end
return {1, next}
