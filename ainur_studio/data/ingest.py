"""Scanning a folder of the user's recordings into a training dataset, with a report.

Reads only: the user's files are never modified. Each audio file that libsndfile reads becomes a
`DatasetItem` with its captions (sidecar `NAME.txt` / `NAME.json`, embedded tags) and synced
lyrics (sidecar `NAME.lrc`, or lyrics embedded in tags); everything else is listed in the report
with the reason it was skipped.
"""

from __future__ import annotations

import json
import typing as tp
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import soundfile as sf

from ainur_studio.audio.io import AudioReadError, audio_info
from ainur_studio.data.tags import read_tags
from ainur_studio.lyrics.errors import LrcError
from ainur_studio.lyrics.lrc import parse_lrc, read_lrc
from ainur_studio.types import Lyrics

AUDIO_SUFFIXES = {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff", ".aifc",
                  ".mp3", ".caf", ".w64"}
SILENCE_DBFS = -60.0       # Ainur skips files whose peak is below this
MIN_SECONDS = 2.0
TARGET_RATE = 48_000


@dataclass
class DatasetItem:
    path: str
    duration_s: float
    sample_rate: int
    channels: int
    prompt: str = ""
    fields: dict[str, tp.Any] = field(default_factory=dict)  # artist, genre, title, ...
    lyrics: Lyrics | None = None
    lyrics_source: str = ""          # "sidecar" | "tags" | "manifest" | ""
    lyrics_text: str = ""            # unsynced lyrics (no time stamps), used whole
    conversions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Skipped:
    path: str
    reason: str  # "unreadable" | "too short" | "silent" | "unsupported" | "contains NaN samples"
    #              | "contains infinite samples"
    detail: str


