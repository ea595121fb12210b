-- Shared by every script that keeps calls waiting in Redis (permits, conditions, barriers and
-- queues), before its own prelude. Common arguments: ARGV[1] channel prefix (a JVM's channel is
-- ARGV[1] .. jvm id), ARGV[2] lease (ms), ARGV[3] '1' when PUBLISH's receiver count is reliable
-- (not in cluster mode). Time is Redis's own clock, never a JVM's.
local channelPrefix = ARGV[1]
local lease = tonumber(ARGV[2])
local checkDelivery = ARGV[3] == '1'
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local nowMicros = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
-- Most ids one call examines: the work of every call is bounded, however long the queue.
local BOUND = 100

-- Publishes '<id> <message>' on the channel of the JVM that made call `id` ('<jvm id>:<n>');
-- returns how many subscribers heard it.
local function publishTo(id, message)
  local jvm = string.match(id, '^(.+):[^:]+$')
  return redis.call('PUBLISH', channelPrefix .. jvm, id .. ' ' .. message)
end
