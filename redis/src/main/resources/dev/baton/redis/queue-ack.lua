-- ACK: ARGV[9..] ids whose JVM has the outcome: an item handed to a take is gone for good, a
-- committed put needs no telling any more. With ARGV[8] '1' the items were dropped, not taken
-- (they could not be read back), so their tasks are done too: nobody holds them to call
-- taskDone. Replies how many were still handed.
local dropped = ARGV[8] == '1'
local acked = 0
for i = 9, #ARGV do
  local id = ARGV[i]
  local value = redis.call('HGET', handed, id)
  if value then
    if value ~= 'C' then redis.call('HDEL', data, (split(value))) end
    redis.call('HDEL', handed, id)
    redis.call('ZREM', alive, id)
    acked = acked + 1
  end
end
if dropped then finishTasks(acked) end
purge()
match()
tidy()
return acked
