-- CLEAR: KEYS[1] the event's hash; ARGV[1] how long (ms) a cleared event keeps its generation,
-- so that a JVM that missed the SET's message still sees it when it reconciles; then it goes.
local event = KEYS[1]
if redis.call('HGET', event, 'set') ~= '1' then return 0 end
redis.call('HSET', event, 'set', '0')
redis.call('PEXPIRE', event, ARGV[1])
return 1
