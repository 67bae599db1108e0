--[[
  Moves the remembered status of one experiment forward to a newer results
  record and, when a remembered field changes, appends the change to the
  outbox stream, in one atomic step. A record at or below the remembered
  version changes nothing: replays after a restart and other instances
  reading the same record are no-ops, so each change is appended once.

  Input:
    KEYS[1] hash of the experiment: `version` and one field per facet
    KEYS[2] outbox stream
    ARGV[1] version of the record (integer)
    ARGV[2] experiment id
    ARGV[3] snapshot of the record (JSON, copied into the outbox entry)
    ARGV[4] approximate maximum length of the outbox stream
    ARGV[5], ARGV[6], ... facet name, facet value ('' = absent)

  Output:
    -1        the record is not newer than the remembered version
     0        remembered version moved forward, no facet changed
    entry id  of the outbox entry appended: fields experiment_id, version,
              previous_<facet>, <facet> for each facet, snapshot
]]
local rcall = redis.call
local version = tonumber(ARGV[1])
local remembered = tonumber(rcall("HGET", KEYS[1], "version") or "")
if remembered ~= nil and remembered >= version then
  return -1
end

local entry = { "experiment_id", ARGV[2], "version", ARGV[1] }
local changed = false
for i = 5, #ARGV, 2 do
  local facet, value = ARGV[i], ARGV[i + 1]
  local previous = rcall("HGET", KEYS[1], facet) or ""
  if previous ~= value then
    changed = true
  end
  entry[#entry + 1] = "previous_" .. facet
  entry[#entry + 1] = previous
  entry[#entry + 1] = facet
  entry[#entry + 1] = value
  rcall("HSET", KEYS[1], facet, value)
end
rcall("HSET", KEYS[1], "version", ARGV[1])
if not changed then
  return 0
end
entry[#entry + 1] = "snapshot"
entry[#entry + 1] = ARGV[3]
return rcall("XADD", KEYS[2], "MAXLEN", "~", ARGV[4], "*", unpack(entry))
