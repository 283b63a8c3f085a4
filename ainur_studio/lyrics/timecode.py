"""LRC time stamps <-> integer milliseconds.

Accepted forms (the content between the brackets, surrounding spaces ignored):

- ``mm:ss``, ``mm:ss.x``, ``mm:ss.xx``, ``mm:ss.xxx`` (more fraction digits are truncated to
  milliseconds); minutes may be 60 or more, so hours-long files work;
- ``mm:ss:xx``: a colon before the fraction, a common quirk (``00:12:34`` is 12.34 s);
- ``h:mm:ss.xx``: hours, recognised only when a ``.`` fraction follows the third group.

Written stamps are ``mm:ss.xx`` (times rounded half up to centiseconds; ``milliseconds=True``
writes ``mm:ss.xxx`` where a time is not a whole centisecond), with minutes beyond 59 kept as
minutes (``[75:03.20]``), the form most players read.
"""

from __future__ import annotations

import re

_MIN_SEC = re.compile(r"(\d+):(\d{1,2})(?:([.:])(\d+))?")
_HOUR_MIN_SEC = re.compile(r"(\d+):(\d{1,2}):(\d{1,2})\.(\d+)")
_TIME_LIKE = re.compile(r"[-+]?\d")
_OFFSET = re.compile(r"[-+]?\d+")
_LENGTH_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def looks_like_time(content: str) -> bool:
    """Whether bracket content is meant as a time stamp (starts with a digit or a sign)."""
    return _TIME_LIKE.match(content.strip()) is not None


def _fraction_ms(digits: str | None) -> int:
    if not digits:
        return 0
    return int((digits + "00")[:3])


def parse_timestamp(content: str) -> int:
    """Parse the inside of a ``[...]`` or ``<...>`` time stamp.

    Args:
        content: text between the brackets, e.g. ``"01:02.50"``.

    Returns:
        The time in integer milliseconds.

    Raises:
        ValueError: with a message saying what is wrong (no valid form, seconds out of range).
    """
    text = content.strip()
    match = _HOUR_MIN_SEC.fullmatch(text)
    if match:
        hours, minutes, seconds, frac = match.groups()
        if int(minutes) >= 60:
            raise ValueError(f"minutes must be below 60 in h:mm:ss.xx, got {minutes}")
        total_min = int(hours) * 60 + int(minutes)
    else:
        match = _MIN_SEC.fullmatch(text)
        if not match:
            raise ValueError(f"{text!r} is not a time stamp; write mm:ss.xx, e.g. 01:23.45")
        minutes, seconds, _sep, frac = match.groups()
        total_min = int(minutes)
    if int(seconds) >= 60:
        raise ValueError(f"seconds must be below 60, got {seconds} in {text!r}")
    return (total_min * 60 + int(seconds)) * 1000 + _fraction_ms(frac)


def format_timestamp(ms: int, *, milliseconds: bool = False) -> str:
    """Milliseconds -> ``mm:ss.xx``, rounded half up to whole centiseconds.

    Rounding is monotonic, so times in order stay in order. With ``milliseconds`` the time is
    exact: ``mm:ss.xxx`` when centiseconds would lose precision, else ``mm:ss.xx``.

    Raises:
        ValueError: for a negative time.
    """
    if ms < 0:
        raise ValueError(f"LRC times cannot be negative, got {ms} ms")
    ms = int(ms)
    if milliseconds and ms % 10:
        minutes, rest = divmod(ms, 60_000)
        return f"{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
    minutes, rest = divmod((ms + 5) // 10, 6_000)  # in centiseconds
    return f"{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def parse_offset(value: str) -> int:
    """Parse an ``[offset:]`` tag value (signed integer milliseconds).

    Raises:
        ValueError: when the value is not a signed integer.
    """
    text = value.strip()
    if not _OFFSET.fullmatch(text):
        raise ValueError(f"offset must be signed whole milliseconds such as +250, got {text!r}")
    return int(text)


def parse_length(value: str) -> int:
    """Parse a ``[length:]`` tag value: ``mm:ss``, ``mm:ss.xx``, ``h:mm:ss.xx`` or seconds.

    Raises:
        ValueError: when the value is none of these.
    """
    text = value.strip()
    if _LENGTH_SECONDS.fullmatch(text):
        return round(float(text) * 1000)
    return parse_timestamp(text)
