"""Inverse STFT with "same" padding and the Vocos-style spectral output head.

`torch.istft` with `center=True` returns `(frames - 1) * hop` samples and cannot be cut into
pieces cleanly; here `frames` spectral frames always give exactly `frames * hop` samples, with
`(n_fft - hop) / 2` samples trimmed from each end of the overlap-add, so consecutive frame
blocks line up with latent frames.
"""

from __future__ import annotations

import torch
from torch import nn

_ENVELOPE_FLOOR = 1e-11


class SameISTFT(nn.Module):
    """Inverse STFT, Hann window, output length `frames * hop_length`.

    Frames are laid out time-major (`[N, frames, bins]`), the layout a channels-last network
    head produces, so the inverse FFT and the overlap-add run over contiguous memory.

    Args:
        n_fft: FFT size (= window length), a multiple of `hop_length`.
        hop_length: samples per frame.
    """

    def __init__(self, *, n_fft: int, hop_length: int) -> None:
        super().__init__()
        if hop_length <= 0 or n_fft < hop_length or n_fft % hop_length:
            raise ValueError(f"n_fft must be a positive multiple of hop_length; got "
                             f"n_fft={n_fft}, hop_length={hop_length}")
        if (n_fft - hop_length) % 2:
            raise ValueError(f"n_fft - hop_length must be even; got n_fft={n_fft}, "
                             f"hop_length={hop_length}")
        self.n_fft, self.hop_length = n_fft, hop_length
        self.pad = (n_fft - hop_length) // 2
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    @property
    def radius(self) -> int:
        """Frames on either side that a frame's samples depend on."""
        return (self.n_fft // self.hop_length + 1) // 2

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        """`[N, frames, n_fft // 2 + 1]` complex -> `[N, frames * hop_length]` real."""
        frames = spec.shape[1]
        window = self.window.float()  # stays fp32 when the model is cast to half precision
        ifft = torch.fft.irfft(spec, n=self.n_fft, dim=-1) * window  # (N, F, n_fft)
        y = self._overlap_add(ifft)
        env = self._overlap_add(window.square().expand(1, frames, -1))
        return y / env.clamp(min=_ENVELOPE_FLOOR)

    def _overlap_add(self, frames: torch.Tensor) -> torch.Tensor:
        """`[N, F, n_fft]` -> `[N, F * hop]`: sum the hop-sized pieces, trim `pad` each side."""
        n, count, _ = frames.shape
        r, hop = self.n_fft // self.hop_length, self.hop_length
        pieces = frames.reshape(n, count, r, hop)
        out = frames.new_zeros(n, count + r - 1, hop)
        for j in range(r):
            out[:, j: j + count] += pieces[:, :, j]
        return out.reshape(n, -1)[:, self.pad: self.pad + count * hop]


class ISTFTHead(nn.Module):
    """Linear projection to per-channel log-magnitude and phase, then `SameISTFT`.

    Args:
        dim: input channels.
        audio_channels: waveforms produced (2 for stereo), each with its own spectrum.
        n_fft, hop_length: inverse STFT geometry.
        max_magnitude: clamp on exp(log-magnitude), keeps early training finite.
    """

    def __init__(self, *, dim: int, audio_channels: int, n_fft: int, hop_length: int,
                 max_magnitude: float = 1e2) -> None:
        super().__init__()
        self.audio_channels = audio_channels
        self.bins = n_fft // 2 + 1
        self.magnitude = nn.Linear(dim, audio_channels * self.bins)  # log-magnitude
        self.phase = nn.Linear(dim, audio_channels * self.bins)
        self.istft = SameISTFT(n_fft=n_fft, hop_length=hop_length)
        self.max_magnitude = max_magnitude

    @property
    def radius(self) -> int:
        return self.istft.radius

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, dim, F]` -> `[B, audio_channels, F * hop_length]` float32."""
        b, _, frames = x.shape
        x = x.transpose(1, 2)  # (B, F, dim)
        shape = (b, frames, self.audio_channels, self.bins)
        # The spectrum and the inverse FFT run in fp32 whatever the network's precision.
        mag = torch.exp(self.magnitude(x).float().reshape(shape)).clamp(max=self.max_magnitude)
        spec = torch.polar(mag, self.phase(x).float().reshape(shape))  # (B, F, A, bins)
        spec = spec.transpose(1, 2).reshape(b * self.audio_channels, frames, self.bins)
        return self.istft(spec).reshape(b, self.audio_channels, -1)
