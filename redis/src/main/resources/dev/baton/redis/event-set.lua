-- SET: KEYS[1] the event's hash {set, gen}; ARGV[1] its channel. A new generation,
-- max(last + 1, Redis time in microseconds), is published, so a waiter that saw an older one
-- wakes even if the event was cleared since. Replies 1 if it was not set.
local event = KEYS[1]
if redis.call('HGET', event, 'set') == '1' then return 0 end
local clock = redis.call('TIME')
local micros = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local last = tonumber(redis.call('HGET', event, 'gen') or '0')
local gen = string.format('%.0f', math.max(last + 1, micros))
redis.call('HSET', event, 'set', '1', 'gen', gen)
redis.call('PERSIST', event)
redis.call('PUBLISH', ARGV[1], gen)
return 1
