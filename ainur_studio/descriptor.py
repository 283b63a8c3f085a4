"""The text descriptor: one normalised prompt format shared by training and the UI.

Format (every part optional, in this order, joined with ``", "``)::

    Artist, Genre, Genre, Instrument, Mood, G major, 120 BPM, 4/4, free text, 7 of 19

``i of N`` is the 1-based position of a crop in its song (Ainur wrote it 0-based and glued the
parts with random separators and no spaces, e.g. ``Red Hot Chili Peppers,Alternative Rock,6 of
19``; ``parse_descriptor`` reads both forms and ``normalise_descriptor`` rewrites Ainur's into
ours).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from ainur_studio.descriptor_words import GENRE_WORDS, INSTRUMENT_WORDS, MOOD_WORDS
from ainur_studio.types import PromptFields

SEPARATOR = ", "
_ARTIST_SPLIT = re.compile(r" w\. | vs\. | feat\. | featuring | & | ft\. | with |, |; ", re.I)
_CHUNK = re.compile(r"(?:^|(?<=[\s,\-._]))(\d+)\s*of\s*(\d+)\s*$", re.I)
_BPM = re.compile(r"(\d+(?:\.\d+)?)\s*bpm", re.I)
_SIGNATURE = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})")
_KEY = re.compile(r"([A-Ga-g])\s*([#b♯♭]?)\s*(major|minor|maj|min|m|M)?", re.I)
_AINUR_SEPARATORS = " ,-._"

@dataclass
class Descriptor:
    """A parsed descriptor: structured fields, remaining free text, and the crop position."""

    fields: PromptFields = field(default_factory=PromptFields)
    free_text: str = ""
    chunk: tuple[int, int] | None = None  # (i, N), 1-based


def clean(text: str) -> str:
    """NFKC, single spaces, no separators or spaces at the ends."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text).strip(" ,;")


