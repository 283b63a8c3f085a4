"""Stage 1: 48 kHz stereo waveform <-> tanh-bounded latent sequence.

The encoder reads per-channel log-mels through a ConvNeXt stack and a strided convolution down to
the latent rate; the default decoder is a Vocos-class ConvNeXt backbone with an iSTFT head, cheap
enough to run many times faster than real time on a laptop CPU. Any module honouring
`LatentDecoder` (e.g. a later diffusion decoder, Ainur's DMAE, as a quality mode) can replace it.

With the shipped configs, 32 latent channels at a ratio of 1024 give 46.875 latent frames per
second and 2 x 1024 / 32 = 64x compression.
"""

from __future__ import annotations

import json
import math
import typing as tp
from collections.abc import Sequence
from importlib import resources

import torch
from torch import nn

from ainur_studio.audio.features import LogMelSpectrogram
from ainur_studio.audio.losses import (
    DEFAULT_MEL_RESOLUTIONS,
    DEFAULT_STFT_RESOLUTIONS,
    MultiResolutionMelLoss,
    MultiResolutionStftLoss,
)
from ainur_studio.modules.convnext import ChannelLayerNorm, ConvNeXtStack1d
from ainur_studio.modules.istft import ISTFTHead


@tp.runtime_checkable
class LatentDecoder(tp.Protocol):
    """What the autoencoder needs from a decoder.

    `receptive_frames` is how many latent frames on either side can influence the audio of
    one frame; chunked decoding keeps at least that much context for an exact result.
    """

    audio_channels: int
    latent_channels: int
    downsampling_ratio: int
    receptive_frames: int

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        """`[B, latent_channels, L]` -> `[B, audio_channels, L * downsampling_ratio]`."""
        ...


