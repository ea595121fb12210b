-- ACK: ARGV[8..] ids whose JVM has the outcome: an item handed to a take is gone for good, a
-- committed put needs no telling any more. Replies how many were still handed.
local acked = 0
for i = 8, #ARGV do
  local id = ARGV[i]
  local value = redis.call('HGET', handed, id)
  if value then
    if value ~= 'C' then redis.call('HDEL', data, (split(value))) end
    redis.call('HDEL', handed, id)
    redis.call('ZREM', alive, id)
    acked = acked + 1
  end
end
purge()
match()
tidy()
return acked
