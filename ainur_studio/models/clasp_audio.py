"""CLASP audio tower: a per-clip log-mel front-end and a patch transformer over the whole clip.

Unlike the published CLASP (which centre-crops ~0.85 s of each clip and scales the mel by the
max of the whole batch), every frame of every clip is seen, the log-mel uses fixed statistics,
and padding never changes a clip's embedding: each clip's frames are padded to whole patches
with the log-mel of silence, padded tokens are masked out of attention and of the mean pool.
"""

from __future__ import annotations

import math
import typing as tp

import torch
import torch.nn.functional as F
from torch import nn

SILENCE_PEAK = 1e-5  # -100 dBFS: quieter clips count as silent


class AudioInputError(ValueError):
    """A clip given to CLASP cannot be embedded (shape, length, silence, non-finite values)."""


def _as_stereo(clip: tp.Any, index: int) -> torch.Tensor:
    if not isinstance(clip, torch.Tensor):
        raise AudioInputError(f"clip #{index} is a {type(clip).__name__}, expected a torch.Tensor "
                              "[2, T]")
    wav = clip.detach().float()
    if wav.ndim == 1:
        wav = wav.unsqueeze(0)
    if wav.ndim != 2 or wav.shape[0] not in (1, 2):
        hint = "; it looks like [T, C]: transpose it" if wav.ndim == 2 and wav.shape[1] <= 2 else ""
        raise AudioInputError(f"clip #{index} has shape {tuple(clip.shape)}, expected [2, T] "
                              f"(or mono [1, T] / [T]){hint}")
    if not torch.isfinite(wav).all():
        raise AudioInputError(f"clip #{index} contains NaN or infinite samples")
    return wav.expand(2, -1) if wav.shape[0] == 1 else wav


def prepare_clip(clip: tp.Any, index: int, *, sample_rate: int, target_rate: int,
                 min_samples: int, allow_silent: bool = False) -> torch.Tensor:
    """Validate one clip and bring it to stereo float32 [2, T] at `target_rate`.

    Mono is duplicated; another `sample_rate` is resampled. Clips shorter than `min_samples`
    (after resampling) and, unless `allow_silent`, silent clips raise `AudioInputError`.
    """
    wav = _as_stereo(clip, index)
    if sample_rate != target_rate:
        import torchaudio.functional as AF

        wav = AF.resample(wav, sample_rate, target_rate)
    if wav.shape[-1] < min_samples:
        raise AudioInputError(
            f"clip #{index} is {wav.shape[-1] / target_rate:.3f} s long; CLASP needs at least "
            f"{min_samples / target_rate:.3f} s: pad or drop it")
    if not allow_silent and wav.abs().max() < SILENCE_PEAK:
        raise AudioInputError(f"clip #{index} is silent (peak below -100 dBFS); its embedding "
                              "would be meaningless: drop it or pass allow_silent=True")
    return wav


