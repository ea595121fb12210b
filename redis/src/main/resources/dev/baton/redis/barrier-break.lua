-- RESET or ABORT: ARGV[4] the call's id, ARGV[5] 'reset' (fail the waiting parties and re-arm)
-- or 'abort' (fail them and stay broken until a reset), ARGV[6] Redis time (ms) after which the
-- caller has given up, ARGV[7] the parties its JVM declares. Idempotent by id. Replies 'DONE' or
-- 'EXPIRED'. An abort records its declaration, kept with the broken state for the calls that
-- follow to be checked against, also when no party had waited.
local id, mode, notAfter, parties = ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
purge()
if redis.call('HGET', outcomes, id) then return 'DONE' end
if now > notAfter then return 'EXPIRED' end
breakBarrier(mode, mode == 'abort')
if mode == 'abort' then redis.call('HSET', state, 'parties', parties) end
keep(id, mode, notAfter)
tidy()
return 'DONE'
