"""The music-likeness measures of the starter report (`ainur_studio.music_metrics`) tell
apart what they claim to, on synthetic signals with a known answer."""

from __future__ import annotations

import math

import torch

from ainur_studio import music_metrics as measures

SR = 48_000


def organ(midi_notes: list[int], note_s: float, *, decay_s: float = 0.0) -> torch.Tensor:
    """Stereo organ-like tones (5 harmonics, continuous phase, constant level) one after
    another over a faint noise floor; with `decay_s`, each note is struck instead and decays."""
    n = round(note_s * SR)
    f0 = torch.cat([torch.full((n,), 440.0 * 2 ** ((m - 69) / 12)) for m in midi_notes])
    phase = 2 * math.pi * torch.cumsum(f0, 0) / SR
    tone = sum(torch.sin(k * phase) / k for k in range(1, 6))
    if decay_s:
        tone = tone * torch.exp(-(torch.arange(f0.numel()) % n) / (decay_s * SR))
    floor = 1e-3 * torch.randn(f0.numel(), generator=torch.Generator().manual_seed(2))
    mono = 0.1 * tone + floor
    return torch.stack([mono, mono])


def test_pitch_change_sharpness_sees_legato_note_changes_that_onsets_miss():
    progression = organ([60, 67, 64, 69, 65, 62, 67, 60] * 2, 0.6)  # level never moves
    held = organ([60] * 16, 0.6)  # one long note
    noise = 0.1 * torch.randn(2, held.shape[-1], generator=torch.Generator().manual_seed(0))
    changing = measures.pitch_change_contrast(progression)
    assert changing > 3 * measures.pitch_change_contrast(held)
    assert changing > 3 * measures.pitch_change_contrast(noise)
    assert changing > 4


def test_onset_sharpness_sees_struck_notes_and_not_a_held_tone():
    struck = organ([60] * 16, 0.6, decay_s=0.15)  # same pitch, struck again every note
    held = organ([60] * 16, 0.6)
    assert measures.onset_contrast(struck) > 2.5 * measures.onset_contrast(held)
    assert measures.pitch_change_contrast(struck) < measures.pitch_change_contrast(
        organ([60, 67, 64, 69] * 4, 0.6))


def test_key_strength_names_the_key_of_a_scale_and_rejects_noise():
    c_major = organ([60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60, 67], 0.5)
    strength, key = measures.key_strength(c_major)
    assert key == "C major" and strength > 0.6
    noise = 0.1 * torch.randn(2, c_major.shape[-1], generator=torch.Generator().manual_seed(1))
    assert measures.key_strength(noise)[0] < strength - 0.2


def test_describe_reports_every_figure_for_a_set_of_clips():
    figures = measures.describe([organ([60, 64, 67] * 4, 0.5), organ([62] * 12, 0.5)])
    assert set(figures) >= {"key_strength", "key_strength_min", "onsets_per_s",
                            "onset_contrast", "pitch_change_contrast_median", "rms_dbfs"}
    assert all(math.isfinite(v) for v in figures.values())
