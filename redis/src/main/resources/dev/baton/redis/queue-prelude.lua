-- Shared by the queue scripts. One queue's keys, all in one cluster hash slot:
--   KEYS[1] meta     hash: kind and cap (as declared), seq (last arrival number), unfinished
--                    (items put and not yet done), gen (the last all-done generation, or Redis
--                    time in microseconds when meta was made), shut ('1' shut down, '2' shut down
--                    now)
--   KEYS[2] items    zset: item member -> score, the head lowest. A member is the item's arrival
--                    number in 16 digits, so items of equal score keep their arrival order.
--   KEYS[3] data     hash: item member -> payload; waiting put id -> its score, a space, its
--                    payload (a reservation: it is not in the queue yet)
--   KEYS[4] takers   zset: waiting take id -> arrival number
--   KEYS[5] putters  zset: waiting put id -> arrival number
--   KEYS[6] alive    zset: id of a waiting take or put, or of a handed one -> lease deadline (ms)
--   KEYS[7] handed   hash: take id -> member and score of the item delivered to it and not yet
--                    acknowledged (its payload stays in data); put id -> 'C' (committed, its JVM
--                    not yet told for sure)
-- Arguments: ARGV[1..3] the common ones (see common-prelude.lua); ARGV[4] kind ('fifo', 'lifo' or
-- 'priority'), ARGV[5] capacity, ARGV[6] Redis time (ms) after which the caller has given up,
-- ARGV[7] the channel all-done generations are published on.
-- Messages on a JVM's channel, '<id> <what>': 'I <payload>' an item delivered to take id, 'C' put
-- id committed, 'S' wait id failed by a shutdown.
-- Invariants: an id is in at most one of takers, putters and handed, and alive has exactly their
-- ids; putters wait only while items hold cap or more; takers that listen wait only while items
-- is empty; a shut-down queue has no putters, nor takers once items is empty. Every key is
-- deleted once nothing is queued, waited for, handed or unfinished and the queue is not shut
-- down; otherwise it expires one lease after the last lease it records (live JVMs renew it).
local meta, items, data, takers, putters, alive, handed =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local kind, cap, notAfter, doneChannel = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]

-- Records kind and capacity; an error reply if another JVM declared other ones. A new meta gets a
-- generation newer than any published before it was deleted: a join that reads it waits for the
-- next all-done, which a late message of an earlier one must not stand for.
local function declare()
  local declared = redis.call('HMGET', meta, 'kind', 'cap')
  if declared[1] and (declared[1] ~= kind or tonumber(declared[2]) ~= cap) then
    return redis.error_reply('BATON_QUEUE ' .. declared[1] .. ' ' .. declared[2])
  end
  if not declared[1] then
    redis.call('HSET', meta, 'kind', kind, 'cap', cap, 'gen', string.format('%.0f', nowMicros))
  end
  return nil
end

local function isShut()
  return redis.call('HGET', meta, 'shut')
end

local function nextSeq()
  return redis.call('HINCRBY', meta, 'seq', 1)
end

local function split(value)
  local space = string.find(value, ' ', 1, true)
  return string.sub(value, 1, space - 1), string.sub(value, space + 1)
end

-- Adds an item (not counted here as unfinished): FIFO by arrival, LIFO newest first, or by score.
local function enqueue(score, payload)
  local seq = nextSeq()
  local member = string.format('%016d', seq)
  if kind == 'fifo' then score = seq elseif kind == 'lifo' then score = -seq end
  redis.call('ZADD', items, score, member)
  redis.call('HSET', data, member, payload)
end

-- Counts n tasks done; at zero publishes a new all-done generation, max(last + 1, Redis time in
-- microseconds), which keeps increasing across the deletion of meta.
local function finishTasks(n)
  local left = tonumber(redis.call('HGET', meta, 'unfinished') or '0')
  if left <= 0 then return end
  left = math.max(0, left - n)
  redis.call('HSET', meta, 'unfinished', left)
  if left == 0 then
    local last = tonumber(redis.call('HGET', meta, 'gen') or '0')
    local gen = string.format('%.0f', math.max(last + 1, nowMicros))
    redis.call('HSET', meta, 'gen', gen)
    redis.call('PUBLISH', doneChannel, gen)
  end
end