def _dedupe(items: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for item in map(clean, items):
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            out.append(item)
    return out


def normalise_key(key: str) -> str:
    """``"f#m"`` -> ``"F# minor"``, ``"Bbmaj"`` -> ``"Bb major"``, ``"C"`` -> ``"C major"``.

    Raises:
        ValueError: when `key` is not a note name with an optional accidental and mode.
    """
    match = _KEY.fullmatch(key.strip())
    if not match:
        raise ValueError(f"key {key!r} is not understood; write e.g. 'G major' or 'F# minor'")
    note, accidental, mode = match.groups()
    accidental = {"♯": "#", "♭": "b"}.get(accidental, accidental)
    minor = mode is not None and (mode.lower().startswith("min") or mode == "m")
    return f"{note.upper()}{accidental} {'minor' if minor else 'major'}"


def format_bpm(bpm: float) -> str:
    """``120.0`` -> ``"120 BPM"``, ``92.5`` -> ``"92.5 BPM"``; raises ValueError if not > 0."""
    if not (math.isfinite(bpm) and bpm > 0):
        raise ValueError(f"tempo must be a positive number of BPM, got {bpm}")
    return f"{round(bpm, 1):g} BPM"


def normalise_time_signature(text: str) -> str:
    """``" 6 / 8 "`` -> ``"6/8"``; raises ValueError for anything else."""
    match = _SIGNATURE.fullmatch(text.strip())
    if not match or int(match.group(1)) < 1 or int(match.group(2)) not in (1, 2, 4, 8, 16, 32):
        raise ValueError(f"time signature {text!r} is not valid; write e.g. 4/4 or 6/8")
    return f"{int(match.group(1))}/{int(match.group(2))}"


def chunk_position(start_s: float, crop_s: float, total_s: float) -> tuple[int, int]:
    """1-based position ``(i, N)`` of a crop starting at `start_s` in a song of `total_s`."""
    if crop_s <= 0 or total_s <= 0 or start_s < 0:
        raise ValueError(f"need crop_s > 0, total_s > 0 and start_s >= 0, got {crop_s}, "
                         f"{total_s}, {start_s}")
    count = max(1, math.ceil(total_s / crop_s - 1e-9))
    return min(count, math.floor(start_s / crop_s + 1e-9) + 1), count


def format_chunk(index: int, count: int) -> str:
    """``(7, 19)`` -> ``"7 of 19"``; the index is 1-based."""
    if not 1 <= index <= count:
        raise ValueError(f"chunk {index} of {count} is out of range; use 1 <= i <= N")
    return f"{index} of {count}"


def build_prompt(fields: PromptFields, free_text: str = "", *,
                 chunk: tuple[int, int] | None = None) -> str:
    """The normalised descriptor text for `fields` (see the module docstring).

    Raises:
        ValueError: for an unreadable key, time signature, tempo or chunk position.
    """
    parts = _dedupe([fields.artist, *fields.genre, *fields.instruments, *fields.mood])
    if fields.key.strip():
        parts.append(normalise_key(fields.key))
    if fields.bpm is not None:
        parts.append(format_bpm(fields.bpm))
    if fields.time_signature.strip():
        parts.append(normalise_time_signature(fields.time_signature))
    if clean(free_text):
        parts.append(clean(free_text))
    if chunk is not None:
        parts.append(format_chunk(*chunk))
    return SEPARATOR.join(parts)


def describe_fields(fields: PromptFields, free_text: str = "") -> str:
    """Like ``build_prompt`` but never raises: for live previews while the user types, a key,
    tempo or metre that cannot be normalised yet is shown as typed."""
    try:
        return build_prompt(fields, free_text)
    except ValueError:
        bpm = f"{fields.bpm:g} BPM" if fields.bpm is not None else ""
        loose = [fields.key, bpm, fields.time_signature]
        parts = _dedupe([fields.artist, *fields.genre, *fields.instruments, *fields.mood,
                         *loose, free_text])
        return SEPARATOR.join(parts)


def split_artists(tag: str) -> list[str]:
    """Split an artist tag on `` feat. ``, `` & ``, ``, `` and the other joiners Ainur used."""
    return _dedupe(_ARTIST_SPLIT.split(tag))


def split_genres(tag: str) -> list[str]:
    """Split a genre tag on ``,`` and ``;``."""
    return _dedupe(re.split(r"[,;]", tag))


def fields_from_tags(artist: str, genre: str) -> PromptFields:
    """Prompt fields from audio-file tags; several artists are joined with `` & ``."""
    return PromptFields(artist=" & ".join(split_artists(artist)), genre=split_genres(genre))



# --- parsing -------------------------------------------------------------------------------

def _word_ok(word: str, vocabulary: frozenset[str]) -> bool:
    return word in vocabulary or all(part in vocabulary for part in word.split("-") if part)


def is_phrase_of(text: str, vocabulary: frozenset[str]) -> bool:
    """Whether every word of `text` (case-insensitive) is in `vocabulary`."""
    words = re.split(r"[\s_]+", text.casefold().strip())
    return bool(text.strip()) and all(w and _word_ok(w, vocabulary) for w in words)


def _split_chunk(text: str) -> tuple[str, tuple[int, int] | None, str]:
    """(text before, (i, N) as written, separator before it)."""
    match = _CHUNK.search(text)
    if not match:
        return text, None, ""
    before = text[:match.start()]
    separator = before[-2:] if before.endswith(", ") else before[-1:]
    return before[: len(before) - len(separator)], (int(match[1]), int(match[2])), separator


def _is_studio_form(text: str, separator: str) -> bool:
    commas_ok = all(text[i + 1:i + 2] == " " for i, ch in enumerate(text) if ch == ",")
    return commas_ok and separator in ("", ", ")


def _split_ainur(rest: str) -> tuple[str, str] | None:
    """Artist and genre glued by one of Ainur's separators, told apart by the genre words."""
    best: tuple[bool, int, str, str] | None = None
    for pos, char in enumerate(rest):
        left, right = rest[:pos].strip(), rest[pos + 1:].strip()
        if char not in _AINUR_SEPARATORS or not left or not right:
            continue
        for genre, artist in ((right, left), (left, right)):
            if is_phrase_of(genre, GENRE_WORDS) and not is_phrase_of(artist, GENRE_WORDS):
                candidate = (char == ",", len(genre), artist, genre)
                best = candidate if best is None else max(best, candidate)
    if best is not None:
        return best[2], best[3]
    if "," in rest:
        artist, genre = rest.split(",", 1)
        return artist.strip(), genre.strip()
    return None


def _parse_ainur(rest: str, chunk: tuple[int, int] | None) -> Descriptor:
    if chunk is not None:
        index, count = chunk
        if not 0 <= index < count:
            raise ValueError(f"Ainur chunk position {index} of {count} is out of range "
                             "(0-based, so it must be below N)")
        chunk = (index + 1, count)
    pair = _split_ainur(clean(rest))
    if pair is None:
        return Descriptor(free_text=clean(rest), chunk=chunk)
    artist, genre = pair
    return Descriptor(PromptFields(artist=clean(artist), genre=_dedupe([genre])), chunk=chunk)


def _classify(item: str, out: Descriptor, free: list[str], *, first: bool) -> None:
    fields = out.fields
    lowered = item.casefold()
    if _BPM.fullmatch(item):
        fields.bpm = float(_BPM.fullmatch(item)[1])  # type: ignore[index]
    elif _SIGNATURE.fullmatch(item):
        fields.time_signature = normalise_time_signature(item)
    elif (key := _KEY.fullmatch(item)) and key.group(3):  # a bare "A" is no key
        fields.key = normalise_key(item)
    elif is_phrase_of(lowered, GENRE_WORDS):
        fields.genre.append(item)
    elif is_phrase_of(lowered, INSTRUMENT_WORDS):
        fields.instruments.append(item)
    elif is_phrase_of(lowered, MOOD_WORDS):
        fields.mood.append(item)
    elif first:
        fields.artist = item
    else:
        free.append(item)


def _parse_studio(rest: str, chunk: tuple[int, int] | None) -> Descriptor:
    if chunk is not None:
        format_chunk(*chunk)  # validates 1 <= i <= N
    out, free = Descriptor(chunk=chunk), []
    items = [item for item in map(clean, rest.split(",")) if item]
    for position, item in enumerate(items):
        _classify(item, out, free, first=position == 0 and len(items) > 1)
    out.free_text = SEPARATOR.join(free)
    return out


def parse_descriptor(text: str, *, form: str = "auto") -> Descriptor:
    """Read a descriptor in our form or Ainur's.

    Args:
        text: e.g. ``"Red Hot Chili Peppers,Alternative Rock,6 of 19"``.
        form: ``"studio"`` (ours: ``", "`` separators, 1-based chunk), ``"ainur"`` (glued by
            ``" ,-._"``, 0-based chunk) or ``"auto"``: ours when every comma is followed by a
            space and the chunk, if any, follows ``", "`` or stands alone.

    Returns:
        The fields found, the rest as free text, and the 1-based chunk position. Best
        effort: in our form the first of several items that is no genre, instrument, mood,
        key, tempo or metre is the artist; in Ainur's, artist and genre are told apart with a
        vocabulary of genre words.

    Raises:
        ValueError: for an unknown `form` or a chunk position out of range.
    """
    if form not in ("auto", "studio", "ainur"):
        raise ValueError(f"form must be 'auto', 'studio' or 'ainur', got {form!r}")
    rest, chunk, separator = _split_chunk(clean(text))
    if form == "auto":
        form = "studio" if _is_studio_form(rest, separator) or not rest else "ainur"
    return _parse_studio(rest, chunk) if form == "studio" else _parse_ainur(rest, chunk)


def normalise_descriptor(text: str, *, form: str = "auto") -> str:
    """Rewrite a descriptor (ours or Ainur's) in the normalised form."""
    parsed = parse_descriptor(text, form=form)
    return build_prompt(parsed.fields, parsed.free_text, chunk=parsed.chunk)
