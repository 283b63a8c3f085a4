"""A clip's structure cut to a training crop, in the form `Prior.conditions` reads.

The structure track places everything relative to a take that starts on the downbeat of bar
`start_bar`, with `start_s` the take time of the window's first frame. A crop starts at any
frame, usually inside a bar, so its structure is the clip's seen from the downbeat of the bar
the crop starts in: bar b (0-based) of the clip becomes `start_bar` = clip start bar + b, the
chords start at that bar, notes are shifted by the bar's time and kept when they sound in
the crop, and `start_s` is the crop's offset into that bar. The features are then those of
the whole clip at the crop's start time (a test checks it). Without a tempo there is no bar:
times are shifted by the crop start itself and `start_s` is 0.
"""

from __future__ import annotations

import dataclasses
import math

from ainur_studio.structure import bar_seconds
from ainur_studio.types import NoteEvent, Structure

_EPS = 1e-9


def crop_structure(structure: Structure, start_s: float, end_s: float
                   ) -> tuple[Structure, float]:
    """(the structure of the crop [start_s, end_s) of a clip, the crop's `start_s` in it).

    Args:
        structure: the clip's, times from its start (the downbeat of `start_bar`).
        start_s, end_s: the crop, in clip seconds.
    """
    shift, bar = start_s, 0
    if structure.bpm is not None:
        bar_s = bar_seconds(structure.bpm, structure.metre or "4/4")
        bar = max(0, math.floor(start_s / bar_s + _EPS))
        shift = bar * bar_s
    chords = list(structure.chords)
    if chords:
        k = bar % len(chords)  # a progression shorter than the clip repeats, as in the track
        chords = chords[k:] + chords[:k]
    notes = {role: [_shifted(n, shift) for n in part if n.end_s > start_s and n.start_s < end_s]
             for role, part in structure.notes.items()}
    cropped = dataclasses.replace(structure, start_bar=structure.start_bar + bar,
                                  chords=chords, notes=notes, bars=None,
                                  parts=list(structure.parts))
    return cropped, start_s - shift


def _shifted(note: NoteEvent, shift: float) -> NoteEvent:
    """The note `shift` seconds earlier (a note still sounding from before the structure's
    start keeps its negative start, so it marks no onset in the crop)."""
    return dataclasses.replace(note, start_s=note.start_s - shift, end_s=note.end_s - shift)
