-- RESET or ABORT: ARGV[4] the call's id, ARGV[5] 'reset' (fail the waiting parties and re-arm)
-- or 'abort' (fail them and stay broken until a reset), ARGV[6] Redis time (ms) after which the
-- caller has given up, ARGV[7] the parties its JVM declares. Idempotent by id. Replies {'DONE'},
-- {'PARTIES', declared} or {'EXPIRED'}. A call declaring other parties than those kept (by the
-- waiting parties, or with the broken state) fails, as an await does, and changes nothing, except a
-- reset of a broken barrier passes whatever it keeps: nobody waits there, and it is the only way
-- out, also once the instance that declared what it keeps is set right. An abort records its
-- declaration, kept with the broken state for the calls that follow, also if no party waited.
local id, mode, notAfter, parties = ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
purge()
if redis.call('HGET', outcomes, id) then return {'DONE'} end
if now > notAfter then return {'EXPIRED'} end
local declared = redis.call('HGET', state, 'parties')
local mends = mode == 'reset' and redis.call('HGET', state, 'broken') == '1'
if declared and tonumber(declared) ~= parties and not mends then return {'PARTIES', declared} end
breakBarrier(mode, mode == 'abort')
if mode == 'abort' then redis.call('HSET', state, 'parties', parties) end
keep(id, mode, notAfter)
tidy()
return {'DONE'}
