--[[
  Applies a committed set of changelog records to the task's store entries,
  together with the changelog positions they reflect, in one atomic step.
  Entries of a store whose stored position is already at or past the new
  position are skipped: applying the same commit twice (a retry, a restore
  racing a late apply) changes nothing. A large set is applied in several
  calls: only the last one stores the positions, so until it ran the earlier
  ones can be repeated (they write the same values).

  Input:
    KEYS[1]     checkpoint hash of the task
    KEYS[2..n]  entry keys, one per change
    ARGV[1]     the caller's epoch
    ARGV[2]     number of stores s
    ARGV[3..]   s pairs: store name, new changelog position (offset of its last record)
    then, per entry key in KEYS order, one value
                "<store index>|<expire-at>|<value>": the store index is 1-based
                (into the pairs above), expire-at in epoch ms ("0": never,
                "-1": delete); one argument, not three, halves what the client
                encodes and sends per entry
    ARGV[last-1] "1" to store the new positions (the last call of a set), "0" not to
    ARGV[last]  now, in epoch ms (entries already expired are deleted)

  Output:
    -1 state lost, -2 fenced, else the number of entries written or deleted
]]
local rcall = redis.call
--- @include "includes/checkEpoch"
local code = checkEpoch(KEYS[1], ARGV[1])
if code ~= 0 then
  return code
end

local storeCount = tonumber(ARGV[2])
local storePositions = ARGV[#ARGV - 1] == "1"
local apply = {}
for s = 1, storeCount do
  local field = "pos:" .. ARGV[1 + 2 * s]
  local position = tonumber(ARGV[2 + 2 * s])
  local stored = tonumber(rcall("HGET", KEYS[1], field) or "-1")
  apply[s] = position > stored
  if apply[s] and storePositions then
    rcall("HSET", KEYS[1], field, ARGV[2 + 2 * s])
  end
end

local now = tonumber(ARGV[#ARGV])
local written = 0
local base = 3 + 2 * storeCount
local find, sub = string.find, string.sub
for i = 2, #KEYS do
  local entry = ARGV[base + i - 2]
  local first = find(entry, "|", 1, true)
  local second = find(entry, "|", first + 1, true)
  if apply[tonumber(sub(entry, 1, first - 1))] then
    local expireAt = sub(entry, first + 1, second - 1)
    if expireAt == "-1" then
      rcall("DEL", KEYS[i])
    elseif expireAt == "0" then
      rcall("SET", KEYS[i], sub(entry, second + 1))
    elseif tonumber(expireAt) <= now then
      rcall("DEL", KEYS[i])
    else
      rcall("SET", KEYS[i], sub(entry, second + 1), "PXAT", expireAt)
    end
    written = written + 1
  end
end
return written