def pad_batch(clips: tp.Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad clips [2, T_i] into wav [B, 2, T_max] with valid lengths [B] (long)."""
    lengths = torch.tensor([w.shape[-1] for w in clips])
    batch = clips[0].new_zeros(len(clips), 2, int(lengths.max()))
    for i, w in enumerate(clips):
        batch[i, :, : w.shape[-1]] = w
    return batch, lengths


def make_buffers_constant(module: nn.Module) -> None:
    """Drop a module's buffers (STFT window, mel filters) from its state dict: they are rebuilt
    from the config, and as strided views they cannot be saved to safetensors anyway."""
    for sub in module.modules():
        for name, buf in list(sub.named_buffers(recurse=False)):
            sub.register_buffer(name, buf, persistent=False)


class LogMel(nn.Module):
    """Per-clip log-mel with fixed statistics: [B, C, T] -> [B, C, n_mels, frames].

    The shared front-end (`ainur_studio.audio.features.LogMelSpectrogram`: magnitude mels,
    natural log, floored at `LOG_EPS`) with `center=False`, so frame f covers samples
    [f*hop, f*hop + n_fft) and a clip's frames never see its padding; then a fixed affine
    normalisation `(x - offset) / scale`.
    """

    def __init__(self, *, sample_rate: int = 48_000, n_fft: int = 2048, hop_length: int = 480,
                 n_mels: int = 64, f_min: float = 20.0, f_max: float | None = None,
                 offset: float = -4.0, scale: float = 4.0) -> None:
        super().__init__()
        from ainur_studio.audio.features import LogMelSpectrogram

        self.n_fft, self.hop_length, self.n_mels = n_fft, hop_length, n_mels
        self.offset, self.scale = offset, scale
        self.mel = LogMelSpectrogram(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length,
                                     n_mels=n_mels, f_min=f_min, f_max=f_max, center=False)

    @property
    def silence_value(self) -> float:
        """The normalised log-mel value of digital silence (used as frame padding)."""
        from ainur_studio.audio.features import LOG_EPS

        return (math.log(LOG_EPS) - self.offset) / self.scale

    def num_frames(self, lengths: torch.Tensor) -> torch.Tensor:
        """Valid frames for clips of `lengths` samples: [B] long (at least 1)."""
        return (1 + (lengths - self.n_fft).clamp(min=0) // self.hop_length).long()

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        if wav.shape[-1] < self.n_fft:
            wav = F.pad(wav, (0, self.n_fft - wav.shape[-1]))
        with torch.autocast(wav.device.type, enabled=False):  # spectra stay fp32 under AMP
            return (self.mel(wav.float()) - self.offset) / self.scale


def sinusoidal_positions(n: int, dim: int, *, device: torch.device | None = None) -> torch.Tensor:
    """Fixed sin/cos position table [n, dim] (any length, no maximum)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, device=device) / max(half, 1))
    angles = torch.arange(n, device=device).float()[:, None] * freqs[None]
    table = torch.cat([angles.sin(), angles.cos()], dim=-1)
    return F.pad(table, (0, dim - table.shape[-1]))


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over dim 1 of [B, N, D] counting only positions where mask [B, N] is True."""
    weights = mask.to(x.dtype).unsqueeze(-1)
    return (x * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class AudioTower(nn.Module):
    """Patch transformer over the whole log-mel of each clip, mean-pooled to [B, width].

    Args:
        sample_rate: rate the tower expects (inputs are resampled to it by `prepare_clip`).
        n_fft, hop_length, n_mels: log-mel front-end.
        patch_frames: mel frames per token (tokens span all mel bins of both channels).
        width, depth, heads: transformer size.
        dropout: dropout inside the transformer (training only).
        min_seconds: shortest clip accepted.
    """

    def __init__(self, *, sample_rate: int = 48_000, n_fft: int = 2048, hop_length: int = 480,
                 n_mels: int = 64, patch_frames: int = 4, width: int = 256, depth: int = 4,
                 heads: int = 4, dropout: float = 0.0, min_seconds: float = 0.5) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.patch_frames = patch_frames
        self.width = width
        self.min_samples = max(n_fft, int(round(min_seconds * sample_rate)))
        self.frontend = LogMel(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length,
                               n_mels=n_mels)
        self.patch = nn.Conv1d(2 * n_mels, width, kernel_size=patch_frames, stride=patch_frames)
        layer = nn.TransformerEncoderLayer(width, heads, dim_feedforward=4 * width,
                                           dropout=dropout, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)

    def tokens(self, wav: torch.Tensor,
               lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Patch tokens of a padded batch.

        Args:
            wav: [B, 2, T] right-padded audio at `sample_rate`.
            lengths: [B] valid samples per clip.

        Returns:
            tokens: [B, N, width]; mask: [B, N] bool (True = real token).
        """
        mel = self.frontend(wav)  # (B, 2, M, F)
        b, c, m, f = mel.shape
        frames = self.frontend.num_frames(lengths.to(mel.device))
        n_tok = (frames + self.patch_frames - 1) // self.patch_frames
        width = int(n_tok.max()) * self.patch_frames
        mel = F.pad(mel, (0, max(width - f, 0)))[..., :width]
        keep = torch.arange(width, device=mel.device)[None] < frames[:, None]  # (B, F')
        mel = mel.masked_fill(~keep[:, None, None], self.frontend.silence_value)
        x = self.patch(mel.reshape(b, c * m, width)).transpose(1, 2)  # (B, N, width)
        mask = torch.arange(x.shape[1], device=x.device)[None] < n_tok[:, None]
        return x + sinusoidal_positions(x.shape[1], self.width, device=x.device), mask

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Pooled clip features [B, width] for audio [B, 2, T] with valid `lengths` [B]."""
        x, mask = self.tokens(wav, lengths)
        x = self.encoder(x, src_key_padding_mask=~mask)
        return masked_mean(self.norm(x), mask)
