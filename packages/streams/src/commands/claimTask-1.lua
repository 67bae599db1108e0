--[[
  Claims a task for this instance: bumps the task's epoch so that writes of
  any previous owner are refused from now on, and returns what the state
  reflects so the runtime knows what to restore.

  Input:
    KEYS[1] checkpoint hash of the task

  Output:
    { epoch, existed, field1, value1, field2, value2, ... }
    existed: 1 if the checkpoint was there before (state intact up to the
    positions returned), 0 if Redis has nothing for this task (fresh or lost).
    The fields are the `pos:<store>` entries of the checkpoint.
]]
local rcall = redis.call
local existed = rcall("EXISTS", KEYS[1])
local epoch = rcall("HINCRBY", KEYS[1], "epoch", 1)
local result = { epoch, existed }
local fields = rcall("HGETALL", KEYS[1])
for i = 1, #fields, 2 do
  if fields[i] ~= "epoch" then
    result[#result + 1] = fields[i]
    result[#result + 1] = fields[i + 1]
  end
end
return result
