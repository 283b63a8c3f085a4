"""A quick look at a folder of recordings before fine-tuning: how many songs, how long,
which have synced lyrics, and what will be skipped. Runs as a generator worker."""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".aiff", ".aif")


@dataclass
class DatasetReport:
    folder: str
    files: int = 0
    seconds: float = 0.0
    with_lyrics: int = 0
    with_text: int = 0
    sample_rates: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        minutes = self.seconds / 60
        rates = ", ".join(f"{r / 1000:g} kHz × {n}" for r, n in sorted(self.sample_rates.items()))
        out = [f"{self.files} recordings, {minutes:.1f} minutes",
               f"{self.with_lyrics} with synced lyrics (.lrc), {self.with_text} with a "
               f"description (.txt)"]
        if rates:
            out.append(f"sample rates: {rates}")
        if self.files and self.seconds / max(self.files, 1) < 10:
            out.append("most recordings are shorter than 10 s: longer ones teach more")
        return out + self.problems[:8]


def scan_folder(folder: str | Path) -> tp.Generator[int, None, DatasetReport]:
    """Yields the number of files looked at so far; returns the report."""
    import soundfile as sf

    root = Path(folder)
    report = DatasetReport(str(root))
    if not root.is_dir():
        report.problems.append(f"{root} is not a folder")
        return report
    for i, path in enumerate(sorted(p for p in root.rglob("*")
                                    if p.suffix.lower() in AUDIO_SUFFIXES)):
        try:
            info = sf.info(str(path))
        except (RuntimeError, OSError) as exc:
            report.problems.append(f"skipped {path.name}: {exc}")
            continue
        report.files += 1
        report.seconds += info.duration
        report.sample_rates[info.samplerate] = report.sample_rates.get(info.samplerate, 0) + 1
        report.with_lyrics += path.with_suffix(".lrc").exists()
        report.with_text += path.with_suffix(".txt").exists()
        yield i + 1
    if report.files == 0 and not report.problems:
        report.problems.append("no audio files found (wav, flac, mp3, ogg, aiff)")
    return report
