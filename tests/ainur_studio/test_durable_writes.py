"""`fileio.atomic_write`, the one crash-safe write: the new content is fsynced before it is
renamed into place and the folder after; projects and autosaves go through it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from ainur_studio import fileio
from ainur_studio.project import save_project, write_autosave
from tests.ainur_studio.test_project import make_project


@pytest.fixture
def journal(monkeypatch) -> list[tuple[str, tuple[int, int]]]:
    """("fsync", (dev, inode)) and ("replace", (dev, inode) of the source), in call order."""
    events: list[tuple[str, tuple[int, int]]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        events.append(("fsync", (st.st_dev, st.st_ino)))
        real_fsync(fd)

    def replace(src, dst) -> None:
        st = os.stat(src)
        events.append(("replace", (st.st_dev, st.st_ino)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def _key(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino


def _assert_durable(journal: list, target: Path) -> None:
    """The file was fsynced before it was renamed into place, the folder after."""
    replaced = journal.index(("replace", _key(target)))
    assert ("fsync", _key(target)) in journal[:replaced]
    if os.name == "posix":
        assert ("fsync", _key(target.parent)) in journal[replaced:]


def test_writer_callback_output_is_fsynced_then_renamed(tmp_path, journal):
    target = tmp_path / "weights.safetensors"
    fileio.atomic_write(target, lambda temp: save_file({"w": torch.ones(3)}, str(temp)))
    assert torch.equal(load_file(str(target))["w"], torch.ones(3))
    _assert_durable(journal, target)
    assert [p.name for p in tmp_path.iterdir()] == ["weights.safetensors"]


def test_failing_writer_leaves_the_target_and_no_temporary(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")

    def broken(temp: Path) -> None:
        temp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        fileio.atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_project_save_is_fsynced_before_the_rename(tmp_path, journal):
    path = save_project(tmp_path / "song.ainur", make_project())
    _assert_durable(journal, path)


def test_autosave_is_fsynced_before_the_rename(tmp_path, journal):
    path = write_autosave(tmp_path / "song.autosave.ainur", make_project())
    _assert_durable(journal, Path(path))
