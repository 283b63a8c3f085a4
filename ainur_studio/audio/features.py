"""Spectral front-ends shared by CLASP and the autoencoder.

Every feature is computed per clip with fixed constants: nothing depends on the other clips in
a batch (the published CLASP divided mels by the batch maximum, so an embedding changed with its
batch neighbours). Functions take waveforms `[..., T]` and return `[..., F, frames]`; the module
wrappers keep their window and filterbank as buffers so they follow `.to(device)`.
"""

from __future__ import annotations

import torch
import torchaudio.functional as AF
from torch import nn

LOG_EPS = 1e-5  # floor before the log: -100 dB re full scale


def stft_magnitude(wav: torch.Tensor, *, n_fft: int, hop_length: int,
                   win_length: int | None = None, window: torch.Tensor | None = None,
                   center: bool = True, power: float = 1.0) -> torch.Tensor:
    """Magnitude (``power`` = 1) or power (2) STFT of a Hann-windowed signal.

    Args:
        wav: `[..., T]` float waveform.
        n_fft, hop_length, win_length: STFT geometry in samples.
        window: `[win_length]`; a periodic Hann window when None.
        center: pad by n_fft // 2 (reflecting; zeros when the clip is too short to reflect)
            so frame k is centred on sample k * hop_length.

    Returns:
        float32 `[..., n_fft // 2 + 1, frames]`, frames = T // hop_length + 1 when centred.
    """
    win_length = win_length or n_fft
    wav = wav.float()  # the FFT needs fp32 even when the caller works in half precision
    window = (torch.hann_window(win_length, device=wav.device) if window is None
              else window.float())
    lead = wav.shape[:-1]
    # Reflection needs more samples than the pad; clips that short are zero-padded instead.
    pad_mode = "reflect" if wav.shape[-1] > n_fft // 2 else "constant"
    spec = torch.stft(wav.reshape(-1, wav.shape[-1]), n_fft=n_fft, hop_length=hop_length,
                      win_length=win_length, window=window, center=center,
                      pad_mode=pad_mode, return_complex=True)
    mag = spec.abs()
    if power != 1.0:
        mag = mag.pow(power)
    return mag.reshape(*lead, *mag.shape[-2:])


def mel_filterbank(*, sample_rate: int, n_fft: int, n_mels: int, f_min: float = 0.0,
                   f_max: float | None = None, mel_scale: str = "htk",
                   norm: str | None = None) -> torch.Tensor:
    """Triangular mel filters `[n_mels, n_fft // 2 + 1]` (torchaudio's construction)."""
    fb = AF.melscale_fbanks(n_fft // 2 + 1, f_min=f_min, f_max=f_max or sample_rate / 2,
                            n_mels=n_mels, sample_rate=sample_rate, norm=norm,
                            mel_scale=mel_scale)
    return fb.T.contiguous()


def log_mel_spectrogram(wav: torch.Tensor, *, sample_rate: int, n_fft: int, hop_length: int,
                        n_mels: int, f_min: float = 0.0, f_max: float | None = None,
                        center: bool = True) -> torch.Tensor:
    """Natural-log mel magnitude spectrogram `[..., n_mels, frames]` of `wav [..., T]`."""
    return LogMelSpectrogram(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length,
                             n_mels=n_mels, f_min=f_min, f_max=f_max, center=center
                             ).to(wav.device, wav.dtype)(wav)


class StftMagnitude(nn.Module):
    """Module form of `stft_magnitude` with the window as a buffer."""

    def __init__(self, *, n_fft: int, hop_length: int, win_length: int | None = None,
                 center: bool = True, power: float = 1.0) -> None:
        super().__init__()
        self.n_fft, self.hop_length, self.center, self.power = n_fft, hop_length, center, power
        self.register_buffer("window", torch.hann_window(win_length or n_fft), persistent=False)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """`[..., T]` -> `[..., n_fft // 2 + 1, frames]`."""
        return stft_magnitude(wav, n_fft=self.n_fft, hop_length=self.hop_length,
                              win_length=self.window.shape[0], window=self.window,
                              center=self.center, power=self.power)


class LogMelSpectrogram(nn.Module):
    """Per-clip log-mel magnitude spectrogram: `log(max(mel, LOG_EPS))`.

    Magnitude (not power) mels, natural log, HTK filters without area normalisation by
    default; no normalisation by any statistic of the input, so a clip's features never
    depend on its batch.
    """

    def __init__(self, *, sample_rate: int, n_fft: int, hop_length: int, n_mels: int,
                 f_min: float = 0.0, f_max: float | None = None, center: bool = True,
                 mel_scale: str = "htk", norm: str | None = None) -> None:
        super().__init__()
        self.stft = StftMagnitude(n_fft=n_fft, hop_length=hop_length, center=center)
        fb = mel_filterbank(sample_rate=sample_rate, n_fft=n_fft, n_mels=n_mels, f_min=f_min,
                            f_max=f_max, mel_scale=mel_scale, norm=norm)
        self.register_buffer("filterbank", fb, persistent=False)
        self.n_mels = n_mels
        self.hop_length = hop_length

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """`[..., T]` -> `[..., n_mels, frames]`."""
        mel = torch.matmul(self.filterbank.float(), self.stft(wav))
        return torch.log(torch.clamp(mel, min=LOG_EPS))
