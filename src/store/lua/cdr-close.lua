-- KEYS: open-call zset, open-record hash, the all-records stream, then one stream per voice group.
-- ARGV: Call-ID, record JSON, oldest id to keep (ms), retention ms, mode.
-- mode 'owner': the carrying node closes a call it opened; 'lost': another node closes a call whose
-- entry expired; 'unopened': a call whose open record never reached Redis.
-- Taking the call out of the open set and writing its record is one step, so exactly one
-- record is written per call, however many nodes try (src/store/cdr-store.ts).
local mode = ARGV[5]
if mode == 'lost' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if not score or tonumber(score) > now then return false end
  redis.call('ZREM', KEYS[1], ARGV[1])
elseif mode == 'owner' then
  if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return false end
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('HDEL', KEYS[2], ARGV[1])
local id = false
for i = 3, #KEYS do
  local added = redis.call('XADD', KEYS[i], 'MINID', '~', ARGV[3], '*', 'r', ARGV[2])
  if i == 3 then id = added else redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[4])) end
end
return id
