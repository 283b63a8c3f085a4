"""Recordings of one General MIDI instrument, rendered for fine-tuning experiments.

The adaptation check needs recordings of an instrument the starter corpus never had: seeded
melodies in the instrument's idiom (a raga over a drone for sitar, calypso phrases over
arpeggios for steel drums ...) rendered with FluidSynth, one caption for all of them, written
as a training folder (``NAME.wav`` + ``NAME.txt``) that `ainur-studio train --data` reads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from ainur_studio.types import NoteEvent


@dataclass(frozen=True)
class Instrument:
    name: str
    program: int                 # GM program, 0-based
    caption: str
    scale: tuple[int, ...]       # pitch classes above the tonic
    low: int                     # melody range (MIDI)
    high: int
    bpm: tuple[int, int]
    drone: bool                  # a sustained tonic and fifth under the line, else arpeggios


# None of these programs is in `ainur_studio.data.corpus.instruments.PROGRAMS`.
INSTRUMENTS = {
    "sitar": Instrument("sitar", 104, "indian raga, sitar, drone, meditative",
                        (0, 1, 4, 5, 7, 8, 11), 55, 79, (60, 80), True),
    "steel drums": Instrument("steel drums", 114, "caribbean steel drums, calypso, bright, "
                              "sunny", (0, 2, 4, 7, 9), 60, 84, (100, 120), False),
    "kalimba": Instrument("kalimba", 108, "kalimba, thumb piano, gentle, african, lullaby",
                          (0, 2, 4, 7, 9), 60, 84, (70, 90), False),
}


def melody(inst: Instrument, *, seed: int, seconds: float) -> tuple[list[NoteEvent], float]:
    """A seeded line (mostly steps, phrases of two bars with rests) with its accompaniment,
    and the tempo it was written at."""
    rng = random.Random(f"{inst.name}-{seed}")
    bpm = rng.randint(*inst.bpm)
    beat = 60.0 / bpm
    tonic = rng.choice(range(0, 12))
    pitches = [p for p in range(inst.low, inst.high + 1) if (p - tonic) % 12 in inst.scale]
    notes: list[NoteEvent] = []
    t, i = 0.0, len(pitches) // 2
    while t < seconds - 1.0:
        phrase_end = t + 8 * beat
        while t < min(phrase_end - beat, seconds - 1.0):
            length = beat * rng.choice((0.5, 0.5, 1.0, 1.0, 1.5, 2.0))
            i = max(0, min(len(pitches) - 1, i + rng.choice((-2, -1, -1, 1, 1, 2, 0, 3, -3))))
            notes.append(NoteEvent(pitches[i], t, t + length * 0.95, rng.randint(70, 110)))
            t += length
        t = phrase_end
    root = inst.low - 12 + (tonic - inst.low) % 12
    notes += accompaniment(inst, root, beat, seconds, rng)
    return sorted(notes, key=lambda n: (n.start_s, n.pitch)), bpm


def accompaniment(inst: Instrument, root: int, beat: float, seconds: float,
                  rng: random.Random) -> list[NoteEvent]:
    out, t = [], 0.0
    while t < seconds - 1.0:
        if inst.drone:  # re-struck every bar: tonic and fifth, low
            out += [NoteEvent(root, t, t + 4 * beat, 60), NoteEvent(root + 7, t, t + 4 * beat, 55)]
            t += 4 * beat
        else:           # broken chords on the I and IV
            chord = (0, 4, 7) if rng.random() < 0.6 else (5, 9, 12)
            for k, step in enumerate((0, 1, 2, 1)):
                start = t + k * beat
                out.append(NoteEvent(root + chord[step], start, start + beat * 0.9, 62))
            t += 4 * beat
    return out


def render_clip(inst: Instrument, *, seed: int, seconds: float, soundfont: Path):
    """[2, T] float32 tensor at 48 kHz (FluidSynth, dry, no effects)."""
    import torch

    from ainur_studio.data.corpus.genres.synth import render_midi
    from ainur_studio.midi_io import midi_bytes

    notes, bpm = melody(inst, seed=seed, seconds=seconds)
    frames = round(seconds * 48_000)
    audio = render_midi(midi_bytes(notes, bpm=bpm, program=inst.program, name=inst.name),
                        soundfont, frames)
    wav = torch.from_numpy(audio.T.copy())
    peak = float(wav.abs().max())
    return wav * (0.7 / peak) if peak > 0 else wav


def write_recordings(inst: Instrument, folder: Path, *, count: int, seconds: float,
                     soundfont: Path, first_seed: int = 0) -> list[Path]:
    """`count` recordings of `inst` in `folder` as WAV + caption sidecars; returns the WAVs."""
    from ainur_studio.audio.io import audio_write

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(first_seed, first_seed + count):
        stem = folder / f"{inst.name.replace(' ', '_')}-{seed:02d}"
        wav = render_clip(inst, seed=seed, seconds=seconds, soundfont=soundfont)
        paths.append(audio_write(stem.with_suffix(".wav"), wav, 48_000))
        stem.with_suffix(".txt").write_text(inst.caption + "\n", encoding="utf-8")
    return paths
