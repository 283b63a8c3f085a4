"""FluidSynth rendering: timing, stereo placement, determinism (skipped without FluidSynth)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.data.corpus import deps, render
from ainur_studio.data.corpus.arrange import Arrangement, Track
from ainur_studio.data.corpus.midi import midi_bytes
from ainur_studio.data.corpus.score_data import Note


def _have_fluidsynth() -> bool:
    try:
        deps.find_fluidsynth()
        deps.find_soundfont()
    except deps.MissingDependency:
        return False
    return True


pytestmark = pytest.mark.skipif(not _have_fluidsynth(),
                                reason="fluidsynth / fluid-soundfont-gm not installed")
SYNTH = {"room-size": 0.3, "damp": 0.5, "width": 0.8, "level": 0.5}


def _arrangement(pan: float, program: int = 0) -> Arrangement:
    notes = [Note(2.0 * i, 1.0, 60 + 2 * i, 100) for i in range(4)]
    return Arrangement([Track("piano", notes, program=program, pan=pan, reverb=0)], bpm=120,
                       ensemble="test", synth=SYNTH)


def test_render_is_48k_stereo_and_notes_start_on_time() -> None:
    audio = render.render_midi(midi_bytes(_arrangement(0.0)), SYNTH)
    assert audio.ndim == 2 and audio.shape[1] == 2
    envelope = np.abs(audio).max(axis=1)
    threshold = 0.1 * envelope.max()
    for second in (0.0, 1.0, 2.0, 3.0):  # a note every 2 quarters at 120 BPM
        window = envelope[round(second * 48000): round((second + 0.05) * 48000)]
        assert window.max() > threshold


def test_pan_moves_the_part() -> None:
    # A mono-sampled preset (church organ); stereo-sampled ones (piano) keep some spread.
    left = render.render_midi(midi_bytes(_arrangement(-1.0, program=19)), SYNTH)
    rms = np.sqrt(np.mean(left.astype(np.float64) ** 2, axis=0))
    assert rms[0] > 4 * rms[1]


def test_same_midi_gives_the_same_flac_bytes(tmp_path: Path) -> None:
    arrangement = _arrangement(random.Random(0).uniform(-1, 1))
    a = render.level(render.render_midi(midi_bytes(arrangement), SYNTH))[0]
    b = render.level(render.render_midi(midi_bytes(arrangement), SYNTH))[0]
    render.write_flac(tmp_path / "a.flac", render.cut(a, 0.5, 3.0))
    render.write_flac(tmp_path / "b.flac", render.cut(b, 0.5, 3.0))
    assert (tmp_path / "a.flac").read_bytes() == (tmp_path / "b.flac").read_bytes()
    data, rate = sf.read(tmp_path / "a.flac")
    assert rate == 48000 and data.shape == (120000, 2)


def test_level_targets_rms_under_a_peak_ceiling() -> None:
    audio = render.level(render.render_midi(midi_bytes(_arrangement(0.0)), SYNTH))[0]
    assert np.abs(audio).max() <= 10 ** (render.PEAK_CEILING_DB / 20) + 1e-6
