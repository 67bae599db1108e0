--[[
  Reads store entries of one task, atomically with a check that the state is
  present and still owned by the caller (so values are never computed from a
  half-flushed Redis).

  Input:
    KEYS[1]     checkpoint hash of the task
    KEYS[2..n]  entry keys to read
    ARGV[1]     the caller's epoch

  Output:
    -1 state lost, -2 fenced, else { 0, value-or-false for each entry key }
]]
local rcall = redis.call
--- @include "includes/checkEpoch"
local code = checkEpoch(KEYS[1], ARGV[1])
if code ~= 0 then
  return code
end
local result = { 0 }
if #KEYS > 1 then
  local values = rcall("MGET", unpack(KEYS, 2))
  for i = 1, #values do
    result[i + 1] = values[i]
  end
end
return result
