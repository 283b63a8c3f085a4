"""Crash-safe file writes shared by every layer (stdlib only).

A write goes to a temporary file in the target's folder, is flushed and fsynced, then renamed
over the target with ``os.replace`` (atomic on POSIX and Windows) and the folder is fsynced,
so after a crash or power cut the path holds either the old or the new content, never a
truncated mix. Temporary names start with ``.`` and end with ``.tmp`` and are removed on error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable. Folders cannot be opened on Windows; there it is a no-op."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _default_mode(path: Path) -> int:
    """Keep the permissions of the file being replaced, else what a plain open() would give."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write_temp(path: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _default_mode(path))
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _keep_backup(path: Path, backup: Path) -> None:
    """Point `backup` at the current content of `path` without a moment where either is
    missing: a hard link (or a copy) under a temporary name, then an atomic rename."""
    if not path.exists():
        return
    fd, name = tempfile.mkstemp(dir=backup.parent, prefix=f".{backup.name}.", suffix=TEMP_SUFFIX)
    os.close(fd)
    temp = Path(name)
    try:
        temp.unlink()
        try:
            os.link(path, temp)
        except OSError:  # file systems without hard links
            shutil.copy2(path, temp)
            with open(temp, "rb+") as handle:
                os.fsync(handle.fileno())
        os.replace(temp, backup)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes, *, backup: str | Path | None = None) -> Path:
    """Write `data` to `path` atomically and durably.

    Args:
        path: the target file; its folder must exist.
        data: the complete new content.
        backup: if given and `path` exists, its previous content ends up under this name
            (one backup, replaced on every write).

    Returns:
        `path` as a ``Path``.

    Raises:
        OSError: when the folder is missing or not writable; the target is then untouched.
    """
    target = Path(path)
    temp = _write_temp(target, bytes(data))
    try:
        if backup is not None:
            _keep_backup(target, Path(backup))
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target


def atomic_write_text(path: str | Path, text: str, *, encoding: str = "utf-8",
                      newline: str = "\n", backup: str | Path | None = None) -> Path:
    """Write text atomically; ``\\n`` in `text` is written as `newline`. See
    ``atomic_write_bytes``."""
    if newline != "\n":
        text = text.replace("\n", newline)
    return atomic_write_bytes(path, text.encode(encoding), backup=backup)


def remove_stale_temps(path: str | Path, *, older_than_s: float = 3600.0) -> list[Path]:
    """Delete temporary files that an interrupted write of `path` left behind.

    Only files named like this module's temporaries for `path` and older than
    `older_than_s` are touched, so a write in progress elsewhere is left alone.

    Returns:
        The files removed.
    """
    target = Path(path)
    cutoff = time.time() - older_than_s
    removed = []
    for candidate in target.parent.glob(f".{target.name}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            if candidate.stat().st_mtime < cutoff:
                candidate.unlink()
                removed.append(candidate)
    return removed