-- Takes back the item handed to take id: to where the next take finds it first (its place by
-- arrival in a FIFO queue, which is ahead of every item put after it, the top of a LIFO one, its
-- place by score); dropped and counted done after a shutdown now.
local function putBack(id, value)
  local member, score = split(value)
  redis.call('HDEL', handed, id)
  redis.call('ZREM', alive, id)
  if isShut() == '2' then
    redis.call('HDEL', data, member)
    finishTasks(1)
    return
  end
  score = tonumber(score)
  if kind == 'lifo' then
    score = -nextSeq()
  end
  redis.call('ZADD', items, score, member)
end

-- Drops waits whose JVM stopped renewing them; a handed item whose taker did so goes back. Every
-- caller runs match() next, before any reply, so that an item given back goes to a waiting take.
local function purge()
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', alive, '-inf', now, 'LIMIT', 0, BOUND)) do
    local value = redis.call('HGET', handed, id)
    if value == 'C' then
      redis.call('HDEL', handed, id)
    elseif value then
      putBack(id, value)
    elseif redis.call('ZREM', putters, id) == 1 then
      redis.call('HDEL', data, id)
    else
      redis.call('ZREM', takers, id)
    end
    redis.call('ZREM', alive, id)
  end
end

-- Hands the head item to take id if its JVM hears it (or id is in mine, the caller's own, which
-- learns it from the reply); false when passed over: it keeps its place.
local function deliver(id, head, mine)
  local heard = publishTo(id, 'I ' .. redis.call('HGET', data, head[1]))
  if heard == 0 and checkDelivery and not (mine and mine[id]) then return false end
  redis.call('ZREM', items, head[1])
  redis.call('ZREM', takers, id)
  redis.call('HSET', handed, id, head[1] .. ' ' .. head[2])
  redis.call('ZADD', alive, now + lease, id)
  return true
end

-- Moves the item of waiting put id into the queue and tells its JVM.
local function commit(id)
  local score, payload = split(redis.call('HGET', data, id))
  enqueue(score, payload)
  redis.call('HDEL', data, id)
  redis.call('ZREM', putters, id)
  redis.call('HSET', handed, id, 'C')
  redis.call('ZADD', alive, now + lease, id)
  redis.call('HINCRBY', meta, 'unfinished', 1)
  publishTo(id, 'C')
end

-- Restores the invariants: hands items to the oldest takers, commits the oldest putters' items
-- while there is room, and fails the takers of a shut-down queue once it is empty.
local function match(mine)
  local work = 0
  while work < BOUND do
    local progressed = false
    if redis.call('ZCARD', items) > 0 then
      for _, id in ipairs(redis.call('ZRANGE', takers, 0, BOUND - 1)) do
        local head = redis.call('ZRANGE', items, 0, 0, 'WITHSCORES')
        if #head == 0 then break end
        work = work + 1
        if deliver(id, head, mine) then progressed = true end
      end
    end
    local room = math.min(BOUND, cap - redis.call('ZCARD', items))
    if room > 0 then
      for _, id in ipairs(redis.call('ZRANGE', putters, 0, room - 1)) do
        work = work + 1
        commit(id)
        progressed = true
      end
    end
    if not progressed then break end
  end
  if isShut() and redis.call('ZCARD', items) == 0 then
    for _, id in ipairs(redis.call('ZRANGE', takers, 0, BOUND - 1)) do
      redis.call('ZREM', takers, id)
      redis.call('ZREM', alive, id)
      publishTo(id, 'S')
    end
  end
end

-- Deletes the keys once the queue is idle; otherwise lets them expire one lease after the last
-- lease they record, so that JVMs that all died leave nothing behind.
local function tidy()
  local unfinished = tonumber(redis.call('HGET', meta, 'unfinished') or '0')
  if redis.call('ZCARD', items) == 0 and redis.call('ZCARD', alive) == 0 and unfinished == 0
      and not isShut() then
    redis.call('DEL', meta, items, data, takers, putters, alive, handed)
    return
  end
  local last = now
  local newest = redis.call('ZRANGE', alive, -1, -1, 'WITHSCORES')
  if #newest > 0 then last = math.max(last, tonumber(newest[2])) end
  for _, key in ipairs({meta, items, data, takers, putters, alive, handed}) do
    redis.call('PEXPIRE', key, last - now + lease)
  end
end
