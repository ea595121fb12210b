-- TAKE: ARGV[8] id, ARGV[9] 'wait' or 'try'. Idempotent by id. An item taken stays handed to id
-- until ACK (or CANCEL gives it back, or id's lease runs out).
-- Replies {'ITEM', payload}, {'QUEUED'}, {'EMPTY'} (try only), {'SHUT'} (shut down and empty) or
-- {'EXPIRED'}.
local id, mode = ARGV[8], ARGV[9]
if now > notAfter then return {'EXPIRED'} end
local conflict = declare()
if conflict then return conflict end
purge()
match()
local value = redis.call('HGET', handed, id)
if value then
  local member = split(value)
  return {'ITEM', redis.call('HGET', data, member)}
end
if redis.call('ZSCORE', takers, id) then return {'QUEUED'} end
local head = redis.call('ZRANGE', items, 0, 0, 'WITHSCORES')
if #head > 0 and redis.call('ZCARD', takers) == 0 then
  redis.call('ZREM', items, head[1])
  redis.call('HSET', handed, id, head[1] .. ' ' .. head[2])
  redis.call('ZADD', alive, now + lease, id)
  match()
  tidy()
  return {'ITEM', redis.call('HGET', data, head[1])}
end
if isShut() and #head == 0 then
  tidy()
  return {'SHUT'}
end
if mode == 'try' and #head == 0 then
  tidy()
  return {'EMPTY'}
end
-- Takes ahead whose JVMs no longer listen keep their places but are passed over: an item they
-- leave queued goes to this caller, last in line, through this reply. A 'try' that gets none
-- leaves the line again.
redis.call('ZADD', takers, nextSeq(), id)
redis.call('ZADD', alive, now + lease, id)
match({[id] = true})
value = redis.call('HGET', handed, id)
if value then
  local member = split(value)
  tidy()
  return {'ITEM', redis.call('HGET', data, member)}
end
if mode == 'try' then
  redis.call('ZREM', takers, id)
  redis.call('ZREM', alive, id)
  tidy()
  return {'EMPTY'}
end
tidy()
return {'QUEUED'}
