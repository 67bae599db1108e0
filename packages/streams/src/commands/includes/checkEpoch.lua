--[[
  Returns 0 when the checkpoint hash KEYS[1] carries the caller's epoch,
  -1 when the checkpoint is missing (Redis lost the state), -2 when another
  instance has claimed the task since (the caller is fenced).
]]
local function checkEpoch(checkpointKey, epoch)
  local stored = redis.call("HGET", checkpointKey, "epoch")
  if not stored then
    return -1
  end
  if stored ~= epoch then
    return -2
  end
  return 0
end
