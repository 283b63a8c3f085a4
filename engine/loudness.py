"""Loudness (ITU-R BS.1770-4) and a true-peak limiter, in numpy (and torchaudio's IIR filter).

Audio is a float array of shape (frames, channels). `integrated_loudness` implements the
K-weighting filter (high shelf + high pass, derived for any sample rate from the analogue
prototype, which gives the standard's coefficients at 48 kHz), 400 ms blocks with 75 %
overlap, the absolute gate at -70 LKFS and the relative gate at -10 LU. `true_peak` measures
4x oversampled peaks; `limit_true_peak` keeps them under a ceiling with look-ahead gain
smoothing, and `normalize` combines both.

No scipy: importing scipy.signal costs more than a second, which the engine would pay before
its first take. The three pieces it gave are here instead, each checked against scipy in the
tests: `_filter` (an IIR filter, torchaudio's `lfilter` in float64), `_resample_up` (FFT
resampling as `scipy.signal.resample` does it) and `_running_min` (a sliding minimum, as
`scipy.ndimage.minimum_filter1d`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

BLOCK_S = 0.4
STEP_S = 0.1
ABSOLUTE_GATE_LKFS = -70.0
RELATIVE_GATE_LU = -10.0
MAX_GAIN_DB = 40.0  # never lift near-silence by more than this


def _as_frames(audio: np.ndarray) -> np.ndarray:
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"audio must be (frames, channels), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("audio contains NaN or infinite samples")
    return x


def k_weighting(sample_rate: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """(b, a) for the BS.1770 pre-filter (high shelf) and RLB high pass at `sample_rate`."""
    k = math.tan(math.pi * 1681.974450955533 / sample_rate)
    q = 0.7071752369554196
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0,
                       (vh - vb * k / q + k * k) / a0]),
             np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    k = math.tan(math.pi * 38.13547087602444 / sample_rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    highpass = (np.array([1.0, -2.0, 1.0]),
                np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    return shelf, highpass


def _block_powers(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean square of K-weighted audio per gating block: (blocks, channels)."""
    y = x
    for b, a in k_weighting(sample_rate):
        y = _filter(b, a, y)
    block = round(BLOCK_S * sample_rate)
    step = round(STEP_S * sample_rate)
    if len(y) < block:
        return np.zeros((0, x.shape[1]))
    csum = np.concatenate([np.zeros((1, y.shape[1])), np.cumsum(y * y, axis=0)])
    starts = np.arange(0, len(y) - block + 1, step)
    return (csum[starts + block] - csum[starts]) / block


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Gated integrated loudness in LUFS; ``-inf`` for silence or clips under 400 ms.

    Channel weights are 1.0 (left, right, centre); surround weights are not needed here.
    """
    z = _block_powers(_as_frames(audio), sample_rate)  # (J, C)
    if len(z) == 0:
        return -math.inf
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(z.sum(axis=1))
    kept = z[block_lufs > ABSOLUTE_GATE_LKFS]
    if len(kept) == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(kept.mean(axis=0).sum()) + RELATIVE_GATE_LU
    kept = z[(block_lufs > ABSOLUTE_GATE_LKFS) & (block_lufs > relative)]
    return -0.691 + 10 * math.log10(kept.mean(axis=0).sum())


def _oversampled_peaks(x: np.ndarray, factor: int = 4, block: int = (1 << 15) - 2048,
                       context: int = 1024) -> np.ndarray:
    """Per input frame, the largest band-limited (FFT) 4x-oversampled magnitude between it
    and the next frame: (frames,). Works in overlapping blocks so memory stays bounded; the
    signal is taken as silent outside the clip, as a DAC would see it."""
    n = len(x)
    peaks = np.empty(n)
    padded = np.concatenate([np.zeros((context, x.shape[1])), x,
                             np.zeros((context, x.shape[1]))])
    for start in range(0, n, block):
        stop = min(start + block, n)
        seg = padded[start:stop + 2 * context]  # frames start - context .. stop + context
        up = _resample_up(seg, factor)
        up = np.abs(up[context * factor:(context + stop - start) * factor]).max(axis=1)
        peaks[start:stop] = up.reshape(stop - start, factor).max(axis=1)
    return peaks


def true_peak(audio: np.ndarray, sample_rate: int | None = None) -> float:
    """True peak in dBTP (4x oversampled); ``-inf`` for silence. `sample_rate` is unused
    (4x is enough at 48 kHz and above) and kept for symmetry with `integrated_loudness`."""
    x = _as_frames(audio)
    if len(x) == 0:
        return -math.inf
    peak = float(max(_oversampled_peaks(x).max(), np.abs(x).max()))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def limit_true_peak(audio: np.ndarray, sample_rate: int, *, ceiling_dbtp: float = -1.0,
                    lookahead_s: float = 0.005, hold_s: float = 0.05,
                    passes: int = 3) -> np.ndarray:
    """Reduce gain wherever the oversampled peak would exceed `ceiling_dbtp`.

    The needed gain per frame is min-filtered over the look-ahead window plus a hold, then
    averaged over the look-ahead window: the average of values that are each at most the gain
    needed at frame n is itself at most that gain, so the ceiling holds with smooth ramps.
    A changing gain slightly alters the interpolated waveform, so the check is repeated.
    """
    x = _as_frames(audio)
    if len(x) == 0:
        return x
    for _ in range(passes):
        gain = limiter_gain(frame_peaks(x), sample_rate, ceiling_dbtp=ceiling_dbtp,
                            lookahead_s=lookahead_s, hold_s=hold_s)
        if gain is None:
            break
        x = x * gain[:, None]
    return x


def frame_peaks(x: np.ndarray) -> np.ndarray:
    """Per frame, the larger of its sample peak and the oversampled peak after it."""
    return np.maximum(_oversampled_peaks(x), np.abs(x).max(axis=1))


def limiter_gain(peaks: np.ndarray, sample_rate: int, *, ceiling_dbtp: float,
                 lookahead_s: float = 0.005, hold_s: float = 0.05) -> np.ndarray | None:
    """Smoothed per-frame gain that keeps `peaks` under the ceiling; None if none needed."""
    need = np.minimum(1.0, 10 ** (ceiling_dbtp / 20) / np.maximum(peaks, 1e-12))
    if need.min() >= 1.0:
        return None
    look = max(1, round(lookahead_s * sample_rate))
    return _smooth_gain(need, look, max(0, round(hold_s * sample_rate)))


def _smooth_gain(need: np.ndarray, look: int, hold: int) -> np.ndarray:
    held = _running_min(need, before=hold, after=look - 1)  # window [n - hold, n + look - 1]
    held = np.minimum(held, need)
    padded = np.concatenate([np.full(look - 1, held[0]), held])
    gain = np.convolve(padded, np.full(look, 1.0 / look), mode="valid")
    return np.minimum(gain, need)


def _filter(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The IIR filter b/a (a[0] = 1) run along axis 0 of (frames, channels), from rest."""
    import torch
    import torchaudio.functional as F

    wave = torch.from_numpy(np.ascontiguousarray(x.T, dtype=np.float64))
    out = F.lfilter(wave, torch.from_numpy(np.asarray(a, np.float64)),
                    torch.from_numpy(np.asarray(b, np.float64)), clamp=False)
    return out.numpy().T


