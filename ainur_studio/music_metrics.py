"""Music-likeness measures of generated and rendered audio, for the starter report and any
evaluation: tonality, onsets, pitch changes, spectral distances.

Tonality: a 12-bin chroma (STFT magnitudes folded onto pitch classes, 55 Hz - 5 kHz) is
correlated with the 24 rotated Krumhansl-Kessler key profiles; the best correlation is ~0.8-0.9
for tonal music and ~0 for noise. Onset rate: peaks of the half-wave-rectified spectral flux
(log-magnitude, 1024-sample hop) above a moving median, per second. Sustained instruments
(organ, strings, choir) change notes without a rise in level, so pitch-change sharpness looks
at how suddenly the chroma moves instead. Retrieval, C3 and FAD live in `metrics`.
"""

from __future__ import annotations

import typing as tp

import numpy as np
import torch

SR = 48_000
MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def mrstft_mean(preds: list[torch.Tensor], targets: list[torch.Tensor]) -> float:
    """Mean multi-resolution STFT distance (spectral convergence + log-magnitude L1)."""
    from ainur_studio.audio.losses import MultiResolutionStftLoss

    loss = MultiResolutionStftLoss(resolutions=[[512, 128], [1024, 256], [2048, 512]])
    with torch.inference_mode():
        values = [float(loss(p[None], t[None, :, : p.shape[-1]])) for p, t in zip(preds, targets)]
    return float(np.mean(values))


def split_fad(clasp: tp.Any, clips: list[torch.Tensor]) -> float:
    """FAD between the two halves of a real set: the floor a perfect model would reach."""
    from ainur_studio.metrics import fad

    half = len(clips) // 2
    return fad(clasp, clips[:half], clips[half:])


def mono_mag(wav: torch.Tensor, n_fft: int = 8192, hop: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude STFT [F, T] of the mid channel and the bin frequencies."""
    mono = wav.float().mean(0)
    spec = torch.stft(mono, n_fft, hop, window=torch.hann_window(n_fft), return_complex=True)
    return spec.abs().numpy(), np.fft.rfftfreq(n_fft, 1 / SR)


def pitch_class_energy(mag: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """Fold STFT power between 55 Hz and 5 kHz onto the 12 pitch classes (C = 0): [12, T]."""
    keep = (freqs >= 55) & (freqs <= 5000)
    pitch = np.round(12 * np.log2(freqs[keep] / 440.0) + 69).astype(int) % 12
    fold = np.zeros((12, int(keep.sum())))
    fold[pitch, np.arange(fold.shape[1])] = 1.0
    return fold @ (mag[keep] ** 2)


def chroma(wav: torch.Tensor) -> np.ndarray:
    """Time-averaged 12-bin chroma (C = 0), from STFT bins between 55 Hz and 5 kHz."""
    out = pitch_class_energy(*mono_mag(wav)).mean(axis=1)
    return out / max(out.sum(), 1e-12)


def key_strength(wav: torch.Tensor) -> tuple[float, str]:
    """Best correlation with the 24 Krumhansl-Kessler key profiles, and that key."""
    c = chroma(wav)
    names = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    best = (-1.0, "")
    for tonic in range(12):
        for profile, mode in ((MAJOR, "major"), (MINOR, "minor")):
            r = float(np.corrcoef(c, np.roll(profile, tonic))[0, 1])
            best = max(best, (r, f"{names[tonic]} {mode}"))
    return best


def spectral_flux(wav: torch.Tensor, hop: int = 1024) -> np.ndarray:
    """Positive log-magnitude flux per STFT hop of the mono mix."""
    mono = wav.float().mean(0)
    spec = torch.stft(mono, 2048, hop, window=torch.hann_window(2048), return_complex=True)
    logmag = torch.log1p(100 * spec.abs()).numpy()
    return np.maximum(np.diff(logmag, axis=1), 0).mean(axis=0)


def onset_rate(wav: torch.Tensor) -> float:
    """Onsets per second: spectral-flux peaks above a moving median (+ a margin)."""
    flux = spectral_flux(wav)
    if flux.size < 3:
        return 0.0
    pad = np.pad(flux, 8, mode="edge")
    median = np.array([np.median(pad[i:i + 17]) for i in range(flux.size)])
    thresh = median + 0.5 * flux.std()
    peaks = [i for i in range(1, flux.size - 1)
             if flux[i] > thresh[i] and flux[i] >= flux[i - 1] and flux[i] >= flux[i + 1]]
    return len(peaks) / (wav.shape[-1] / SR)


def top_to_median(values: np.ndarray, floor: float = 1e-9) -> float:
    """The mean of the top 5 % of `values` over their median (at least `floor`)."""
    top = np.sort(values)[-max(values.size // 20, 1):]
    return float(top.mean() / max(float(np.median(values)), floor))


def onset_contrast(wav: torch.Tensor) -> float:
    """How sharp the onsets are: the mean of the top 5 % spectral-flux values over the median
    flux. Struck notes (piano, harp) score high, sustained textures and noise near 1-2."""
    flux = spectral_flux(wav)
    return top_to_median(flux) if flux.size >= 20 else 0.0


def pitch_change_contrast(wav: torch.Tensor, lag: int = 2) -> float:
    """How sharp the note changes are, whether or not the level moves: the chroma (4096-point
    STFT, 2048 hop) is compared with itself `lag` frames (85 ms) later, and the mean of the top
    5 % of the cosine distances is divided by their median (at least 0.01). Rendered organ
    and string parts score ~4-10 (held pitches, then a jump), a held chord or noise ~1-2."""
    power = pitch_class_energy(*mono_mag(wav, 4096, 2048))
    frames = power / (np.linalg.norm(power, axis=0, keepdims=True) + 1e-12)
    if frames.shape[1] < 20 + lag:
        return 0.0
    change = 1.0 - (frames[:, lag:] * frames[:, :-lag]).sum(axis=0)
    return top_to_median(change, floor=0.01)  # a median below 1 %: no change


def clip_figures(wav: torch.Tensor) -> dict[str, float]:
    """Key strength, onset and pitch-change figures and RMS level of one clip."""
    return {"key_strength": key_strength(wav)[0], "onsets_per_s": onset_rate(wav),
            "onset_contrast": onset_contrast(wav),
            "pitch_change_contrast": pitch_change_contrast(wav),
            "rms_dbfs": float(20 * np.log10(float(wav.pow(2).mean().sqrt()) + 1e-9))}


def summarise(figures: list[dict[str, float]]) -> dict[str, float]:
    """Figures of a set of clips from `clip_figures` of each: means, the lowest key strength,
    and the median pitch-change sharpness (a few clips of held chords score very high)."""
    column = {k: [f[k] for f in figures] for k in figures[0]}
    return {"key_strength": float(np.mean(column["key_strength"])),
            "key_strength_min": float(np.min(column["key_strength"])),
            "onsets_per_s": float(np.mean(column["onsets_per_s"])),
            "onset_contrast": float(np.mean(column["onset_contrast"])),
            "pitch_change_contrast_median": float(np.median(column["pitch_change_contrast"])),
            "rms_dbfs": float(np.mean(column["rms_dbfs"]))}


def describe(clips: list[torch.Tensor]) -> dict[str, float]:
    """`summarise` of the `clip_figures` of every clip."""
    return summarise([clip_figures(w) for w in clips])
