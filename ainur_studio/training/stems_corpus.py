"""A genre corpus (docs/corpus.md) as training data for a prior that makes stems.

The corpus is a folder with `manifest.jsonl` (or that file itself) whose records carry
`stems` (role -> stem file, null for a silent role), `midi` (role -> MIDI file),
`labels_path`, `lrc_path` and `split`. Each clip becomes a `StemClip`: its stem files, its
labels as a `Structure` (bpm, metre, a chord per bar, each part's notes from `<role>.mid`,
start bar 1, the parts present), its captions in every phrasing and its synced lyrics. The mix
file is never read. A clip with a problem (a non-silent role whose stem file is missing,
unreadable labels, a bad chord symbol) is reported with the reason and skipped.
"""

from __future__ import annotations

import json
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from ainur_studio.data.ingest import DatasetReport, Skipped
from ainur_studio.fileio import read_jsonl
from ainur_studio.lyrics.errors import LrcError
from ainur_studio.lyrics.lrc import read_lrc
from ainur_studio.structure import STEM_ROLES, StructureError, chord_tones, parse_metre
from ainur_studio.types import Lyrics, NoteEvent, Structure

MANIFEST = "manifest.jsonl"
HELD_OUT = ("test", "val", "valid", "validation")


class ClipProblem(ValueError):
    """Why one clip cannot be used: `reason` (short) and the message (what and how to fix)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass
class StemClip:
    """One clip of the corpus, ready to encode.

    Attributes:
        clip_id: the manifest's id; folder: the clip's folder.
        stems: role -> stem audio file; None = the role is silent in this clip.
        structure: bpm, metre, chords per bar and notes per role, times from the clip's
            start (the downbeat of bar 1); `parts` = the roles present.
        captions: the clip's caption phrasings (at least one).
        lyrics: synced lyrics or None.
        split: "train" or a held-out split.
    """

    clip_id: str
    folder: Path
    stems: dict[str, Path | None]
    structure: Structure
    captions: list[str]
    lyrics: Lyrics | None = None
    split: str = "train"

    @property
    def held_out(self) -> bool:
        return self.split.lower() in HELD_OUT


@dataclass
class StemCorpus:
    """The clips of a corpus: (train, held out) and the report of what was skipped."""

    report: DatasetReport
    train: list[StemClip] = field(default_factory=list)
    held_out: list[StemClip] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{len(self.train)} clips of stems ({len(self.held_out)} held out) from "
                 f"{self.report.root}"]
        lines += [f"  skipped {s.path}: {s.reason} ({s.detail})" for s in self.report.skipped]
        return "\n".join(lines)


def manifest_of(data: Path) -> Path | None:
    """The manifest of a corpus folder or a manifest path, or None."""
    path = data / MANIFEST if data.is_dir() else data
    return path if path.is_file() and path.suffix == ".jsonl" else None


def is_stem_corpus(data: str | Path) -> bool:
    """True when `data` is a genre corpus (its manifest's first record has `stems`)."""
    path = manifest_of(Path(data).expanduser())
    if path is None:
        return False
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    row = json.loads(line)
                except ValueError:
                    return False
                return isinstance(row, dict) and isinstance(row.get("stems"), dict)
    return False


def load_stem_corpus(data: str | Path) -> StemCorpus:
    """Read every clip of the corpus at `data` (folder or manifest); see the module docstring.

    Raises:
        FileNotFoundError: no manifest there.
        ValueError: a manifest line that is not a JSON object.
    """
    path = manifest_of(Path(data).expanduser())
    if path is None:
        raise FileNotFoundError(f"{data} holds no {MANIFEST}: give a genre corpus folder "
                                "(ainur-studio corpus build --kind genres) or its manifest")
    corpus = StemCorpus(DatasetReport(str(path.parent)))
    for n, row in read_jsonl(path):
        name = str(row.get("clip_id") or f"line {n}")
        try:
            clip = read_clip(path.parent, row)
        except ClipProblem as exc:
            corpus.report.skipped.append(Skipped(f"{name} (line {n})", exc.reason, str(exc)))
            continue
        (corpus.held_out if clip.held_out else corpus.train).append(clip)
    return corpus


def read_clip(root: Path, row: dict[str, tp.Any]) -> StemClip:
    """One manifest record -> `StemClip`, or `ClipProblem`."""
    stems = _stem_files(root, row)
    labels = _labels(root, row)
    present = [r for r in STEM_ROLES if stems.get(r) is not None]
    structure = clip_structure(labels, _notes(root, row), parts=present)
    folder = next((p.parent for p in stems.values() if p is not None), root)
    return StemClip(clip_id=str(row.get("clip_id", folder.name)), folder=folder, stems=stems,
                    structure=structure, captions=_captions(labels, row),
                    lyrics=_lyrics(root, row.get("lrc_path")),
                    split=str(row.get("split", "train")))


def _stem_files(root: Path, row: dict[str, tp.Any]) -> dict[str, Path | None]:
    listed = row.get("stems")
    if not isinstance(listed, dict):
        raise ClipProblem("not a stems record", "the record has no \"stems\" object; this "
                          "manifest is not a genre corpus's")
    stems: dict[str, Path | None] = {}
    for role in STEM_ROLES:
        rel = listed.get(role)
        if rel is None:
            stems[role] = None
            continue
        file = root / str(rel)
        if not file.is_file():
            raise ClipProblem("missing stem", f"{role} stem {rel} is listed but missing; "
                              "rebuild the clip (the corpus build resumes) or remove its line "
                              "from the manifest")
        stems[role] = file
    if not any(stems.values()):
        raise ClipProblem("no stems", "every role is silent; remove the clip")
    return stems


def _labels(root: Path, row: dict[str, tp.Any]) -> dict[str, tp.Any]:
    rel = row.get("labels_path")
    if not rel:
        return row
    try:
        labels = json.loads((root / str(rel)).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ClipProblem("bad labels", f"{rel}: {exc}; rebuild the clip") from exc
    if not isinstance(labels, dict):
        raise ClipProblem("bad labels", f"{rel} is not a JSON object; rebuild the clip")
    return labels


def clip_structure(labels: dict[str, tp.Any], notes: dict[str, list[NoteEvent]], *,
                   parts: tp.Sequence[str]) -> Structure:
    """A clip's `Structure` from its labels (bpm, metre, chords) and per-role notes."""
    bpm, metre = labels.get("bpm"), str(labels.get("metre") or labels.get("time_signature")
                                        or "4/4")
    if isinstance(bpm, bool) or not isinstance(bpm, (int, float)) or not bpm > 0:
        raise ClipProblem("bad labels", f"bpm {bpm!r} is not a positive number")
    chords = labels.get("chords") or []
    try:
        parse_metre(metre)
        for symbol in chords:
            chord_tones(str(symbol))
    except StructureError as exc:
        raise ClipProblem("bad labels", str(exc)) from exc
    return Structure(parts=list(parts), bpm=float(bpm), metre=metre, start_bar=1,
                     chords=[str(c) for c in chords], notes=notes)


def _notes(root: Path, row: dict[str, tp.Any]) -> dict[str, list[NoteEvent]]:
    """role -> notes of its MIDI file; a role without a file or notes has no entry."""
    from ainur_studio.midi_io import MidiReadError, read_notes

    out = {}
    for role, rel in (row.get("midi") or {}).items():
        if role not in STEM_ROLES or not rel or not (root / str(rel)).is_file():
            continue
        try:
            out[role] = read_notes(root / str(rel))
        except MidiReadError:
            continue
    return out


def _captions(labels: dict[str, tp.Any], row: dict[str, tp.Any]) -> list[str]:
    found = [c.strip() for c in labels.get("captions") or row.get("captions") or []
             if isinstance(c, str) and c.strip()]
    caption = labels.get("caption") or row.get("caption")
    if isinstance(caption, str) and caption.strip() and caption.strip() not in found:
        found.insert(0, caption.strip())
    if not found:
        raise ClipProblem("no caption", "the clip has no caption; rebuild it")
    return found


def _lyrics(root: Path, rel: tp.Any) -> Lyrics | None:
    if not isinstance(rel, str) or not rel:
        return None
    try:
        lyrics, _problems = read_lrc(root / rel)
    except (LrcError, OSError):
        return None
    return lyrics if lyrics.lines else None