def _resample_up(x: np.ndarray, factor: int) -> np.ndarray:
    """Band-limited (FFT) resampling of (frames, channels) to `factor` times the frames, as
    `scipy.signal.resample`: the spectrum zero-padded, an even length's Nyquist bin split."""
    n, m = len(x), len(x) * factor
    spectrum = np.fft.rfft(x, axis=0)
    padded = np.zeros((m // 2 + 1, x.shape[1]), dtype=spectrum.dtype)
    padded[: n // 2 + 1] = spectrum
    if n % 2 == 0:
        padded[n // 2] *= 0.5
    return np.fft.irfft(padded, m, axis=0) * factor


def _running_min(x: np.ndarray, *, before: int, after: int) -> np.ndarray:
    """min(x[n - before .. n + after]) per n, the ends extended with the edge values; in
    O(n) whatever the window (prefix and suffix minima of window-sized blocks)."""
    size = before + after + 1
    padded = np.concatenate([np.full(before, x[0]), x, np.full(after, x[-1])])
    blocks = -(-len(padded) // size)
    tail = blocks * size - len(padded)
    grid = np.concatenate([padded, np.full(tail, x[-1])]).reshape(blocks, size)
    prefix = np.minimum.accumulate(grid, axis=1).ravel()
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    starts = np.arange(len(x))
    return np.minimum(suffix[starts], prefix[starts + size - 1])


@dataclass(frozen=True)
class LoudnessReport:
    """What `normalize` measured and did (dB values; ``None`` where not applicable)."""

    input_lufs: float
    output_lufs: float
    gain_db: float
    true_peak_dbtp: float
    limited: bool


def normalize(audio: np.ndarray, sample_rate: int, *, target_lufs: float | None = -14.0,
              ceiling_dbtp: float | None = -1.0, margin_db: float = 0.25,
              iterations: int = 8) -> tuple[np.ndarray, LoudnessReport]:
    """Normalise integrated loudness to `target_lufs` and keep true peaks under `ceiling_dbtp`.

    The limiter takes loudness away, so the gain is searched (secant steps on the monotone
    gain -> loudness curve) until the limited result is within 0.05 LU of the target. `None`
    switches a stage off. `margin_db` keeps the limiter slightly under the ceiling so meters
    with other interpolation filters agree.
    """
    x = _as_frames(audio)
    before = integrated_loudness(x, sample_rate)
    # Oversampled peaks scale with a constant gain: measure once, reuse in the search.
    peaks = frame_peaks(x) if ceiling_dbtp is not None and len(x) else None

    def render(gain_db: float) -> np.ndarray:
        scale = 10 ** (gain_db / 20)
        y = x * scale
        if peaks is not None:
            gain = limiter_gain(peaks * scale, sample_rate, ceiling_dbtp=ceiling_dbtp - margin_db)
            if gain is not None:
                y = y * gain[:, None]
        return y

    gain_db = 0.0
    if target_lufs is not None and math.isfinite(before):
        gain_db = min(target_lufs - before, MAX_GAIN_DB)
    out = render(gain_db)
    after = None
    if target_lufs is not None and math.isfinite(before):
        out, gain_db, after = _search_gain(render, out, gain_db, before, target_lufs,
                                           sample_rate, iterations)
    peak_db = 20 * math.log10(max(peaks.max(), 1e-12)) + gain_db if peaks is not None \
        else None
    limited = peak_db is not None and peak_db > ceiling_dbtp - margin_db
    if limited:  # a varying gain moves intersample peaks a little: verify
        out = limit_true_peak(out, sample_rate, ceiling_dbtp=ceiling_dbtp - margin_db, passes=2)
        peak_db, after = true_peak(out), None
    elif peak_db is None:
        peak_db = true_peak(out)
    if after is None:
        after = integrated_loudness(out, sample_rate)
    return out, LoudnessReport(before, after, gain_db, peak_db, limited)


def _search_gain(render, out: np.ndarray, gain_db: float, before: float, target: float,
                 sample_rate: int, iterations: int) -> tuple[np.ndarray, float, float]:
    """Find the gain whose limited rendering meets the loudness target.

    Loudness grows monotonically (and ever more slowly under limiting) with gain: extrapolate
    until the target is bracketed, then use false-position steps inside the bracket.
    """
    lo: tuple[float, float] | None = None
    hi: tuple[float, float] | None = None
    prev = (0.0, before)
    best = (math.inf, out, gain_db, before)
    for _ in range(iterations):
        current = integrated_loudness(out, sample_rate)
        if abs(current - target) < best[0]:
            best = (abs(current - target), out, gain_db, current)
        if abs(current - target) < 0.05 or (gain_db >= MAX_GAIN_DB and current < target):
            break
        if current < target:
            lo = (gain_db, current)
        else:
            hi = (gain_db, current)
        if lo is not None and hi is not None:
            gain_db = lo[0] + (target - lo[1]) * (hi[0] - lo[0]) / (hi[1] - lo[1])
        else:
            dg = gain_db - prev[0]
            slope = (current - prev[1]) / dg if abs(dg) > 1e-6 else 1.0
            prev = (gain_db, current)
            gain_db += (target - current) / min(max(slope, 0.2), 1.0)
        gain_db = min(gain_db, MAX_GAIN_DB)
        out = render(gain_db)
    else:
        current = integrated_loudness(out, sample_rate)
        if abs(current - target) < best[0]:
            best = (abs(current - target), out, gain_db, current)
    return best[1], best[2], best[3]
