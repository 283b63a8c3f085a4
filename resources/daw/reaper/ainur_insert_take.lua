-- Ainur Studio: insert a take into REAPER at the edit cursor.
--
-- A single-file take goes on the selected track (on a new track when none is selected).
-- A take with stems goes one stem per new track, named "Ainur <role>" (e.g. "Ainur drums"),
-- every stem starting at the edit cursor, all in one undo step.
--
-- Three ways to trigger it (README, "REAPER"; docs/daw-bridge.md, "Takes with stems"):
--  1. OSC: in Actions > Show action list, load this script, then "Add..." a shortcut and send
--     the OSC message `/ainur/insert <path>` from Ainur Studio (Settings > DAW > REAPER, or
--     `ainur-studio send TAKE --to osc.udp://127.0.0.1:8000 --as reaper`) while the shortcut
--     dialog listens. REAPER passes each message to the script as its action context.
--  2. Web remote / another script: set ExtState "AinurStudio" "insert_path" to a file path, or
--     "insert_files" to one "<role><TAB><path>" line per stem, then run this action.
--  3. Run it by hand after setting one of those ExtStates.
--
-- What Ainur Studio sends (the string argument of /ainur/insert):
--   <path>                                 a single-file take
--   ainur:<batch>:<i>/<n>:<role>:<path>    file i of the n files of one take (batch: hex id);
--                                          each message runs this script once: the files are
--                                          kept in ExtState until all n have arrived

local SECTION = "AinurStudio"
local PREFIX = "Ainur "
local MAX_FILES = 16   -- files in one take (five stems and the mix today)

local function message_from_context()
  local _, _, _, _, _, _, _, contextstr = reaper.get_action_context()
  if contextstr and contextstr ~= "" then
    -- e.g. "osc:/ainur/insert:s=/home/me/Music/Ainur Studio/take.wav"
    local arg = contextstr:match(":s=(.+)$")
    if arg and arg ~= "" then return arg end
  end
  return nil
end

local function take_extstate(key)
  if reaper.HasExtState(SECTION, key) then
    local value = reaper.GetExtState(SECTION, key)
    reaper.DeleteExtState(SECTION, key, false)
    if value ~= "" then return value end
  end
  return nil
end

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

local function say(text)
  reaper.ShowMessageBox(text, "Ainur Studio", 0)
end

-- One file of a take sent as parts, or nil when `arg` is a plain path.
local function parse_part(arg)
  local batch, i, n, role, path = arg:match("^ainur:(%x+):(%d+)/(%d+):([%w_%-]+):(.+)$")
  if not batch then return nil end
  return { batch = batch, index = tonumber(i), count = tonumber(n), role = role, path = path }
end

local function forget_batch()
  local count = tonumber(reaper.GetExtState(SECTION, "batch_count")) or 0
  for i = 1, count do reaper.DeleteExtState(SECTION, "batch_file_" .. i, false) end
  reaper.DeleteExtState(SECTION, "batch", false)
  reaper.DeleteExtState(SECTION, "batch_count", false)
end

-- Keeps `part`; returns the batch's files once all of them have arrived, else nil.
local function collect(part)
  if part.index < 1 or part.index > part.count or part.count > MAX_FILES then return nil end
  if reaper.GetExtState(SECTION, "batch") ~= part.batch then
    forget_batch()  -- a new take: whatever an earlier, incomplete one left is dropped
    reaper.SetExtState(SECTION, "batch", part.batch, false)
    reaper.SetExtState(SECTION, "batch_count", tostring(part.count), false)
  end
  reaper.SetExtState(SECTION, "batch_file_" .. part.index, part.role .. "\t" .. part.path, false)
  local files = {}
  for i = 1, part.count do
    local role, path = reaper.GetExtState(SECTION, "batch_file_" .. i):match("^([^\t]+)\t(.+)$")
    if not role then return nil end
    files[i] = { role = role, path = path }
  end
  forget_batch()
  return files
end

local function parse_lines(text)
  local files = {}
  for line in text:gmatch("[^\r\n]+") do
    local role, path = line:match("^([^\t]+)\t(.+)$")
    if role then files[#files + 1] = { role = role, path = path } end
  end
  return files
end

local function missing(files)
  local gone = {}
  for _, f in ipairs(files) do
    if not file_exists(f.path) then gone[#gone + 1] = f.path end
  end
  return gone
end

local function insert_single(path)
  reaper.Undo_BeginBlock()
  local mode = 0                                      -- 0: on the current (selected) track
  if not reaper.GetSelectedTrack(0, 0) then mode = 1 end  -- 1: none selected: on a new track
  reaper.InsertMedia(path, mode)
  reaper.UpdateArrange()
  reaper.Undo_EndBlock("Insert Ainur Studio take", -1)
end

local function insert_stems(files)
  local cursor = reaper.GetCursorPosition()
  reaper.Undo_BeginBlock()
  reaper.PreventUIRefresh(1)
  for _, f in ipairs(files) do
    local index = reaper.CountTracks(0)               -- a new track after the last one
    reaper.InsertTrackAtIndex(index, true)
    local track = reaper.GetTrack(0, index)
    reaper.GetSetMediaTrackInfo_String(track, "P_NAME", PREFIX .. f.role, true)
    reaper.SetOnlyTrackSelected(track)
    reaper.SetEditCurPos(cursor, false, false)        -- every stem starts at the cursor
    reaper.InsertMedia(f.path, 512 + index * 65536)   -- &512: the high word is the track
  end
  reaper.SetEditCurPos(cursor, false, false)
  reaper.PreventUIRefresh(-1)
  reaper.UpdateArrange()
  reaper.Undo_EndBlock("Insert Ainur Studio take (" .. #files .. " stems)", -1)
end

local function run()
  local arg = message_from_context()
  local files
  if arg then
    local part = parse_part(arg)
    if part then
      files = collect(part)
      if not files then return end                    -- more files of this take to come
    else
      files = { { path = arg } }
    end
  else
    local lines = take_extstate("insert_files")
    local path = take_extstate("insert_path")
    files = lines and parse_lines(lines) or path and { { path = path } } or {}
  end
  if #files == 0 then
    say("No take was given. Trigger this action from Ainur Studio over OSC (/ainur/insert)"
      .. " or set ExtState AinurStudio/insert_path or AinurStudio/insert_files.")
    return
  end
  local gone = missing(files)
  if #gone > 0 then
    say("Ainur Studio take not found:\n" .. table.concat(gone, "\n"))
    return
  end
  if #files == 1 and not files[1].role then
    insert_single(files[1].path)
  else
    insert_stems(files)
  end
end

run()
