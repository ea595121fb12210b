-- Shared by the barrier scripts. One barrier's keys, all in one cluster hash slot:
--   KEYS[1] state     hash: parties (declared by the waiting parties, or by the abort or waiting
--                     parties that broke it), seq (last arrival number), broken ('1' until reset)
--   KEYS[2] arrivals  zset: id of a waiting party of the current cycle -> arrival number
--   KEYS[3] alive     zset: id of a waiting party -> its lease deadline (ms, Redis time)
--   KEYS[4] outcomes  hash: party or call id -> its outcome (its index, 'reset', 'abort', 'lost')
--   KEYS[5] kept      zset: id in outcomes -> when it is dropped (ms, Redis time)
-- Common arguments and time: see common-prelude.lua.
-- Invariants: arrivals and alive hold the same ids, fewer than parties; a trip or a break empties
-- both and tells each party its outcome on its JVM's channel ('<id> <outcome>'); an outcome is
-- kept until a JVM that has it drops it (CANCEL), and at most a lease when told by message (for
-- the party's renewal to read should the message not arrive) or until its caller's deadline when
-- replied (for a call sent again). Every key but a broken barrier's state is deleted once it
-- records nothing, and expires one lease after the last lease it records.
local state, arrivals, alive, outcomes, kept = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]

local function keep(id, outcome, untilMs)
  redis.call('HSET', outcomes, id, outcome)
  redis.call('ZADD', kept, untilMs, id)
end

-- Tells party `id` its outcome, kept for a lease for its renewal to read: pub/sub is at-most-once,
-- and a message Redis counts as heard may still never arrive (its connection died with it).
local function tell(id, outcome)
  publishTo(id, outcome)
  keep(id, outcome, now + lease)
end

-- Ends the current cycle, telling each waiting party (oldest first) outcome(its index).
local function release(outcome)
  local ids = redis.call('ZRANGE', arrivals, 0, -1)
  for i, id in ipairs(ids) do tell(id, outcome(i - 1)) end
  redis.call('DEL', arrivals, alive)
end

-- Fails the waiting parties with `why`; the barrier stays broken (until reset) or is re-armed.
local function breakBarrier(why, stays)
  release(function() return why end)
  if stays then
    redis.call('HSET', state, 'broken', '1')
  else
    redis.call('HDEL', state, 'broken')
  end
end

-- Drops outcomes nobody may ask for any more; a waiting party whose JVM stopped renewing it
-- (died) breaks the barrier, so that the others fail instead of waiting forever.
local function purge()
  local old = redis.call('ZRANGEBYSCORE', kept, '-inf', now, 'LIMIT', 0, 100)
  if #old > 0 then
    redis.call('ZREM', kept, unpack(old))
    redis.call('HDEL', outcomes, unpack(old))
  end
  if #redis.call('ZRANGEBYSCORE', alive, '-inf', now, 'LIMIT', 0, 1) > 0 then
    breakBarrier('lost', true)
  end
end

-- Milliseconds until the earliest waiting party's lease runs out (when a waiting JVM should look
-- again), or -1 when nobody waits.
local function nextExpiry()
  local first = redis.call('ZRANGE', alive, 0, 0, 'WITHSCORES')
  if #first == 0 then return -1 end
  return math.max(0, tonumber(first[2]) - now)
end

local function tidy()
  if redis.call('ZCARD', arrivals) == 0 and redis.call('HGET', state, 'broken') ~= '1' then
    redis.call('DEL', state)
  elseif redis.call('HGET', state, 'broken') == '1' then
    redis.call('PERSIST', state)
  else
    local newest = redis.call('ZRANGE', alive, -1, -1, 'WITHSCORES')
    for _, key in ipairs({state, arrivals, alive}) do
      redis.call('PEXPIRE', key, tonumber(newest[2]) - now + lease)
    end
  end
  local last = redis.call('ZRANGE', kept, -1, -1, 'WITHSCORES')
  if #last > 0 then
    for _, key in ipairs({outcomes, kept}) do
      redis.call('PEXPIRE', key, math.max(1, tonumber(last[2]) - now))
    end
  end
end
