"""Project documents: round trip, clear errors, migration, backups, and crash-safe saving."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import sys
import time

import pytest

from ainur_studio.lyrics.lrc import parse_lrc
from ainur_studio.project import (
    SCHEMA_VERSION,
    Project,
    ProjectError,
    backup_path_for,
    load_project,
    load_project_or_backup,
    project_to_dict,
    save_project,
)
from ainur_studio.types import GenerationRequest, PromptFields, Take, Task, TaskInputs


def make_project(tag: str = "a", *, takes: int = 3, blob: int = 0) -> Project:
    request = GenerationRequest(prompt=f"prompt {tag}", fields=PromptFields(genre=["rock"]),
                                seed=7, task=Task.REPAINT,
                                inputs=TaskInputs(region_start_s=1.0, region_end_s=2.5))
    lyrics = parse_lrc("[ar:Band]\n[00:01.00]<00:01.00>hello <00:01.50>world\n")[0]
    return Project(
        request=request, lyrics=lyrics, title=f"Song {tag}",
        settings={"tag": tag, "blob": "x" * blob, "nested": {"list": [1, 2.5, None]}},
        takes=[Take(take_id=f"{tag}-{i}", path=f"takes/{tag}-{i}.wav", request=request,
                    frames=48_000 * i, timings={"prior": 0.5}) for i in range(takes)])


def test_save_and_load_round_trip(tmp_path):
    project = make_project()
    path = save_project(tmp_path / "song.ainur", project)
    assert load_project(path) == project
    document = json.loads(path.read_text("utf-8"))
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["format"] == "ainur-studio-project"


def test_second_save_keeps_one_backup_of_the_previous_file(tmp_path):
    path = tmp_path / "song.ainur"
    save_project(path, make_project("a"))
    assert not backup_path_for(path).exists()
    save_project(path, make_project("b"))
    save_project(path, make_project("c"))
    assert load_project(path).title == "Song c"
    assert load_project(backup_path_for(path)).title == "Song b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.ainur", "song.ainur.bak"]


def test_unsaveable_settings_leave_the_file_untouched(tmp_path):
    path = save_project(tmp_path / "song.ainur", make_project("a"))
    bad = make_project("b")
    bad.settings["gain"] = float("nan")
    with pytest.raises(ValueError, match="cannot be saved as JSON"):
        save_project(path, bad)
    assert load_project(path).title == "Song a"
    assert not backup_path_for(path).exists()


def write_doc(tmp_path, document) -> os.PathLike:
    path = tmp_path / "p.ainur"
    path.write_text(document if isinstance(document, str) else json.dumps(document), "utf-8")
    return path


def current_doc(**changes):
    return project_to_dict(make_project()) | changes


@pytest.mark.parametrize("document, message", [
    ("", "empty"),
    ("{not json", "not valid JSON \\(line 1, column 2"),
    ("[1, 2]", "JSON object"),
    ({"format": "something-else", "schema_version": 1}, "not an Ainur Studio project"),
    (current_doc(schema_version=99), "newer Ainur Studio \\(schema 99"),
    (current_doc(schema_version="1"), "whole number"),
    ({k: v for k, v in current_doc().items() if k != "takes"}, "'takes' is missing"),
    (current_doc(settings=[]), "'settings' must be a JSON dict"),
    (current_doc(takes=[{"path": "x.wav", "request": {}}]), "takes\\[0\\] is not a valid Take"),
    (current_doc(request={"seed": "seven"}), "request.seed has the wrong type"),
    (current_doc(request={"task": "dance"}), "not a valid GenerationRequest"),
    (current_doc(lyrics={"lines": [{"start_ms": 1.5, "text": "x"}]}),
     "lyrics.lines\\[0\\].start_ms has the wrong type"),
])
def test_bad_files_give_clear_errors(tmp_path, document, message):
    with pytest.raises(ProjectError, match=message) as info:
        load_project(write_doc(tmp_path, document))
    assert str(info.value).startswith("p.ainur: ")


def test_binary_file_is_not_a_project(tmp_path):
    path = tmp_path / "p.ainur"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProjectError, match="not a text file"):
        load_project(path)


def test_unknown_fields_from_newer_minor_versions_are_ignored(tmp_path):
    document = current_doc(extra_panel={"x": 1})
    document["request"]["future_knob"] = 3
    assert load_project(write_doc(tmp_path, document)) == make_project()


def test_schema_0_file_is_migrated(tmp_path):
    v0 = {"prompt": "old style", "seed": 3, "duration": 12.5, "title": "Old",
          "lyrics": "[00:02.00]first\n[00:01.00]zero", "takes": ["a.wav", {"path": "b.wav"}],
          "settings": {"bpm": 90}}
    project = load_project(write_doc(tmp_path, v0))
    assert (project.request.prompt, project.request.seed, project.request.duration_s) == (
        "old style", 3, 12.5)
    assert [line.text for line in project.lyrics.lines] == ["zero", "first"]
    assert [(t.take_id, t.path) for t in project.takes] == [("take-1", "a.wav"),
                                                            ("take-2", "b.wav")]
    assert project.settings == {"bpm": 90} and project.title == "Old"


def test_damaged_file_falls_back_to_the_backup(tmp_path):
    path = tmp_path / "song.ainur"
    save_project(path, make_project("a"))
    save_project(path, make_project("b"))
    path.write_bytes(b'{"format": "ainur-studio-pro')  # truncated by some other tool
    project, source = load_project_or_backup(path)
    assert project.title == "Song a" and source == backup_path_for(path)
    backup_path_for(path).unlink()
    with pytest.raises(ProjectError, match="not valid JSON"):
        load_project_or_backup(path)


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_project(tmp_path / "nope.ainur")


# --- crash safety --------------------------------------------------------------------------

def _save_forever(path: str, a: Project, b: Project) -> None:
    for i in range(10**9):
        save_project(path, a if i % 2 else b)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL") or sys.platform == "darwin",
                    reason="needs fork and SIGKILL")
def test_sigkill_during_saves_always_leaves_a_loadable_project(tmp_path):
    """Kill a process that saves a ~0.8 MB project in a loop at random moments, many times:
    the file on disk always loads and holds exactly one of the two versions."""
    path = tmp_path / "big.ainur"
    versions = {p.title: p for p in (make_project("a", takes=10, blob=800_000),
                                     make_project("b", takes=10, blob=800_000))}
    a, b = versions.values()
    save_project(path, a)
    context = multiprocessing.get_context("fork")
    rng = random.Random(1234)
    seen = set()
    for _ in range(40):
        child = context.Process(target=_save_forever, args=(str(path), a, b), daemon=True)
        child.start()
        time.sleep(rng.uniform(0.0, 0.12))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL
        loaded = load_project(path)
        assert loaded == versions[loaded.title]
        seen.add(loaded.title)
        if backup_path_for(path).exists():
            backup = load_project(backup_path_for(path))
            assert backup == versions[backup.title]
    assert seen == {"Song a", "Song b"}
    interrupted = list(tmp_path.glob(".big.ainur.*.tmp"))
    assert interrupted, "no kill landed during a write; the test proved nothing"
