-- RESET or ABORT: ARGV[4] the call's id, ARGV[5] 'reset' (fail the waiting parties and re-arm)
-- or 'abort' (fail them and stay broken until a reset), ARGV[6] Redis time (ms) after which the
-- caller has given up. Idempotent by id. Replies 'DONE' or 'EXPIRED'.
local id, mode, notAfter = ARGV[4], ARGV[5], tonumber(ARGV[6])
purge()
if redis.call('HGET', outcomes, id) then return 'DONE' end
if now > notAfter then return 'EXPIRED' end
breakBarrier(mode, mode == 'abort')
keep(id, mode, notAfter)
tidy()
return 'DONE'
