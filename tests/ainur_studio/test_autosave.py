"""Autosave and crash recovery, without Qt."""

from __future__ import annotations

import json
import os
import time

from ainur_studio.project import Project, autosave, save_project


def project(title: str) -> Project:
    return Project(title=title, settings={"n": 1})


def fake_crashed_writer(path, pid: int = 999_999_999) -> None:
    """Make an autosave look as if another process, now gone, wrote it."""
    document = json.loads(path.read_text("utf-8"))
    document["autosave"]["pid"] = pid
    path.write_text(json.dumps(document), "utf-8")


def test_autosaves_live_under_the_user_folder(_isolated_user_dirs, tmp_path):
    saved = autosave.autosave_path_for(tmp_path / "song.ainur")
    assert saved.parent == _isolated_user_dirs / "autosave"
    assert saved == autosave.autosave_path_for(tmp_path / "song.ainur")
    assert saved != autosave.autosave_path_for(tmp_path / "other" / "song.ainur")
    assert autosave.autosave_path_for(None) != autosave.autosave_path_for(None)


def test_platform_folder_without_override(monkeypatch):
    monkeypatch.delenv("AINUR_STUDIO_HOME")
    assert autosave.user_data_dir().name == "Ainur Studio"


def test_crashed_session_is_offered_newest_first_and_can_be_discarded(tmp_path):
    first = autosave.write_autosave(autosave.autosave_path_for(None), project("untitled"))
    time.sleep(0.01)
    second = autosave.write_autosave(autosave.autosave_path_for(tmp_path / "s.ainur"),
                                     project("named"), project_path=tmp_path / "s.ainur")
    assert autosave.find_recoverable_autosaves() == []  # still ours: this process is alive
    for path in (first, second):
        fake_crashed_writer(path)
    found = autosave.find_recoverable_autosaves()
    assert [a.title for a in found] == ["named", "untitled"]
    assert found[0].project_path == tmp_path / "s.ainur" and found[1].project_path is None
    assert autosave.load_autosave(found[0]) == project("named")
    autosave.discard_autosave(found[0])
    assert [a.title for a in autosave.find_recoverable_autosaves()] == ["untitled"]


def test_autosave_older_than_the_saved_project_is_not_offered(tmp_path):
    target = tmp_path / "s.ainur"
    path = autosave.write_autosave(autosave.autosave_path_for(target), project("a"),
                                   project_path=target)
    fake_crashed_writer(path)
    save_project(target, project("a"))
    later = time.time() + 5
    os.utime(target, (later, later))
    assert autosave.find_recoverable_autosaves() == []


def test_damaged_autosaves_are_skipped_not_deleted(_isolated_user_dirs):
    folder = _isolated_user_dirs / "autosave"
    folder.mkdir()
    broken = folder / f"broken{autosave.AUTOSAVE_SUFFIX}"
    broken.write_text("{")
    assert autosave.find_recoverable_autosaves() == []
    assert broken.exists()
