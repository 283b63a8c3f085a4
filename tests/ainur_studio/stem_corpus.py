"""A tiny genre corpus written directly (no FluidSynth): clips of generated stems in the
corpus layout (`genres/<genre>/<clip_id>/`, `manifest.jsonl`, `labels.json`, `<role>.mid`),
for the stems-training tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from ainur_studio.midi_io import write_notes
from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import NoteEvent

RATE = 48_000
BPM = 120.0                      # a bar of 4/4 lasts 2 s
CHORDS = ["Am", "F", "C", "G"]
PITCH = {"drums": 36, "bass": 45, "harmony": 57, "melody": 69, "vocals": 72}


def _notes(role: str, seconds: float, i: int) -> list[NoteEvent]:
    step = 0.5 if role == "drums" else 1.0
    return [NoteEvent(PITCH[role] + (k + i) % 3, k * step, k * step + 0.4, 100)
            for k in range(int(seconds / step))]


def _audio(notes: list[NoteEvent], samples: int, role: str) -> np.ndarray:
    out = np.zeros(samples, dtype=np.float64)
    t = np.arange(int(0.4 * RATE)) / RATE
    for n in notes:
        f = 440.0 * 2 ** ((n.pitch - 69) / 12)
        tone = (np.random.default_rng(n.pitch).standard_normal(len(t)) if role == "drums"
                else np.sin(2 * np.pi * f * t)) * np.exp(-6 * t) * 0.2
        a = int(n.start_s * RATE)
        out[a:a + len(tone)] += tone[: samples - a]
    return np.stack([out, 0.9 * out], 1).astype(np.float32)


def make_stem_corpus(root: Path, *, clips: int = 3, seconds: float = 6.0,
                     silent: tuple[str, ...] = ("vocals",), held_out: int | None = None,
                     mix: bool = False) -> Path:
    """`clips` clips of `seconds` at 120 BPM; the `silent` roles have no stem file (null in
    the manifest, as the corpus writes them); clip `held_out` is in the "test" split; with
    `mix`, each clip also has `mix.wav` (the sum of its stems) as `audio_path`."""
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    samples = int(seconds * RATE)
    for i in range(clips):
        cid = f"house-{i:05d}"
        rel = Path("genres") / "house" / cid
        folder = root / rel
        folder.mkdir(parents=True, exist_ok=True)
        stems, midi, total = {}, {}, np.zeros((samples, 2), np.float32)
        for role in STEM_ROLES:
            notes = [] if role in silent else _notes(role, seconds, i)
            if notes:
                audio = _audio(notes, samples, role)
                sf.write(folder / f"{role}.wav", audio, RATE)
                total += audio
                write_notes(folder / f"{role}.mid", notes, bpm=BPM, drums=role == "drums")
                stems[role] = (rel / f"{role}.wav").as_posix()
            else:
                stems[role] = None
            midi[role] = (rel / f"{role}.mid").as_posix()
        captions = [f"house clip {i}, 120 BPM, A minor", f"a deep house groove number {i}"]
        labels = {"bpm": int(BPM), "metre": "4/4", "chords": CHORDS * 4, "key": "A minor",
                  "caption": captions[0], "captions": captions}
        (folder / "labels.json").write_text(json.dumps(labels))
        row = {"clip_id": cid, "genre": "house", "stems": stems, "midi": midi,
               "labels_path": (rel / "labels.json").as_posix(), "caption": captions[0],
               "split": "test" if i == held_out else "train", "lrc_path": None,
               "audio_path": None}
        if i == 0:
            (folder / "lyrics.lrc").write_text("[00:01.00]hello there\n[00:03.00]second line\n")
            row["lrc_path"] = (rel / "lyrics.lrc").as_posix()
        if mix:
            sf.write(folder / "mix.wav", total, RATE)
            row["audio_path"] = (rel / "mix.wav").as_posix()
        rows.append(row)
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root
