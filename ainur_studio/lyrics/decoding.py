"""Bytes -> text for lyrics files: UTF-8 (with or without BOM), UTF-16/32 with a BOM, BOM-less
UTF-16 recognised by its zero bytes, and Windows-1252 as a reported last resort."""

from __future__ import annotations

import codecs

from ainur_studio.lyrics.errors import LrcError, LrcProblem

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LEGACY = "cp1252"


def _location(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a byte offset, counting columns in bytes."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _decode_error(data: bytes, encoding: str, exc: UnicodeDecodeError, skip: int) -> LrcError:
    line, column = _location(data, exc.start + skip)
    return LrcError(
        f"not valid {encoding} text (byte 0x{data[exc.start + skip]:02x}); "
        "save the file as UTF-8",
        line=line,
        column=column,
    )


def _with_bom(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if not data.startswith(bom):
            continue
        body = data[len(bom):]
        try:
            return body.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding.startswith("utf-32"):
                continue  # FF FE 00 00 may also be a UTF-16 BOM followed by U+0000
            raise _decode_error(data, encoding, exc, len(bom)) from exc
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of mostly ASCII has a zero in every other byte."""
    if len(data) % 2:
        return None
    even_zeros = data[0::2].count(0)
    odd_zeros = data[1::2].count(0)
    half = len(data) // 2
    for zeros, encoding in ((odd_zeros, "utf-16-le"), (even_zeros, "utf-16-be")):
        if zeros >= 0.4 * half and zeros > 2 * min(even_zeros, odd_zeros):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _check_text(text: str) -> None:
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise LrcError("binary data (a NUL character); this is not a lyrics text file",
                       line=line, column=column)


def decode_lrc_bytes(data: bytes, *, strict: bool = False) -> tuple[str, list[LrcProblem]]:
    """Decode the bytes of a lyrics file.

    Args:
        data: the raw file content.
        strict: refuse anything but Unicode text instead of falling back to Windows-1252.

    Returns:
        The text (without BOM) and the problems met, e.g. a legacy-encoding fallback.

    Raises:
        LrcError: for binary data or undecodable text, naming the line and column.
    """
    text = _with_bom(data)
    if text is None and b"\x00" in data:
        text = _utf16_without_bom(data)
    problems: list[LrcProblem] = []
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if strict or b"\x00" in data:
                raise _decode_error(data, "UTF-8", exc, 0) from exc
            try:
                text = data.decode(_LEGACY)
            except UnicodeDecodeError as legacy_exc:
                raise _decode_error(data, "UTF-8", exc, 0) from legacy_exc
            line, column = _location(data, exc.start)
            problems.append(LrcProblem(line, column, "not valid UTF-8; read as Windows-1252, "
                                       "check accented letters and save the file as UTF-8"))
    _check_text(text)
    return text, problems