class MelEncoder(nn.Module):
    """Log-mel per channel -> ConvNeXt -> strided conv -> ConvNeXt -> 1x1 conv (pre-tanh).

    Args:
        sample_rate, audio_channels, latent_channels, downsampling_ratio: the latent format.
        n_fft, n_mels: mel front-end; its hop is `downsampling_ratio // frame_downsample`.
        frame_downsample: mel frames per latent frame.
        dim: width; depth / latent_depth: blocks before / after the strided convolution.
        mid_side: for stereo, also read the mels of (L + R) / 2 and (L - R) / 2, which carry
            the inter-channel phase (stereo image) that L and R magnitudes alone lose.
    """

    def __init__(self, *, sample_rate: int, audio_channels: int, latent_channels: int,
                 downsampling_ratio: int, n_fft: int, n_mels: int, frame_downsample: int,
                 dim: int, depth: int, latent_depth: int, mid_side: bool = True) -> None:
        super().__init__()
        _check_divides(frame_downsample, downsampling_ratio, "encoder.frame_downsample")
        self.audio_channels, self.latent_channels = audio_channels, latent_channels
        self.downsampling_ratio = downsampling_ratio
        self.mid_side = mid_side and audio_channels == 2
        self.mel = LogMelSpectrogram(sample_rate=sample_rate, n_fft=n_fft, n_mels=n_mels,
                                     hop_length=downsampling_ratio // frame_downsample)
        inputs = (4 if self.mid_side else audio_channels) * n_mels
        self.conv_in = nn.Conv1d(inputs, dim, 7, padding=3)
        self.norm_in = ChannelLayerNorm(dim)
        self.frame_stack = ConvNeXtStack1d(dim=dim, depth=depth)
        self.down = nn.Conv1d(dim, dim, frame_downsample, stride=frame_downsample)
        self.latent_stack = ConvNeXtStack1d(dim=dim, depth=latent_depth)
        self.proj = nn.Conv1d(dim, latent_channels, 1)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """`[B, A, T]` (T a multiple of the ratio) -> unbounded `[B, latent_channels, T/ratio]`."""
        if self.mid_side:
            wav = with_mid_side(wav)  # (B, 4, T)
        b, a, _ = wav.shape
        mel = self.mel(wav)[..., :-1]  # (B, A, n_mels, T/hop): drop the centred extra frame
        mel = mel.reshape(b, a * mel.shape[2], -1).to(self.conv_in.weight.dtype)
        h = self.norm_in(self.conv_in(mel))
        h = self.down(self.frame_stack(h))
        return self.proj(self.latent_stack(h))


class SpectralDecoder(nn.Module):
    """Vocos-class decoder: ConvNeXt at the latent rate, upsample, ConvNeXt, iSTFT head.

    Args:
        audio_channels, latent_channels, downsampling_ratio: the latent format.
        dim: width; latent_depth / depth: blocks before / after upsampling.
        upsample: spectral frames per latent frame (iSTFT hop = ratio // upsample).
        n_fft: iSTFT size (typically 4 x hop).
    """

    def __init__(self, *, audio_channels: int, latent_channels: int, downsampling_ratio: int,
                 dim: int, latent_depth: int, depth: int, upsample: int, n_fft: int) -> None:
        super().__init__()
        _check_divides(upsample, downsampling_ratio, "decoder.upsample")
        self.audio_channels, self.latent_channels = audio_channels, latent_channels
        self.downsampling_ratio = downsampling_ratio
        self.conv_in = nn.Conv1d(latent_channels, dim, 7, padding=3)
        self.norm_in = ChannelLayerNorm(dim)
        self.latent_stack = ConvNeXtStack1d(dim=dim, depth=latent_depth)
        self.up = nn.ConvTranspose1d(dim, dim, upsample, stride=upsample)
        self.frame_stack = ConvNeXtStack1d(dim=dim, depth=depth)
        self.head = ISTFTHead(dim=dim, audio_channels=audio_channels, n_fft=n_fft,
                              hop_length=downsampling_ratio // upsample)
        frame_radius = self.frame_stack.radius + self.head.radius
        self.receptive_frames = 3 + self.latent_stack.radius + math.ceil(frame_radius / upsample)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """`[B, latent_channels, L]` -> `[B, audio_channels, L * ratio]`."""
        h = self.latent_stack(self.norm_in(self.conv_in(z)))
        return self.head(self.frame_stack(self.up(h)))


class AudioAutoencoder(nn.Module):
    """Encoder + decoder with the losses that train them.

    Args:
        encoder: module mapping `[B, A, T]` to unbounded latents `[B, C, T / ratio]`.
        decoder: a `LatentDecoder` with the same channels and ratio.
        sample_rate: in Hz.
        stft_resolutions: `(n_fft, hop)` pairs of the multi-resolution STFT loss.
        mel_resolutions: `(n_fft, hop, n_mels)` triples of the multi-resolution mel loss.
        mel_weight: weight of the mel loss against the STFT loss.
        latent_weight: weight of mean(pre-tanh latent^2). It keeps latents off tanh
            saturation, where the encoder's gradient vanishes and training can collapse to
            latents that no longer depend on the audio (seen at 1e-4, not at 1e-2).
        latent_noise: std of Gaussian noise added to the latent while training the decoder,
            so it tolerates the small errors of the prior's samples.
        mid_side_loss: for stereo, also score (L + R) / 2 and (L - R) / 2, so the losses see
            the phase between the channels (per-channel magnitudes cannot).
    """

    def __init__(self, *, encoder: nn.Module, decoder: LatentDecoder, sample_rate: int,
                 stft_resolutions: Sequence[Sequence[int]] = DEFAULT_STFT_RESOLUTIONS,
                 mel_resolutions: Sequence[Sequence[int]] = DEFAULT_MEL_RESOLUTIONS,
                 mel_weight: float = 1.0, latent_weight: float = 1e-2,
                 latent_noise: float = 0.0, mid_side_loss: bool = True) -> None:
        super().__init__()
        _check_compatible(encoder, decoder)
        self.encoder, self.decoder = encoder, decoder
        self.sample_rate = sample_rate
        self.audio_channels: int = decoder.audio_channels
        self.latent_channels: int = decoder.latent_channels
        self.downsampling_ratio: int = decoder.downsampling_ratio
        self.stft_loss = MultiResolutionStftLoss(resolutions=stft_resolutions)
        self.mel_loss = MultiResolutionMelLoss(sample_rate=sample_rate,
                                               resolutions=mel_resolutions)
        self.mel_weight, self.latent_weight = mel_weight, latent_weight
        self.latent_noise = latent_noise
        self.mid_side_loss = mid_side_loss and self.audio_channels == 2

    def latent_frames(self, samples: int) -> int:
        """Latent length for `samples` audio samples: ceil(samples / ratio)."""
        return -(-samples // self.downsampling_ratio)

    def encode(self, wav: torch.Tensor) -> torch.Tensor:
        """`[B, A, T]` -> `[B, C, ceil(T / ratio)]` in (-1, 1); T is right-padded with zeros."""
        return torch.tanh(self.encoder(self._pad(wav)))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """`[B, C, L]` -> `[B, A, L * ratio]`."""
        _check_latent(z, self.latent_channels)
        return self.decoder(z)

    def decode_chunked(self, z: torch.Tensor, *, chunk_frames: int,
                       overlap_frames: int) -> torch.Tensor:
        """Decode a long latent in overlapping pieces joined by raised-cosine crossfades.

        Consecutive chunks share `overlap_frames`; the crossfade sits in the middle of the
        overlap, `receptive_frames` away from each chunk's cut, so with
        `overlap_frames >= 2 * decoder.receptive_frames + 1` the result equals `decode(z)` up
        to float rounding, and with less it is still seamless but approximate.

        Args:
            z: `[B, C, L]` latent.
            chunk_frames: latent frames decoded at once.
            overlap_frames: frames shared by neighbours, at most `chunk_frames // 2`.

        Returns:
            `[B, A, L * ratio]`, the same length as `decode(z)`.
        """
        pieces = self.decode_stream(z, chunk_frames=chunk_frames, overlap_frames=overlap_frames)
        return torch.cat(list(pieces), dim=-1)

    def decode_stream(self, z: torch.Tensor, *, chunk_frames: int,
                      overlap_frames: int) -> tp.Iterator[torch.Tensor]:
        """`decode_chunked` as a stream: yields consecutive final audio blocks `[B, A, n]`
        (each ready after one more chunk is decoded) whose concatenation is the full result,
        so playback or writing can start before the whole latent is decoded."""
        _check_latent(z, self.latent_channels)
        spans = chunk_spans(z.shape[-1], chunk_frames=chunk_frames,
                            overlap_frames=overlap_frames)
        n = overlap_frames * self.downsampling_ratio
        margin = min(self.decoder.receptive_frames, max((overlap_frames - 1) // 2, 0))
        fade = crossfade_ramp(n, margin=margin * self.downsampling_ratio, device=z.device)
        tail = None
        for k, (start, end) in enumerate(spans):
            piece = self.decoder(z[..., start:end])
            if tail is not None:
                fade_out = fade.to(piece.dtype)
                head = tail * fade_out + piece[..., :n] * (1.0 - fade_out)
                piece = torch.cat([head, piece[..., n:]], dim=-1)
            if k == len(spans) - 1:
                yield piece
            else:
                tail = piece[..., piece.shape[-1] - n:]
                yield piece[..., : piece.shape[-1] - n]

    def training_losses(self, wav: torch.Tensor) -> dict[str, torch.Tensor]:
        """Reconstruction losses for a batch `[B, A, T]`.

        Returns:
            `loss` (the total to minimise), `stft`, `mel` and `latent` scalars.
        """
        _check_audio(wav, self.audio_channels)
        logits = self.encoder(self._pad(wav))
        z = torch.tanh(logits)
        if self.training and self.latent_noise > 0:
            z = z + self.latent_noise * torch.randn_like(z)
        rec = self.decoder(z)[..., : wav.shape[-1]]
        target = wav
        if self.mid_side_loss:
            rec, target = with_mid_side(rec), with_mid_side(wav)
        stft, mel = self.stft_loss(rec, target), self.mel_loss(rec, target)
        latent = logits.square().mean()
        loss = stft + self.mel_weight * mel + self.latent_weight * latent
        return {"loss": loss, "stft": stft.detach(), "mel": mel.detach(),
                "latent": latent.detach()}

    def _pad(self, wav: torch.Tensor) -> torch.Tensor:
        _check_audio(wav, self.audio_channels)
        extra = self.latent_frames(wav.shape[-1]) * self.downsampling_ratio - wav.shape[-1]
        return nn.functional.pad(wav, (0, extra)) if extra else wav


def with_mid_side(wav: torch.Tensor) -> torch.Tensor:
    """Stereo `[B, 2, T]` -> `[B, 4, T]`: L, R, (L + R) / 2, (L - R) / 2."""
    left, right = wav[:, :1], wav[:, 1:2]
    return torch.cat([wav, 0.5 * (left + right), 0.5 * (left - right)], dim=1)


def chunk_spans(length: int, *, chunk_frames: int, overlap_frames: int
                ) -> list[tuple[int, int]]:
    """`(start, end)` latent spans of `chunk_frames` each sharing `overlap_frames`; the last
    span ends at `length` and is longer than the overlap."""
    if chunk_frames < 1 or not 0 <= overlap_frames <= chunk_frames // 2:
        raise ValueError(f"need chunk_frames >= 1 and 0 <= overlap_frames <= chunk_frames // 2;"
                         f" got chunk_frames={chunk_frames}, overlap_frames={overlap_frames}")
    step = chunk_frames - overlap_frames
    starts = [0] + list(range(step, max(length - overlap_frames, 0), step))
    return [(s, min(s + chunk_frames, length)) for s in starts]


def crossfade_ramp(length: int, *, margin: int = 0, device: torch.device | None = None,
                   dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Fade-out weights `[length]`: 1 for `margin` samples, a raised-cosine fall, 0 for the
    last `margin` samples. The incoming chunk uses `1 - ramp`, so the pair sums to one."""
    ramp = torch.zeros(length, device=device, dtype=torch.float64)
    ramp[:margin] = 1.0
    span = length - 2 * margin
    if span > 0:
        t = (torch.arange(span, device=device, dtype=torch.float64) + 0.5) / span
        ramp[margin: margin + span] = 0.5 * (1.0 + torch.cos(math.pi * t))
    return ramp.to(dtype)


def _check_divides(factor: int, ratio: int, name: str) -> None:
    if factor < 1 or ratio % factor:
        raise ValueError(f"{name}={factor} must divide downsampling_ratio={ratio}")


def _check_compatible(encoder: nn.Module, decoder: LatentDecoder) -> None:
    for attr in ("audio_channels", "latent_channels", "downsampling_ratio"):
        if getattr(encoder, attr) != getattr(decoder, attr):
            raise ValueError(f"encoder and decoder disagree on {attr}: "
                             f"{getattr(encoder, attr)} vs {getattr(decoder, attr)}")


def _check_audio(wav: torch.Tensor, channels: int) -> None:
    if wav.ndim != 3 or wav.shape[1] != channels or wav.shape[-1] < 1:
        raise ValueError(f"expected audio [batch, {channels}, samples], got {tuple(wav.shape)}")


def _check_latent(z: torch.Tensor, channels: int) -> None:
    if z.ndim != 3 or z.shape[1] != channels or z.shape[-1] < 1:
        raise ValueError(f"expected a latent [batch, {channels}, frames], got {tuple(z.shape)}")


# --- factory --------------------------------------------------------------------------------

_ENCODERS: dict[str, type[nn.Module]] = {"mel": MelEncoder}
_DECODERS: dict[str, type[nn.Module]] = {"spectral": SpectralDecoder}
_SHARED = ("audio_channels", "latent_channels", "downsampling_ratio")


def create_autoencoder_from_config(cfg: dict[str, tp.Any]) -> AudioAutoencoder:
    """Build an autoencoder from `{"type": "autoencoder", "config": {...}}`.

    `config` holds `sample_rate`, `audio_channels`, `latent_channels`, `downsampling_ratio`,
    an `encoder` and a `decoder` (each with a `type` and its keyword arguments) and `losses`
    (keyword arguments of `AudioAutoencoder`).
    """
    if cfg.get("type") != "autoencoder" or not isinstance(cfg.get("config"), dict):
        raise ValueError(f"not an autoencoder config: expected type 'autoencoder' and a "
                         f"'config' object, got type {cfg.get('type')!r}")
    c = cfg["config"]
    missing = [k for k in ("sample_rate", *_SHARED, "encoder", "decoder") if k not in c]
    if missing:
        raise ValueError(f"autoencoder config lacks {', '.join(missing)}")
    shared = {k: int(c[k]) for k in _SHARED}
    encoder = _build("encoder", _ENCODERS, c["encoder"], sample_rate=int(c["sample_rate"]),
                     **shared)
    decoder = _build("decoder", _DECODERS, c["decoder"], **shared)
    try:
        return AudioAutoencoder(encoder=encoder, decoder=decoder,
                                sample_rate=int(c["sample_rate"]), **c.get("losses", {}))
    except TypeError as exc:
        raise ValueError(f"bad autoencoder config 'losses': {exc}") from exc


def _build(part: str, registry: dict[str, type[nn.Module]], spec: dict[str, tp.Any],
           **shared: int) -> nn.Module:
    kwargs = dict(spec)
    kind = kwargs.pop("type", None)
    if kind not in registry:
        raise ValueError(f"unknown {part} type {kind!r}; known: {', '.join(sorted(registry))}")
    try:
        return registry[kind](**shared, **kwargs)
    except TypeError as exc:
        raise ValueError(f"bad autoencoder config '{part}': {exc}") from exc


def load_autoencoder_config(name: str) -> dict[str, tp.Any]:
    """The shipped config `configs/autoencoder_<name>.json` ("debug", "small", "base")."""
    path = resources.files("ainur_studio") / "configs" / f"autoencoder_{name}.json"
    if not path.is_file():
        raise ValueError(f"no shipped autoencoder config named {name!r}; "
                         "use 'debug', 'small' or 'base'")
    return json.loads(path.read_text(encoding="utf-8"))
