-- SHUTDOWN: ARGV[8] '1' (shutdown) or '2' (shutdown now: the queued items are dropped and
-- counted done). Fails waiting puts, and waiting takes once the queue is empty, each told on its
-- JVM's channel. Bounded: replies 1 while there is more to do (call again), else 0; -1 past the
-- caller's deadline (then it does nothing).
local level = ARGV[8]
if now > notAfter then return -1 end
local conflict = declare()
if conflict then return conflict end
purge()
if isShut() ~= '2' then redis.call('HSET', meta, 'shut', level) end
for _, id in ipairs(redis.call('ZRANGE', putters, 0, BOUND - 1)) do
  redis.call('ZREM', putters, id)
  redis.call('ZREM', alive, id)
  redis.call('HDEL', data, id)
  publishTo(id, 'S')
end
if isShut() == '2' then
  local dropped = redis.call('ZRANGE', items, 0, BOUND - 1)
  if #dropped > 0 then
    redis.call('ZREM', items, unpack(dropped))
    redis.call('HDEL', data, unpack(dropped))
    finishTasks(#dropped)
  end
end
match()
local more = 0
if redis.call('ZCARD', putters) > 0
    or (redis.call('ZCARD', items) == 0 and redis.call('ZCARD', takers) > 0)
    or (isShut() == '2' and redis.call('ZCARD', items) > 0) then
  more = 1
end
tidy()
return more
