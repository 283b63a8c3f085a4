"""How close generated audio comes to a set of recordings, in audio embedding spaces.

A fine-tune is judged by where its takes land: the distance from the takes for the training
captions to the held-out recordings, beside the same distance for the base pack's takes (where
the run started) and for the training recordings themselves (how close the same instrument
gets: the floor). Two spaces, so that one model's blind spot does not decide: the log-mel
timbre statistics (model-free) and the base pack's CLASP audio embedding (frozen: the run may
adapt CLASP, never the yardstick).
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass

import torch

from ainur_studio.audio.features import log_mel_spectrogram

MEL_RATE = 48_000
LEVEL = 0.1             # RMS every clip is brought to before its log-mel statistics
VERBATIM_MARGIN = 0.5   # closer to a training clip than half the held-out nearest distance


class Embedder(tp.Protocol):
    name: str

    def __call__(self, clips: tp.Sequence[torch.Tensor]) -> torch.Tensor:
        """Clips [2, T] at 48 kHz -> [B, D]."""


@dataclass
class MelStats:
    """Mean and standard deviation over time of each log-mel band (mono mix, brought to one RMS
    level first so that loudness does not count): timbre and register, independent of any
    trained model."""

    n_mels: int = 64
    name: str = "log-mel"

    def __call__(self, clips: tp.Sequence[torch.Tensor]) -> torch.Tensor:
        rows = []
        for clip in clips:
            mono = clip.float().mean(dim=0)
            mono = mono * (LEVEL / mono.pow(2).mean().sqrt().clamp_min(1e-5))
            mel = log_mel_spectrogram(mono, sample_rate=MEL_RATE,
                                      n_fft=2048, hop_length=512, n_mels=self.n_mels)
            mel = mel.clamp_min(-11.5)  # about -100 dB: silence does not dominate
            rows.append(torch.cat([mel.mean(dim=-1), mel.std(dim=-1)]))
        return torch.stack(rows)


@dataclass
class ClaspAudio:
    """A CLASP model's audio embedding (pass the BASE pack's CLASP)."""

    clasp: tp.Any
    name: str = "CLASP audio"

    def __call__(self, clips: tp.Sequence[torch.Tensor]) -> torch.Tensor:
        with torch.no_grad():
            return self.clasp.embed_audio([c.to(self.clasp.device) for c in clips],
                                          allow_silent=True).float().cpu()


@dataclass
class Closeness:
    """Distances to the held-out recordings in one space (lower is closer)."""

    space: str
    takes: float          # the run's takes for the training captions
    base: float | None    # the base pack's takes for the same captions
    floor: float          # the training recordings themselves
    verbatim: bool        # a take sits on a training clip (memorised)

    @property
    def ratio(self) -> float | None:
        """takes / base: 0.5 means half the base pack's distance."""
        return None if not self.base else self.takes / self.base

    def to_dict(self) -> dict[str, tp.Any]:
        return {"space": self.space, "takes": self.takes, "base": self.base,
                "floor": self.floor, "ratio": self.ratio, "verbatim": self.verbatim}


def closeness(takes: tp.Sequence[torch.Tensor], held_out: tp.Sequence[torch.Tensor],
              train: tp.Sequence[torch.Tensor], embed: Embedder, *,
              base: tp.Sequence[torch.Tensor] | None = None) -> Closeness:
    """Mean distance from each take (and each `base` take) to the centroid of `held_out`, with
    the `train` recordings' distance as the floor; every dimension is divided by its spread
    over all the clips, so that no band or feature dominates."""
    return closeness_of(embed(takes), embed(held_out), embed(train),
                        embed(base) if base else None, space=embed.name)


def closeness_of(e_take: torch.Tensor, e_held: torch.Tensor, e_train: torch.Tensor,
                 e_base: torch.Tensor | None, *, space: str,
                 scale: torch.Tensor | None = None) -> Closeness:
    """`closeness` on embeddings already made (a run embeds its recordings once); `scale`
    fixes the per-dimension spread (a run measures against the recordings and the base
    pack's takes only, so that its figures compare from one validation to the next)."""
    if scale is None:
        scale = spread([e_held, e_train, e_take] + ([e_base] if e_base is not None else []))
    centre = (e_held / scale).mean(dim=0)

    def dist(points: torch.Tensor) -> float:
        return float(((points / scale) - centre).norm(dim=-1).mean())

    return Closeness(space, dist(e_take), dist(e_base) if e_base is not None else None,
                     dist(e_train), memorised(e_take / scale, e_train / scale, e_held / scale))


def spread(embeddings: tp.Sequence[torch.Tensor]) -> torch.Tensor:
    """Each dimension's standard deviation over all the clips (the distances' units)."""
    return torch.cat(list(embeddings)).std(dim=0).clamp_min(1e-6)


def memorised(takes: torch.Tensor, train: torch.Tensor, held: torch.Tensor) -> bool:
    """Whether some take is far nearer to one training recording than recordings of the same
    material ever are to each other (held-out to nearest training recording)."""
    if len(train) < 1 or len(held) < 1:
        return False
    typical = torch.cdist(held, train).min(dim=1).values.median()
    nearest = torch.cdist(takes, train).min(dim=1).values
    return bool((nearest < VERBATIM_MARGIN * typical).any())