@dataclass
class DatasetReport:
    root: str
    items: list[DatasetItem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(i.duration_s for i in self.items)

    def conversions(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.items:
            for c in item.conversions:
                counts[c] = counts.get(c, 0) + 1
        return counts

    def to_dict(self) -> dict[str, tp.Any]:
        return {"root": self.root, "usable_files": len(self.items),
                "total_seconds": round(self.total_seconds, 3),
                "with_lyrics": sum(i.lyrics is not None for i in self.items),
                "with_prompt": sum(bool(i.prompt) for i in self.items),
                "conversions": self.conversions(),
                "skipped": [asdict(s) for s in self.skipped],
                "items": [_item_dict(i) for i in self.items]}

    def summary(self) -> str:
        lines = [f"{len(self.items)} usable files, {self.total_seconds / 60:.1f} min of audio "
                 f"in {self.root}"]
        for name, n in sorted(self.conversions().items()):
            lines.append(f"  will convert {n} file(s): {name}")
        for s in self.skipped:
            lines.append(f"  skipped {s.path}: {s.reason} ({s.detail})")
        return "\n".join(lines)


MAX_REPORTED_WARNINGS = 20
MAX_WARNING_CHARS = 300


def _item_dict(item: DatasetItem) -> dict[str, tp.Any]:
    """An item for the JSON report: lyrics summarised and warnings capped, so a huge or
    broken lyrics file cannot blow up what is printed."""
    from ainur_studio.lyrics.summary import summarise_lyrics
    from ainur_studio.types import to_jsonable

    data = to_jsonable(replace(item, lyrics=None, warnings=[]))
    data["lyrics"] = None if item.lyrics is None else summarise_lyrics(item.lyrics)
    warnings = [w[:MAX_WARNING_CHARS] for w in item.warnings[:MAX_REPORTED_WARNINGS]]
    extra = len(item.warnings) - MAX_REPORTED_WARNINGS
    data["warnings"] = warnings + ([f"... and {extra} more"] if extra > 0 else [])
    return data


def scan_folder(root: str | Path, *, min_seconds: float = MIN_SECONDS,
                silence_dbfs: float = SILENCE_DBFS) -> DatasetReport:
    """Walk `root` recursively and build the dataset report."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {root} does not exist or is not a folder")
    report = DatasetReport(str(root))
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix.lower() in (".txt", ".json", ".lrc") or path.name.startswith("."):
            continue
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            report.skipped.append(Skipped(_rel(path, root), "unsupported",
                                          f"'{path.suffix or path.name}' is not an audio format "
                                          "this app reads (wav, flac, ogg, aiff, mp3)"))
            continue
        result = inspect_file(path, min_seconds=min_seconds, silence_dbfs=silence_dbfs)
        if isinstance(result, Skipped):
            result.path = _rel(path, root)
            report.skipped.append(result)
        else:
            report.items.append(result)
    return report


def inspect_file(path: Path, *, min_seconds: float = MIN_SECONDS,
                 silence_dbfs: float = SILENCE_DBFS) -> DatasetItem | Skipped:
    try:
        info = audio_info(path)
    except AudioReadError as exc:
        return Skipped(str(path), "unreadable", exc.reason)
    if info.duration_s < min_seconds:
        return Skipped(str(path), "too short",
                       f"{info.duration_s:.3f} s; at least {min_seconds:g} s is needed")
    try:
        scan = _scan_samples(path)
    except (RuntimeError, sf.LibsndfileError, OSError) as exc:
        return Skipped(str(path), "unreadable", f"audio data cannot be decoded: {exc}")
    problem = scan.problem(silence_dbfs)
    if problem is not None:
        return Skipped(str(path), *problem)
    item = DatasetItem(str(path), info.duration_s, info.sample_rate, info.channels,
                       conversions=_conversions(info.sample_rate, info.channels))
    _attach_text(item, path)
    return item


@dataclass
class _SampleScan:
    """What one pass over a file's samples found."""

    samples: int = 0
    nan: int = 0
    inf: int = 0
    peak: float = 0.0  # of the finite samples

    def add(self, chunk: np.ndarray) -> None:
        """Count one block of float samples `(T, C)`."""
        self.samples += chunk.size
        finite = np.isfinite(chunk)
        if not finite.all():
            nan = int(np.isnan(chunk).sum())
            self.nan += nan
            self.inf += int(chunk.size - finite.sum()) - nan
            chunk = chunk[finite]
        if chunk.size:
            self.peak = max(self.peak, float(np.max(np.abs(chunk))))

    def problem(self, silence_dbfs: float) -> tuple[str, str] | None:
        """(reason, detail) when the file cannot train, else None."""
        fix = "re-render or re-export it from its source; the float data is corrupt"
        if self.nan:
            return "contains NaN samples", f"{self._share(self.nan)} are NaN; {fix}"
        if self.inf:
            return "contains infinite samples", f"{self._share(self.inf)} are infinite; {fix}"
        peak_db = 20 * np.log10(max(self.peak, 1e-12))
        if peak_db < silence_dbfs:
            return "silent", f"peak {peak_db:.1f} dBFS < {silence_dbfs:g} dBFS"
        return None

    def _share(self, count: int) -> str:
        return "all samples" if count == self.samples else f"{count} of {self.samples} samples"


def _scan_samples(path: Path, block: int = 262_144) -> _SampleScan:
    scan = _SampleScan()
    with sf.SoundFile(str(path)) as f:
        for chunk in f.blocks(blocksize=block, dtype="float32", always_2d=True):
            scan.add(chunk)
    return scan


def _conversions(rate: int, channels: int) -> list[str]:
    out = []
    if rate != TARGET_RATE:
        out.append(f"resample {rate} Hz -> {TARGET_RATE} Hz")
    if channels == 1:
        out.append("mono -> stereo")
    elif channels > 2:
        out.append(f"{channels} channels -> first two")
    return out


def _attach_text(item: DatasetItem, path: Path) -> None:
    tags = read_tags(path)
    item.fields.update({k: v for k, v in tags.items() if k != "lyrics" and v})
    txt, js, lrc = (path.with_suffix(s) for s in (".txt", ".json", ".lrc"))
    if txt.is_file():
        item.prompt = txt.read_text(encoding="utf-8", errors="replace").strip()
    if js.is_file():
        _merge_json_sidecar(item, js)
    if lrc.is_file():
        try:
            lyrics, problems = read_lrc(lrc)
        except (LrcError, OSError) as exc:
            item.warnings.append(f"{lrc.name}: {exc}")
        else:
            item.lyrics, item.lyrics_source = lyrics, "sidecar"
            item.warnings += [f"{lrc.name}: {p}" for p in problems]
    elif tags.get("lyrics"):
        lyrics, _ = parse_lrc(tags["lyrics"])
        if lyrics.lines:
            item.lyrics, item.lyrics_source = lyrics, "tags"
        else:  # plain lyrics without time stamps
            item.lyrics_text, item.lyrics_source = tags["lyrics"].strip(), "tags"


def _merge_json_sidecar(item: DatasetItem, path: Path) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        item.warnings.append(f"{path.name}: not valid JSON ({exc}); ignored")
        return
    if not isinstance(data, dict):
        item.warnings.append(f"{path.name}: expected a JSON object; ignored")
        return
    if isinstance(data.get("prompt"), str):
        item.prompt = data["prompt"].strip()
    item.fields.update({k: v for k, v in data.items() if k != "prompt"})


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
