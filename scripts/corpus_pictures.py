"""Spectrograms of a genre corpus: one PNG per genre, the mix with its five stems beside it.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/corpus_pictures.py corpus-genres \
        --out docs/corpus

Log-frequency spectrograms (40 Hz - 16 kHz, low at the bottom) of the first clip of every
genre in the manifest, all on one dB scale per clip (so a quiet stem looks quiet), drawn with
numpy and written with PySide6's QImage (no matplotlib). Colours are posterised so that each
PNG stays small.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROLES = ("drums", "bass", "harmony", "melody", "vocals")
WIDTH, STEM_H, GAP, LABEL_W = 340, 40, 4, 40
RANGE_DB = 70.0
LEVELS = 8


def spectrogram_db(audio: np.ndarray, rate: int, width: int, height: int) -> np.ndarray:
    """``[height, width]`` dB magnitudes on log-spaced frequencies, low frequencies last."""
    mono = audio.mean(axis=1)
    n_fft = 2048
    hop = max(1, (len(mono) - n_fft) // width)
    frames = np.arange(width) * hop
    frames = frames[frames + n_fft <= len(mono)]
    window = np.hanning(n_fft)
    spectra = np.abs(np.fft.rfft(np.stack([mono[f:f + n_fft] * window for f in frames]),
                                 axis=1))
    freqs = np.fft.rfftfreq(n_fft, 1 / rate)
    targets = np.geomspace(40.0, 16000.0, height)
    columns = np.stack([np.interp(targets, freqs, s) for s in spectra], axis=1)
    out = np.full((height, width), -200.0)
    out[:, :columns.shape[1]] = 20 * np.log10(columns + 1e-9)
    return out[::-1]


def colours(db: np.ndarray, top: float) -> np.ndarray:
    level = np.clip((db - (top - RANGE_DB)) / RANGE_DB, 0, 1)
    level = np.round(level * LEVELS) / LEVELS
    rgb = np.stack([level ** 0.6, level ** 1.5, 0.35 + 0.4 * level - 0.3 * level ** 2], axis=-1)
    return (np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def clip_picture(corpus: Path, record: dict, path: Path) -> None:
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    mix, rate = sf.read(corpus / record["audio_path"], dtype="float32", always_2d=True)
    mix_h = len(ROLES) * STEM_H + (len(ROLES) - 1) * GAP
    mix_db = spectrogram_db(mix, rate, WIDTH, mix_h)
    top = float(mix_db.max())
    panels = {"mix": colours(mix_db, top)}
    for role in ROLES:
        rel = record["stems"].get(role)
        if rel:
            audio, _ = sf.read(corpus / rel, dtype="float32", always_2d=True)
            panels[role] = colours(spectrogram_db(audio, rate, WIDTH, STEM_H), top)
    image = QImage(LABEL_W + 2 * WIDTH + GAP, mix_h + 18, QImage.Format.Format_RGB888)
    image.fill(QColor(24, 24, 28))
    painter = QPainter(image)
    painter.setPen(QColor(230, 230, 230))
    _draw(painter, panels["mix"], LABEL_W, 18)
    painter.drawText(4, 32, "mix")
    for i, role in enumerate(ROLES):
        y = 18 + i * (STEM_H + GAP)
        if role in panels:
            _draw(painter, panels[role], LABEL_W + WIDTH + GAP, y)
        else:
            painter.drawText(LABEL_W + WIDTH + GAP + 8, y + 24, "(silent)")
        painter.drawText(LABEL_W + 2 * WIDTH + GAP - 70, y + 14, role)
    title = (f"{record['genre']} ({record['sub_style']}), {record['bpm']} BPM, "
             f"{record['key']}, {record['duration_s']:.0f} s")
    painter.drawText(4, 13, title)
    painter.end()
    image.save(str(path))


def _draw(painter, rgb: np.ndarray, x: int, y: int) -> None:
    from PySide6.QtGui import QImage

    data = np.ascontiguousarray(rgb)
    h, w, _ = data.shape
    painter.drawImage(x, y, QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", help="a genre corpus folder (manifest.jsonl)")
    parser.add_argument("--out", default="docs/corpus", help="folder for the PNGs")
    args = parser.parse_args(argv)
    corpus, out = Path(args.corpus), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for line in (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("kind") == "genres" and record["genre"] not in seen:
            seen.add(record["genre"])
            clip_picture(corpus, record, out / f"{record['genre']}.png")
            print(out / f"{record['genre']}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
