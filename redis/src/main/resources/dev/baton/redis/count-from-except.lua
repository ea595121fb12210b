-- COUNT_FROM_EXCEPT: KEYS[1] a zset of calls waiting, by deadline; ARGV[1] the Redis time (ms)
-- from which a member still waits; ARGV[2..] ids this JVM has withdrawn whose CANCEL Redis may
-- not have run yet. Replies how many members score ARGV[1] or more, less those of ARGV[2..].
local from = tonumber(ARGV[1])
local n = redis.call('ZCOUNT', KEYS[1], from, '+inf')
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) >= from then n = n - 1 end
end
return n
