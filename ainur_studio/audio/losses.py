"""Spectral reconstruction losses: multi-resolution STFT and multi-resolution log-mel.

Both compare `pred` and `target` waveforms `[..., T]` (any leading axes, e.g. `[B, 2, T]`);
every channel is its own signal. They return scalar means, so they double as distances for
evaluation (the learning check reports the multi-resolution STFT distance).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ainur_studio.audio.features import LOG_EPS, LogMelSpectrogram, StftMagnitude

DEFAULT_STFT_RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))
DEFAULT_MEL_RESOLUTIONS = ((512, 128, 48), (1024, 256, 80), (2048, 512, 128))


def spectral_convergence(pred_mag: torch.Tensor, target_mag: torch.Tensor) -> torch.Tensor:
    """Frobenius norm of the magnitude error over that of the target, per signal, averaged.

    Args:
        pred_mag, target_mag: `[N, F, frames]` magnitudes.
    """
    num = torch.linalg.vector_norm(target_mag - pred_mag, dim=(-2, -1))
    den = torch.linalg.vector_norm(target_mag, dim=(-2, -1)).clamp(min=LOG_EPS)
    return (num / den).mean()


def log_magnitude_distance(pred_mag: torch.Tensor, target_mag: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of log magnitudes (floored at LOG_EPS)."""
    return (torch.log(pred_mag.clamp(min=LOG_EPS))
            - torch.log(target_mag.clamp(min=LOG_EPS))).abs().mean()


def _check_pair(pred: torch.Tensor, target: torch.Tensor) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"prediction {tuple(pred.shape)} and target {tuple(target.shape)} "
                         "must have the same shape")


class MultiResolutionStftLoss(nn.Module):
    """Mean over resolutions of spectral convergence + log-magnitude L1.

    Args:
        resolutions: `(n_fft, hop_length)` pairs.
    """

    def __init__(self, *, resolutions: Sequence[Sequence[int]] = DEFAULT_STFT_RESOLUTIONS
                 ) -> None:
        super().__init__()
        self.stfts = nn.ModuleList(StftMagnitude(n_fft=int(n), hop_length=int(h))
                                   for n, h in resolutions)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Scalar loss for `pred`, `target` `[..., T]`."""
        _check_pair(pred, target)
        pred, target = pred.reshape(-1, pred.shape[-1]), target.reshape(-1, target.shape[-1])
        total = pred.new_zeros(())
        for stft in self.stfts:
            p, t = stft(pred), stft(target)
            total = total + spectral_convergence(p, t) + log_magnitude_distance(p, t)
        return total / len(self.stfts)


class MultiResolutionMelLoss(nn.Module):
    """Mean over resolutions of the L1 distance between log-mel spectrograms.

    Args:
        sample_rate: in Hz.
        resolutions: `(n_fft, hop_length, n_mels)` triples.
    """

    def __init__(self, *, sample_rate: int,
                 resolutions: Sequence[Sequence[int]] = DEFAULT_MEL_RESOLUTIONS) -> None:
        super().__init__()
        self.mels = nn.ModuleList(
            LogMelSpectrogram(sample_rate=sample_rate, n_fft=int(n), hop_length=int(h),
                              n_mels=int(m)) for n, h, m in resolutions)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Scalar loss for `pred`, `target` `[..., T]`."""
        _check_pair(pred, target)
        pred, target = pred.reshape(-1, pred.shape[-1]), target.reshape(-1, target.shape[-1])
        total = pred.new_zeros(())
        for mel in self.mels:
            total = total + (mel(pred) - mel(target)).abs().mean()
        return total / len(self.mels)
