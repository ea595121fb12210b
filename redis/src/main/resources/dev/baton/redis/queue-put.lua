-- PUT: ARGV[8] id, ARGV[9] 'wait', 'again' (sent again after Redis forgot it: the renewal that
-- does so may run twice) or 'try', ARGV[10] score, ARGV[11] payload. Idempotent by id: a put
-- done is remembered as committed (handed 'C', until ACK) when it waited or was sent again.
-- Replies {'DONE'} (the item is in the queue, or with a taker), {'DONE', 'C'} (the same, to be
-- acknowledged), {'QUEUED'} (it waits as a reservation), {'FULL'} (try only), {'SHUT'} or
-- {'EXPIRED'}.
local id, mode, score, payload = ARGV[8], ARGV[9], ARGV[10], ARGV[11]
if now > notAfter then return {'EXPIRED'} end
local conflict = declare()
if conflict then return conflict end
purge()
match()
if redis.call('HGET', handed, id) == 'C' then return {'DONE', 'C'} end
if redis.call('ZSCORE', putters, id) then return {'QUEUED'} end
if isShut() then
  tidy()
  return {'SHUT'}
end
if redis.call('ZCARD', putters) == 0 and redis.call('ZCARD', items) < cap then
  enqueue(score, payload)
  redis.call('HINCRBY', meta, 'unfinished', 1)
  if mode == 'again' then
    redis.call('HSET', handed, id, 'C')
    redis.call('ZADD', alive, now + lease, id)
  end
  match()
  tidy()
  if mode == 'again' then return {'DONE', 'C'} end
  return {'DONE'}
end
if mode == 'try' then
  tidy()
  return {'FULL'}
end
redis.call('ZADD', putters, nextSeq(), id)
redis.call('HSET', data, id, score .. ' ' .. payload)
redis.call('ZADD', alive, now + lease, id)
tidy()
return {'QUEUED'}
