"""The shipped REAPER script: it parses (luac), and run against a stand-in REAPER API it puts
the messages the engine sends for a five-stem take on five new named tracks aligned at the
edit cursor, in one undo step; a single-file take still goes on the selected track.

`.ci/run` installs `lua5.4` (luac5.4 and lua5.4); without it these tests are skipped."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ainur_studio.structure import STEM_ROLES
from engine.osc.delivery import deliver
from engine.osc.take_files import load_take
from engine.osc.transport import parse_osc_url

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "resources" / "daw" / "reaper" / "ainur_insert_take.lua"
HARNESS = Path(__file__).with_name("reaper_harness.lua")
LUAC = shutil.which("luac5.4") or shutil.which("luac5.3")
LUA = shutil.which("lua5.4") or shutil.which("lua5.3")
needs_luac = pytest.mark.skipif(LUAC is None, reason="luac5.4 is not installed (Debian "
                                "package lua5.4, installed by .ci/run)")
needs_lua = pytest.mark.skipif(LUA is None, reason="lua5.4 is not installed (Debian package "
                               "lua5.4, installed by .ci/run)")


@needs_luac
def test_the_script_parses():
    done = subprocess.run([LUAC, "-p", str(SCRIPT)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def _run_script(contexts: list[str], *, select: bool = False,
                ext: dict[str, str] | None = None) -> list[list[str]]:
    cmd = [LUA, str(HARNESS), str(SCRIPT), *(["--select"] if select else []),
           *(f"--ext={k}={v}" for k, v in (ext or {}).items()), *contexts]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines()]


def _events(lines: list[list[str]], kind: str) -> list[list[str]]:
    return [line[1:] for line in lines if line[0] == kind]


def _sent_to_reaper(path, peer, **kwargs) -> list[str]:
    deliver(load_take(path, kind="reaper", **kwargs), parse_osc_url(peer.url), "reaper")
    heard = peer.heard()
    assert {address for address, _ in heard} == {"/ainur/insert"}
    assert all(len(args) == 1 for _, args in heard)
    return [args[0] for _, args in heard]


def test_the_engine_sends_one_message_per_stem_in_order(stem_take, ordered_peer):
    take, _ = stem_take
    sent = _sent_to_reaper(take.folder, ordered_peer)
    assert len(sent) == 5
    batch = sent[0].split(":")[1]
    assert len(batch) == 8 and int(batch, 16) >= 0
    folder = Path(take.folder).resolve()
    assert sent == [f"ainur:{batch}:{i}/5:{role}:{folder / f'{role}.wav'}"
                    for i, role in enumerate(STEM_ROLES, start=1)]


def test_a_single_file_take_is_sent_as_its_path(tmp_path, ordered_peer):
    from tests.engine.osc.conftest import write_take

    path = tmp_path / "one take.wav"
    write_take(path, 0.1)
    assert _sent_to_reaper(path, ordered_peer) == [str(path.resolve())]


@needs_lua
@pytest.mark.parametrize("order", ["sent", "reversed"])
def test_the_script_puts_each_stem_on_its_own_named_track_at_the_cursor(stem_take,
                                                                       ordered_peer, order):
    take, _ = stem_take
    sent = _sent_to_reaper(take.folder, ordered_peer)
    if order == "reversed":  # UDP may reorder: the script waits for all five either way
        sent = sent[::-1]
    lines = _run_script([f"osc:/ainur/insert:s={arg}" for arg in sent], select=True)
    folder = Path(take.folder).resolve()
    assert _events(lines, "insert") == [[str(i + 1), f"Ainur {role}", "12.500",
                                         str(folder / f"{role}.wav")]
                                        for i, role in enumerate(STEM_ROLES)]
    assert _events(lines, "track") == [["0", "Vocals (mine)"]] + [
        [str(i + 1), f"Ainur {role}"] for i, role in enumerate(STEM_ROLES)]
    assert _events(lines, "undo_end") == [["Insert Ainur Studio take (5 stems)"]]
    assert _events(lines, "cursor") == [["12.500"]]     # the edit cursor stays where it was
    assert _events(lines, "extstate") == [[""]]          # nothing left behind


@needs_lua
def test_an_incomplete_take_is_dropped_when_the_next_one_arrives(stem_take, ordered_peer):
    take, _ = stem_take
    first = _sent_to_reaper(take.folder, ordered_peer)
    second = _sent_to_reaper(take.folder, ordered_peer, include="all")
    lines = _run_script([f"osc:/ainur/insert:s={arg}" for arg in first[:2] + second])
    inserted = _events(lines, "insert")
    assert [name for _, name, _, _ in inserted] == [f"Ainur {r}" for r in (*STEM_ROLES, "mix")]
    assert _events(lines, "extstate") == [[""]]


@needs_lua
def test_a_single_file_take_goes_on_the_selected_track(tmp_path, ordered_peer):
    from tests.engine.osc.conftest import write_take

    path = tmp_path / "one take.wav"
    write_take(path, 0.1)
    (arg,) = _sent_to_reaper(path, ordered_peer)
    lines = _run_script([f"osc:/ainur/insert:s={arg}"], select=True)
    assert _events(lines, "insert") == [["0", "Vocals (mine)", "12.500", str(path.resolve())]]
    assert _events(lines, "undo_end") == [["Insert Ainur Studio take"]]
    lines = _run_script([f"osc:/ainur/insert:s={arg}"])  # nothing selected: a new track
    assert [row[0] for row in _events(lines, "insert")] == ["0"]


@needs_lua
def test_missing_files_are_named_and_nothing_is_inserted(stem_take, ordered_peer):
    take, _ = stem_take
    sent = _sent_to_reaper(take.folder, ordered_peer)
    (Path(take.folder) / "bass.wav").unlink()
    lines = _run_script([f"osc:/ainur/insert:s={arg}" for arg in sent])
    assert _events(lines, "insert") == []
    (message,) = _events(lines, "message")
    assert "not found" in message[0] and "bass.wav" in message[0]


@needs_lua
def test_stems_can_come_through_extstate(stem_take):
    take, _ = stem_take
    folder = Path(take.folder).resolve()
    lines = "\n".join(f"{role}\t{folder / f'{role}.wav'}" for role in ("drums", "bass"))
    result = _run_script([""], ext={"insert_files": lines})  # run by hand, no OSC context
    assert [row[1] for row in _events(result, "insert")] == ["Ainur drums", "Ainur bass"]
    assert _events(result, "extstate") == [[""]]
    nothing = _run_script([""])
    assert "No take was given" in _events(nothing, "message")[0][0]
