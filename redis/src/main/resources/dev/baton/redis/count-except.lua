-- COUNT_EXCEPT: KEYS[1] a zset of calls waiting; ARGV ids this JVM has withdrawn whose CANCEL
-- Redis may not have run yet. Replies how many members KEYS[1] has, less those of ARGV.
local n = redis.call('ZCARD', KEYS[1])
for _, id in ipairs(ARGV) do
  if redis.call('ZSCORE', KEYS[1], id) then n = n - 1 end
end
return n
