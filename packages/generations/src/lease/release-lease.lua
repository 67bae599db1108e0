--[[
  Gives the coordinator lease up if this holder has it (another may take it at once).

  Input:  KEYS[1] the lease; ARGV[1] holder id
  Output: 1 if released, 0 if another holder had it
]]
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
