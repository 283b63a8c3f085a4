"""In-process FluidSynth (``genres.synth``): one pass renders every MIDI channel alone.

Skipped without libfluidsynth, a General MIDI SoundFont or mido.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("mido")

RATE = 48_000
FRAMES = RATE * 2


def _font():
    from ainur_studio.data.corpus.deps import MissingDependency
    from ainur_studio.data.corpus.genres.fluid_lib import library
    from ainur_studio.data.corpus.genres.soundfonts import installed_soundfonts

    try:
        library()
    except MissingDependency as exc:
        pytest.skip(str(exc))
    fonts = installed_soundfonts()
    if not fonts:
        pytest.skip("needs a GM SoundFont (apt-get install timgm6mb-soundfont)")
    return min(fonts, key=lambda f: f.path.stat().st_size)   # the quickest to load


def _midi(parts: dict[int, int | None]) -> bytes:
    """One second of notes per channel: channel -> GM program (None: no program change)."""
    import mido

    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    for channel, program in parts.items():
        track = mido.MidiTrack()
        if program is not None:
            track.append(mido.Message("program_change", channel=channel, program=program))
        for i, note in enumerate((60, 64, 67, 72)):
            track.append(mido.Message("note_on", channel=channel, note=note, velocity=100,
                                      time=0 if i == 0 else 20))
            track.append(mido.Message("note_off", channel=channel, note=note, time=220))
        midi.tracks.append(track)
    out = io.BytesIO()
    midi.save(file=out)
    return out.getvalue()


def _residual_db(audio: np.ndarray, reference: np.ndarray) -> float:
    residual = (audio - reference).astype(np.float64)
    return float(10 * np.log10(np.sum(residual ** 2) / np.sum(reference.astype(np.float64) ** 2)
                               + 1e-30))


def test_one_pass_gives_each_channel_as_if_rendered_alone() -> None:
    """Each output holds its channel only. Not bit for bit: FluidSynth reuses voice objects
    across channels and a reused voice starts with a trace of its last note (about -40 dB)."""
    from ainur_studio.data.corpus.genres.synth import render_channels

    font = _font()
    parts = {0: 33, 3: 81, 9: 0}          # bass, a lead, the drum channel (standard kit)
    together = render_channels(_midi(parts), font.path, FRAMES, parts)
    assert set(together) == set(parts)
    for channel, program in parts.items():
        alone = render_channels(_midi({channel: program}), font.path, FRAMES, [channel])
        assert together[channel].shape == (FRAMES, 2)
        assert np.max(np.abs(together[channel])) > 0.01, channel
        assert _residual_db(together[channel], alone[channel]) < -30, channel
    assert _residual_db(together[0], together[3]) > -3


def test_render_midi_is_repeatable_and_starts_unset_channels_on_the_gm_defaults() -> None:
    from ainur_studio.data.corpus.genres.synth import render_channels, render_midi

    font = _font()
    data = _midi({0: None, 9: None})   # no program change: a GM synth plays piano and kit
    first = render_midi(data, font.path, FRAMES)
    np.testing.assert_array_equal(first, render_midi(data, font.path, FRAMES))
    unset = render_channels(data, font.path, FRAMES, [0, 9])   # no preset chosen at all
    assert np.max(np.abs(first)) > 0.01 and not np.any(unset[0]) and not np.any(unset[9])
    piano = render_channels(_midi({0: 0, 9: 0}), font.path, FRAMES, [0, 9])
    np.testing.assert_array_equal(first, piano[0] + piano[9])


def test_a_missing_soundfont_is_a_render_error(tmp_path) -> None:
    from ainur_studio.data.corpus.genres.synth import render_channels
    from ainur_studio.data.corpus.render import RenderError

    _font()
    with pytest.raises(RenderError, match="could not load the SoundFont"):
        render_channels(_midi({0: 0}), tmp_path / "absent.sf2", FRAMES, [0])
