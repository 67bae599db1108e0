--[[
  Takes or renews the coordinator lease: set to this holder for ARGV[2] ms
  when free or already ours.

  Input:  KEYS[1] the lease; ARGV[1] holder id; ARGV[2] time to live (ms)
  Output: 1 if this holder has the lease now, else 0
]]
local holder = redis.call("GET", KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  return 1
end
return 0
