-- Runs the REAPER script against a stand-in `reaper` API, once per action context given
-- (as REAPER runs it once per OSC message), sharing ExtState and the project between runs.
-- Usage: lua5.4 reaper_harness.lua SCRIPT [--select] [--ext=KEY=VALUE]... CONTEXT...
-- (--select: a track "Vocals (mine)" is selected; --ext: AinurStudio ExtState set before;
-- an empty CONTEXT runs the script as by hand)
-- Prints one tab-separated line per event: insert, message, undo_begin, undo_end, and at
-- the end track (index, name), cursor and extstate (keys left).

local script = arg[1]
local project = { tracks = {}, cursor = 12.5, selected = nil }
local ext = {}
local context = ""

local function out(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[#parts + 1] = tostring(select(i, ...)) end
  print(table.concat(parts, "\t"))
end

local function index_of(track)
  for i, t in ipairs(project.tracks) do if t == track then return i - 1 end end
  return -1
end

reaper = {}
function reaper.get_action_context() return true, "", 0, 0, 0, 0, 0, context end
function reaper.HasExtState(s, k) return ext[s .. "/" .. k] ~= nil end
function reaper.GetExtState(s, k) return ext[s .. "/" .. k] or "" end
function reaper.SetExtState(s, k, v, persist) ext[s .. "/" .. k] = v end
function reaper.DeleteExtState(s, k, persist) ext[s .. "/" .. k] = nil end
function reaper.ShowMessageBox(text, title, kind) out("message", (text:gsub("\n", " | "))) return 1 end
function reaper.Undo_BeginBlock() out("undo_begin") end
function reaper.Undo_EndBlock(name, flags) out("undo_end", name) end
function reaper.PreventUIRefresh(n) end
function reaper.UpdateArrange() end
function reaper.GetCursorPosition() return project.cursor end
function reaper.SetEditCurPos(t, moveview, seekplay) project.cursor = t end
function reaper.CountTracks(proj) return #project.tracks end
function reaper.InsertTrackAtIndex(i, defaults) table.insert(project.tracks, i + 1, { name = "" }) end
function reaper.GetTrack(proj, i) return project.tracks[i + 1] end
function reaper.GetSetMediaTrackInfo_String(track, key, value, set)
  if set and key == "P_NAME" then track.name = value end
  return true, track.name
end
function reaper.SetOnlyTrackSelected(track) project.selected = track end
function reaper.GetSelectedTrack(proj, i) return project.selected end
function reaper.InsertMedia(path, mode)
  local track
  if mode & 512 ~= 0 then
    track = project.tracks[(mode >> 16) + 1]
  elseif mode & 3 == 1 then
    reaper.InsertTrackAtIndex(#project.tracks, true)
    track = project.tracks[#project.tracks]
  else
    track = project.selected
  end
  out("insert", index_of(track), track and track.name or "?", string.format("%.3f", project.cursor),
      path)
  project.cursor = project.cursor + 10  -- REAPER may move the cursor past what it inserted
  return 1
end

for i = 2, #arg do
  local key, value = arg[i]:match("^%-%-ext=([^=]+)=(.*)$")
  if arg[i] == "--select" then
    reaper.InsertTrackAtIndex(0, true)
    project.tracks[1].name = "Vocals (mine)"
    project.selected = project.tracks[1]
  elseif key then
    ext["AinurStudio/" .. key] = value
  else
    context = arg[i]
    dofile(script)
  end
end
for i, t in ipairs(project.tracks) do out("track", i - 1, t.name) end
out("cursor", string.format("%.3f", project.cursor))
local keys = {}
for k in pairs(ext) do keys[#keys + 1] = k end
table.sort(keys)
out("extstate", table.concat(keys, ","))
