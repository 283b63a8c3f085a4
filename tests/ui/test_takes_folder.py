"""With no project open, the takes list shows the takes folder's takes, newest first."""

from __future__ import annotations

import os
from pathlib import Path

from ainur_studio.project import Project, save_project
from tests.ui.window_helpers import recording_window, write_stem_take, write_take
from ui.models.takes_folder import read_takes_folder
from ui.settings import Settings


def test_a_restart_shows_the_takes_folder_newest_first(qtbot, tmp_path):
    folder = tmp_path / "takes"
    write_take(folder, "old", created="2024-05-01T10:00:00+00:00")
    write_take(folder, "new", created="2024-05-03T10:00:00+00:00")
    write_take(folder, "mid", created="2024-05-02T12:00:00+02:00")
    gone = write_take(folder, "gone", created="2024-05-04T10:00:00+00:00")
    Path(gone.path).unlink()  # its audio was deleted: not listed
    (folder / "notes.json").write_text('{"not": "a take"}', encoding="utf-8")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    settings = Settings(tmp_path / "s.ini")
    settings.set("output/folder", str(folder))
    win, _sent = recording_window(qtbot, settings)
    ids = [win.takes.take_at(i).take_id for i in range(win.takes.rowCount())]
    assert ids == ["new", "mid", "old"]
    assert not win.session.dirty  # showing the folder is not an edit


def test_the_default_takes_folder_is_the_engines(qtbot, tmp_path):
    write_take(Path(os.environ["AINUR_STUDIO_HOME"]) / "takes", "t1",
               created="2024-05-01T10:00:00+00:00")
    win, _sent = recording_window(qtbot, Settings(tmp_path / "s.ini"))
    assert win.takes.rowCount() == 1


def test_opening_a_project_shows_its_own_takes(qtbot, tmp_path):
    folder = tmp_path / "takes"
    write_take(folder, "loose", created="2024-05-01T10:00:00+00:00")
    mine = write_take(tmp_path / "proj", "mine", created="2024-05-02T10:00:00+00:00")
    save_project(tmp_path / "p.ainur", Project(takes=[mine]))
    settings = Settings(tmp_path / "s.ini")
    settings.set("output/folder", str(folder))
    win, _sent = recording_window(qtbot, settings)
    assert win.load_project_file(str(tmp_path / "p.ainur"))
    assert [win.takes.take_at(i).take_id for i in range(win.takes.rowCount())] == ["mine"]


def test_reading_is_bounded_and_keeps_the_newest(tmp_path):
    for day in range(1, 6):
        write_take(tmp_path, f"d{day}", created=f"2024-05-0{day}T10:00:00+00:00")
    assert [t.take_id for t in read_takes_folder(tmp_path, limit=2)] == ["d5", "d4"]
    assert read_takes_folder(tmp_path / "missing") == []


def test_take_folders_are_listed_with_their_parts_even_when_moved(tmp_path):
    import json

    written = tmp_path / "before"
    take = write_stem_take(written, "band")
    (Path(take.folder) / "take.json").write_text(json.dumps(take.to_dict()), encoding="utf-8")
    moved = tmp_path / "takes"
    Path(written).rename(moved)  # the whole takes folder moved: paths follow the sidecar
    write_take(moved, "single", created="2024-05-01T10:00:00+00:00")
    takes = {t.take_id: t for t in read_takes_folder(moved)}
    assert set(takes) == {"band", "single"}
    band = takes["band"]
    assert [p.role for p in band.parts] == ["drums", "bass", "harmony", "melody", "vocals"]
    assert all(Path(p.path).is_file() and Path(p.path).parent == moved / "band"
               for p in band.parts)
    assert Path(band.path) == moved / "band" / "mix.wav"
