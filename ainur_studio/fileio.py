"""Crash-safe file writes shared by every layer (stdlib only).

A write goes to a temporary file in the target's folder, is flushed and fsynced, then renamed
over the target with ``os.replace`` (atomic on POSIX and Windows) and the folder is fsynced,
so after a crash or power cut the path holds either the old or the new content, never a
truncated mix. Temporary names start with ``.`` and end with ``.tmp`` and are removed on error.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import time
import typing as tp
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def fsync_dir(folder: str | Path) -> None:
    """Make a rename in `folder` durable. Folders cannot be opened on Windows; there it is a
    no-op."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: str | Path) -> None:
    """Flush a closed file's content to the disk (opened for writing: Windows needs that)."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_temp(folder: Path, name: str) -> tuple[int, Path]:
    """Create a fresh temporary file next to `name`; the kernel applies the umask to 0o666,
    so the file gets the permissions a plain open() would (no process-wide umask change)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = folder / f".{name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file for {name} in {folder}")


def _write_temp(path: Path, write: tp.Callable[[Path], object]) -> Path:
    fd, temp = _open_temp(path.parent, path.name)
    os.close(fd)
    try:
        write(temp)
        fsync_file(temp)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, path.stat().st_mode & 0o7777)  # keep the replaced file's mode
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _keep_backup(path: Path, backup: Path) -> None:
    """Point `backup` at the current content of `path` without a moment where either is
    missing: a hard link (or a copy) under a temporary name, then an atomic rename."""
    if not path.exists():
        return
    fd, temp = _open_temp(backup.parent, backup.name)
    os.close(fd)
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


def atomic_write(path: str | Path, write: tp.Callable[[Path], object], *,
                 backup: str | Path | None = None) -> Path:
    """Create or replace `path` atomically and durably with what `write` puts in a file.

    `write(temp)` writes the complete new content to the temporary path it is given (a
    library writer such as ``safetensors.torch.save_file`` fits); the file is then fsynced,
    renamed over `path` and the folder fsynced. Every crash-safe write goes through here.

    Args:
        path: the target file; its folder must exist.
        write: writes the content to the given path.
        backup: if given and `path` exists, its previous content ends up under this name
            (one backup, replaced on every write).

    Returns:
        The path written (the link target when `path` is a symbolic link).

    Raises:
        OSError: when the folder is missing or not writable; the target is then untouched.
            Whatever `write` raises also leaves the target untouched.
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()  # replace the file the link points to, keep the link
    temp = _write_temp(target, write)
    try:
        if backup is not None:
            _keep_backup(target, Path(backup))
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return target


def atomic_write_bytes(path: str | Path, data: bytes, *, backup: str | Path | None = None) -> Path:
    """Write `data` to `path` atomically and durably; see ``atomic_write``."""
    data = bytes(data)
    return atomic_write(path, lambda temp: temp.write_bytes(data), backup=backup)


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


def read_jsonl(path: str | Path) -> list[tuple[int, dict]]:
    """(line number, object) for every non-blank line of a JSON-lines file.

    Raises:
        ValueError: naming the file and line of anything that is not a JSON object.
    """
    import json

    path = Path(path)
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{n}: not valid JSON ({exc}); fix or remove the line") \
                from exc
        if not isinstance(row, dict):
            raise ValueError(f"{path}:{n}: expected a JSON object, got {type(row).__name__}")
        rows.append((n, row))
    return rows


def sha256_file(path: str | os.PathLike, *, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()
