-- RENEW: ARGV[8..] the ids one JVM waits with on this queue, or whose item it is handing to its
-- caller, renewed for a lease; with no ids it only keeps the keys of a queue this JVM uses from
-- expiring. Replies one entry per id: 'I <payload>' (an item handed to it: a delivery whose
-- message was missed, or the one being handed), 'C' (its put was committed), 'W' (it waits) or
-- 'X' (Redis no longer knows it); then 'unfinished gen'.
purge()
local mine = {}
for i = 8, #ARGV do
  mine[ARGV[i]] = true
  redis.call('ZADD', alive, 'XX', now + lease, ARGV[i])
end
match(mine)
local replies = {}
for i = 8, #ARGV do
  local id = ARGV[i]
  local value = redis.call('HGET', handed, id)
  if value == 'C' then
    replies[#replies + 1] = 'C'
  elseif value then
    replies[#replies + 1] = 'I ' .. redis.call('HGET', data, (split(value)))
  elseif redis.call('ZSCORE', takers, id) or redis.call('ZSCORE', putters, id) then
    replies[#replies + 1] = 'W'
  else
    replies[#replies + 1] = 'X'
  end
end
local counts = redis.call('HMGET', meta, 'unfinished', 'gen')
replies[#replies + 1] = (counts[1] or '0') .. ' ' .. (counts[2] or '0')
tidy()
return replies
