-- DONE (taskDone): one unfinished task done. Replies how many are left, -1 if none was
-- unfinished (called more often than items were put), or -2 past the caller's deadline.
if now > notAfter then return -2 end
local left = tonumber(redis.call('HGET', meta, 'unfinished') or '0')
if left <= 0 then return -1 end
finishTasks(1)
tidy()
return left - 1
