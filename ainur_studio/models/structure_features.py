"""Per-frame features of a take's structure (`ainur_studio.types.Structure`), one function per
group; the structure track (`structure_track.py`) stacks and projects them.

Times: frame f of a window covers take time `[start_s + f / fr, start_s + (f + 1) / fr)`; the
take starts on the downbeat of bar `start_bar`. An event (a beat, a note start) marks the frame
that contains it. Phases are taken at each frame's start. BPM counts quarter notes (DAW
convention); a beat is one unit of the metre (an eighth in 6/8).

Groups (each ends with a flag that is 1 when the group is known, so an all-zero group is the
null):
- grid [9]: beat, bar and 4-bar phrase phase as sin/cos (6), beat pulse, downbeat pulse,
  has-grid.
- chords [25]: 12-d chroma of the bar's chord, 12-d one-hot bass pitch class (the root or the
  slash bass), has-chords. One chord per bar from the take's start; a shorter progression
  repeats. Needs a tempo (bars have no length without one).
- notes [15] per role: the 12 pitch classes sounding, onset pulse (velocity / 127 at the frame
  of a note start), pitch height (mean sounding MIDI pitch / 127), has-notes.
- parts [S + 1]: 1 per role asked for, has-parts.
"""

from __future__ import annotations

import math
import typing as tp

import torch

from ainur_studio.structure import bar_seconds, chord_tones, parse_metre
from ainur_studio.types import NoteEvent, Structure

GRID_FEATURES = 9
CHORD_FEATURES = 25
NOTE_FEATURES = 15
PHRASE_BARS = 4
_EPS = 1e-6  # events on a frame boundary belong to the later frame


def frame_times(n_frames: int, frame_rate: float, start_s: float) -> torch.Tensor:
    """[L] float64 take times of the frames' starts."""
    return start_s + torch.arange(n_frames, dtype=torch.float64) / frame_rate


def event_frames(times: torch.Tensor, n_frames: int, frame_rate: float, start_s: float
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """(frame index of each event time, which events fall inside the window)."""
    frames = torch.floor((times - start_s) * frame_rate + _EPS).long()
    return frames, (frames >= 0) & (frames < n_frames)


def _phase_pair(phase: torch.Tensor) -> list[torch.Tensor]:
    angle = 2 * math.pi * phase
    return [torch.sin(angle), torch.cos(angle)]


def grid_features(structure: Structure, n_frames: int, frame_rate: float, start_s: float
                  ) -> torch.Tensor:
    """[9, L] beat / bar / phrase phases and pulses; zeros without a tempo."""
    out = torch.zeros(GRID_FEATURES, n_frames, dtype=torch.float64)
    if structure.bpm is None:
        return out
    beats = parse_metre(structure.metre or "4/4")[0]
    bar_s = bar_seconds(structure.bpm, structure.metre or "4/4")
    beat_s = bar_s / beats
    t = frame_times(n_frames, frame_rate, start_s)
    bars = t / bar_s
    phrase = (bars + (structure.start_bar - 1)) / PHRASE_BARS
    for i, phase in enumerate((t / beat_s, bars, phrase)):
        out[2 * i: 2 * i + 2] = torch.stack(_phase_pair(torch.frac(phase)))
    end_s = start_s + n_frames / frame_rate
    k = torch.arange(math.ceil(start_s / beat_s - _EPS), math.floor(end_s / beat_s) + 1)
    frames, inside = event_frames(k.double() * beat_s, n_frames, frame_rate, start_s)
    out[6, frames[inside]] = 1.0
    down = inside & (k % beats == 0)
    out[7, frames[down]] = 1.0
    out[8] = 1.0
    return out


def chord_features(structure: Structure, n_frames: int, frame_rate: float, start_s: float
                   ) -> torch.Tensor:
    """[25, L] chroma and bass of each frame's bar chord; zeros without chords or tempo."""
    out = torch.zeros(CHORD_FEATURES, n_frames, dtype=torch.float64)
    if not structure.chords or structure.bpm is None:
        return out
    table = torch.zeros(len(structure.chords), 24, dtype=torch.float64)
    for i, symbol in enumerate(structure.chords):
        tones = chord_tones(symbol)
        if tones:
            table[i, list(tones)] = 1.0
            table[i, 12 + tones[0]] = 1.0
    bar_s = bar_seconds(structure.bpm, structure.metre or "4/4")
    # the frame holding a bar line has the new bar's chord (as it holds its downbeat pulse)
    t_end = frame_times(n_frames, frame_rate, start_s) + 1.0 / frame_rate
    bar = torch.floor(t_end / bar_s - _EPS).long().clamp(min=0)
    out[:24] = table[bar % len(structure.chords)].t()
    out[24] = 1.0
    return out


def note_features(notes: tp.Sequence[NoteEvent], n_frames: int, frame_rate: float,
                  start_s: float) -> torch.Tensor:
    """[15, L] one part's sounding pitch classes, onsets and pitch height (has-notes = 1)."""
    out = torch.zeros(NOTE_FEATURES, n_frames, dtype=torch.float64)
    pitch_sum = torch.zeros(n_frames, dtype=torch.float64)
    count = torch.zeros(n_frames, dtype=torch.float64)
    for note in notes:
        f0 = math.floor((note.start_s - start_s) * frame_rate + _EPS)
        f1 = max(f0 + 1, math.ceil((note.end_s - start_s) * frame_rate - _EPS))
        a, b = max(f0, 0), min(f1, n_frames)
        if a < b:
            out[note.pitch % 12, a:b] = 1.0
            pitch_sum[a:b] += note.pitch
            count[a:b] += 1
        if 0 <= f0 < n_frames:
            out[12, f0] = max(float(out[12, f0]), note.velocity / 127.0)
    out[13] = torch.where(count > 0, pitch_sum / count.clamp(min=1) / 127.0, 0.0)
    out[14] = 1.0
    return out


def parts_features(present: tp.Sequence[bool], n_frames: int) -> torch.Tensor:
    """[S + 1, L]: the parts mask and has-parts = 1, constant over the frames."""
    row = torch.tensor([float(p) for p in present] + [1.0], dtype=torch.float64)
    return row[:, None].expand(-1, n_frames).clone()
