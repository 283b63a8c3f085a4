"""A bounded description of synced lyrics for reports (dataset scans, CLI JSON): counts and the
first few lines, never the whole document, whatever the size of the file it came from."""

from __future__ import annotations

import typing as tp

from ainur_studio.types import Lyrics

PREVIEW_LINES = 3
PREVIEW_CHARS = 80
PREVIEW_TAGS = 8


def _clip(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + "…"


def summarise_lyrics(lyrics: Lyrics) -> dict[str, tp.Any]:
    """Counts, time span, the first tags and the first line texts (each clipped)."""
    starts = [line.start_ms for line in lyrics.lines]
    return {
        "lines": len(lyrics.lines),
        "words": sum(len(line.words) for line in lyrics.lines),
        "first_ms": min(starts, default=None),
        "last_ms": max(starts, default=None),
        "tags": {_clip(k): _clip(v) for k, v in list(lyrics.tags.items())[:PREVIEW_TAGS]},
        "first_lines": [_clip(line.text) for line in lyrics.lines[:PREVIEW_LINES]],
    }
