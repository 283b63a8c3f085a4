"""Embedded metadata (artist, title, genre, album, lyrics) through mutagen, which reads ID3,
Vorbis comments, FLAC, MP4 and RIFF INFO tags alike."""

from __future__ import annotations

from pathlib import Path

_KEYS = {
    "artist": ("artist", "TPE1", "\xa9ART", "IART"),
    "title": ("title", "TIT2", "\xa9nam", "INAM"),
    "genre": ("genre", "TCON", "\xa9gen", "IGNR"),
    "album": ("album", "TALB", "\xa9alb", "IPRD"),
    "lyrics": ("lyrics", "unsyncedlyrics", "USLT", "\xa9lyr"),
}


def read_tags(path: str | Path) -> dict[str, str]:
    """The tags we use as captions; {} when the file has none or mutagen cannot parse it."""
    try:
        import mutagen
    except ImportError:  # optional at run time: captions then come from sidecars only
        return {}
    try:
        f = mutagen.File(str(path))
    except Exception:  # mutagen raises many types for damaged files
        return {}
    if f is None or not f.tags:
        return {}
    out = {}
    for name, keys in _KEYS.items():
        value = _first(f.tags, keys)
        if value:
            out[name] = value
    return out


def _first(tags: object, keys: tuple[str, ...]) -> str:
    for key in keys:
        try:
            hits = [v for k, v in tags.items()  # type: ignore[attr-defined]
                    if k.lower() == key.lower() or k.split(":")[0] == key]
        except AttributeError:
            return ""
        for value in hits:
            text = _text(value)
            if text:
                return text
    return ""


def _text(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    text = getattr(value, "text", value)
    if isinstance(text, list):
        text = "; ".join(str(t) for t in text)
    return str(text).strip()
