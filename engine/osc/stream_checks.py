"""What the stream receiver accepts: stream ids (and the group and role of one file of a take)
that are safe file names on every system, and `/ainur/stream/begin` headers that describe a
sane stream. Each check returns the reason a sender sees in `/ainur/stream/error`, or None."""

from __future__ import annotations

import re
import typing as tp

from engine.osc import addresses as A

_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]{1,80}")
# Device names Windows reserves in every folder, with any extension and in any case.
WINDOWS_DEVICE_NAMES = frozenset({"CON", "PRN", "AUX", "NUL",
                                  *(f"COM{i}" for i in range(1, 10)),
                                  *(f"LPT{i}" for i in range(1, 10))})


def id_problem(sid: tp.Any) -> str | None:
    """Why `sid` cannot name the received take's file (`<sid>.wav`), or None."""
    if not isinstance(sid, str) or not _SAFE_ID.fullmatch(sid):
        return "stream id must be 1-80 letters, digits, '.', '_' or '-'"
    if sid.startswith("."):
        return (f"stream id {sid!r} starts with '.': the take would be a hidden file; "
                "start it with a letter or a digit")
    device = sid.split(".", 1)[0].upper()
    if device in WINDOWS_DEVICE_NAMES:
        return (f"stream id {sid!r} is a reserved device name on Windows ({device}, with any "
                "extension); choose another name")
    return None


def begin_problem(rate: int, ch: int, frames: int, chunk_frames: int, chunks: int, fmt: str,
                  sha: str) -> str | None:
    """Why a stream header is not sane (sizes, format, digest), or None."""
    if fmt != A.SAMPLE_FORMAT:
        return f"unsupported sample format {fmt!r}; only {A.SAMPLE_FORMAT!r}"
    if not (1 <= rate <= 768_000 and 1 <= ch <= 64 and frames > 0 and chunk_frames > 0):
        return "sample rate, channels, frames and chunk frames must be positive and sane"
    if chunks != -(-frames // chunk_frames):
        return "total_chunks does not match total_frames / chunk_frames"
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sha):
        return "sha256 must be 64 hex digits"
    return None


def part_problem(extra: list[tp.Any]) -> str | None:
    """Why the arguments after a `begin`'s first eight (none, or group, role, index, count)
    do not place one file of a take, or None."""
    if not extra:
        return None
    if len(extra) != 4:
        return ("a begin for one file of a take ends with group, role, index and count "
                f"(4 arguments after the digest), got {len(extra)}")
    group, role, index, count = extra
    for what, value in (("group", group), ("role", role)):
        problem = id_problem(value)
        if problem:
            return f"{what}: {problem.replace('stream id', what)}"
    if isinstance(index, bool) or isinstance(count, bool) or not isinstance(index, int) \
            or not isinstance(count, int) or not 0 <= index < count <= A.MAX_PARTS:
        return (f"index and count must be whole numbers with 0 <= index < count <= "
                f"{A.MAX_PARTS}, got {index!r} and {count!r}")
    return None
