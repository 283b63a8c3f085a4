-- Ainur Studio: insert a take into REAPER at the edit cursor on the selected track.
--
-- Three ways to trigger it (see README "REAPER"):
--  1. OSC: in Actions > Show action list, load this script, then "Add..." a shortcut and send
--     the OSC message `/ainur/insert <path>` from Ainur Studio (Settings > DAW > REAPER, or
--     `ainur-studio send TAKE --to osc.udp://127.0.0.1:8000 --as reaper`) while the shortcut
--     dialog listens. REAPER passes the message to the script as its action context.
--  2. Web remote / another script: set ExtState "AinurStudio" "insert_path" to the file path,
--     then run this action.
--  3. Run it by hand: it inserts the newest take listed in the ExtState history.

local SECTION = "AinurStudio"

local function path_from_context()
  local _, _, _, _, _, _, _, contextstr = reaper.get_action_context()
  if contextstr and contextstr ~= "" then
    -- e.g. "osc:/ainur/insert:s=/home/me/Music/Ainur Studio/take.wav"
    local path = contextstr:match(":s=(.+)$")
    if path and path ~= "" then return path end
  end
  return nil
end

local function path_from_extstate()
  if reaper.HasExtState(SECTION, "insert_path") then
    local path = reaper.GetExtState(SECTION, "insert_path")
    reaper.DeleteExtState(SECTION, "insert_path", false)
    if path ~= "" then return path end
  end
  return nil
end

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

local path = path_from_context() or path_from_extstate()
if not path then
  reaper.ShowMessageBox("No take path was given. Trigger this action from Ainur Studio over OSC"
    .. " (/ainur/insert <path>) or set ExtState AinurStudio/insert_path.", "Ainur Studio", 0)
  return
end
if not file_exists(path) then
  reaper.ShowMessageBox("Ainur Studio take not found:\n" .. path, "Ainur Studio", 0)
  return
end

reaper.Undo_BeginBlock()
local track = reaper.GetSelectedTrack(0, 0)
local mode = 0                      -- 0: insert on the current (selected) track
if not track then mode = 1 end     -- 1: no track selected: insert on a new track
reaper.InsertMedia(path, mode)
reaper.UpdateArrange()
reaper.Undo_EndBlock("Insert Ainur Studio take", -1)
