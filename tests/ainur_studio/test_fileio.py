"""Atomic writes: all or nothing, permissions kept, temporaries cleaned up."""

from __future__ import annotations

import os
import stat
import time

import pytest

from ainur_studio import fileio


def test_write_replaces_content_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "a.txt"
    fileio.atomic_write_text(path, "one\n")
    fileio.atomic_write_text(path, "two\nlines\n", newline="\r\n")
    assert path.read_bytes() == b"two\r\nlines\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_backup_holds_the_previous_content(tmp_path):
    path, backup = tmp_path / "a.bin", tmp_path / "a.bin.bak"
    fileio.atomic_write_bytes(path, b"1", backup=backup)
    assert not backup.exists()
    fileio.atomic_write_bytes(path, b"2", backup=backup)
    fileio.atomic_write_bytes(path, b"3", backup=backup)
    assert (path.read_bytes(), backup.read_bytes()) == (b"3", b"2")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_permissions_of_the_replaced_file_are_kept(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x")
    path.chmod(0o640)
    fileio.atomic_write_text(path, "y")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_failed_write_leaves_the_target_untouched(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        fileio.atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_missing_folder_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        fileio.atomic_write_bytes(tmp_path / "no" / "a.bin", b"x")


def test_stale_temporaries_are_removed_but_fresh_ones_kept(tmp_path):
    path = tmp_path / "song.ainur"
    old, fresh = tmp_path / ".song.ainur.abc.tmp", tmp_path / ".song.ainur.def.tmp"
    other = tmp_path / ".other.ainur.abc.tmp"
    for p in (old, fresh, other):
        p.write_text("partial")
    hour_ago = time.time() - 7200
    os.utime(old, (hour_ago, hour_ago))
    os.utime(other, (hour_ago, hour_ago))
    assert fileio.remove_stale_temps(path) == [old]
    assert fresh.exists() and other.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and links")
def test_new_files_follow_the_umask_and_links_are_kept(tmp_path):
    umask = os.umask(0o022)
    try:
        fresh = fileio.atomic_write_bytes(tmp_path / "new.bin", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert fileio.atomic_write_text(link, "new") == real
    assert link.is_symlink() and real.read_text() == "new"


def test_read_jsonl_names_the_bad_line(tmp_path):
    import pytest

    from ainur_studio.fileio import read_jsonl

    path = tmp_path / "m.jsonl"
    path.write_text('{"a": 1}\n\n{"b": 2}\n', encoding="utf-8")
    assert read_jsonl(path) == [(1, {"a": 1}), (3, {"b": 2})]
    path.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"m.jsonl:2: expected a JSON object"):
        read_jsonl(path)
    path.write_text('{"a": 1\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"m.jsonl:1: not valid JSON"):
        read_jsonl(path)
