"""LRC import and export for the lyric document, through `ainur_studio.lyrics.lrc`."""

from __future__ import annotations

from pathlib import Path

from ainur_studio.types import Lyrics
from ui.models.lyric_document import LyricDocument


class LyricFileError(ValueError):
    """An LRC file could not be read; the message names the file and the cause."""


def parse_lrc_text(text: str | bytes) -> tuple[Lyrics, list[str]]:
    """(lyrics, problems) from LRC text; lenient, so a few bad lines do not lose the rest."""
    from ainur_studio.lyrics.lrc import parse_lrc

    lyrics, problems = parse_lrc(text, strict=False)
    return lyrics, [str(p) for p in problems]


def import_lrc(document: LyricDocument, path: str | Path) -> list[str]:
    """Replace the document's lyrics with the file's (one undo step); returns the problems
    found while reading. Raises LyricFileError when nothing usable could be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LyricFileError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    lyrics, problems = parse_lrc_text(data)
    if not lyrics.lines and data.strip():
        detail = "; ".join(problems[:3]) or "no timed lines"
        raise LyricFileError(f"{path.name} has no synced lyric lines ({detail})")
    document.set_lyrics(lyrics, f"Import {path.name}")
    return problems


def export_lrc_text(document: LyricDocument, *, words: bool = True) -> str:
    from ainur_studio.lyrics.lrc import format_lrc

    return format_lrc(document.lyrics, words=words)


def export_lrc(document: LyricDocument, path: str | Path, *, words: bool = True) -> Path:
    """Write the lyrics as LRC (word-level `<mm:ss.xx>` stamps when `words`); atomic."""
    path = Path(path)
    text = export_lrc_text(document, words=words)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
