"""The autoencoder recipe (component "autoencoder", or "decoder" with the encoder frozen) on
random stereo crops of the recordings, from scratch or from a pack's autoencoder."""

from __future__ import annotations

import typing as tp

import torch

from ainur_studio.training.recipes.clasp_data import read_window
from ainur_studio.training.recipes.module import Data, run_module
from ainur_studio.training.runs import RunEnv
from ainur_studio.training.sources import Sources
from ainur_studio.training.spec import RunSpec


def run(spec: RunSpec, sources: Sources, env: RunEnv) -> dict[str, tp.Any]:
    return run_module(spec, sources, env, data=data)


class AudioCropDataset:
    """Map-style dataset: index -> a random stereo crop [2, T] (zero-padded when shorter)."""

    def __init__(self, paths: list[str], *, seconds: float, sample_rate: int,
                 random_crop: bool = True) -> None:
        import soundfile as sf

        self.paths, self.seconds, self.sample_rate = paths, seconds, sample_rate
        self.random_crop = random_crop
        self.durations = [sf.info(p).duration for p in paths]

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> torch.Tensor:
        slack = max(self.durations[i] - self.seconds, 0.0)
        start = float(torch.rand(())) * slack if self.random_crop else 0.0
        wav = read_window(self.paths[i], start, self.seconds, sample_rate=self.sample_rate)
        n = round(self.seconds * self.sample_rate)
        return torch.nn.functional.pad(wav[:, :n], (0, max(0, n - wav.shape[-1])))


def data(spec: RunSpec, train: list, held: list, model: tp.Any) -> Data:
    rate = model.sample_rate
    train_set = AudioCropDataset([it.path for it in train], seconds=spec.crop_seconds,
                                 sample_rate=rate)
    held_set = AudioCropDataset([it.path for it in held], seconds=spec.crop_seconds,
                                sample_rate=rate, random_crop=False) if held else None
    return train_set, held_set, None
