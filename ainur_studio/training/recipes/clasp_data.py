"""Paired clips for CLASP training and evaluation: audio with a caption and/or lyrics.

The recordings come from `ainur_studio.training.sources` (a folder with `NAME.txt` /
`NAME.json` captions and `NAME.lrc` lyrics, or a manifest). Each item is a crop of
`crop_seconds` (random in training, from the start in evaluation); synced lyrics keep only the
lines sung in the crop, unsynced lyrics are used whole.
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import torch

from ainur_studio.types import Lyrics


@dataclass
class ClaspPair:
    """One recording with what describes it."""

    path: str
    text: str = ""                 # descriptor / caption
    lyrics: Lyrics | None = None   # synced lyrics (cropped with the audio)
    lyrics_text: str = ""          # unsynced lyrics (used whole)


def read_window(path: str, start_s: float, seconds: float, *, sample_rate: int) -> torch.Tensor:
    """Stereo float32 [2, T] of `seconds` from `start_s`, resampled to `sample_rate`."""
    import torchaudio.functional as AF

    with sf.SoundFile(path) as f:
        f.seek(min(int(start_s * f.samplerate), max(f.frames - 1, 0)))
        data = f.read(int(seconds * f.samplerate), dtype="float32", always_2d=True)
        rate = f.samplerate
    wav = torch.from_numpy(np.ascontiguousarray(data.T))
    wav = wav.expand(2, -1) if wav.shape[0] == 1 else wav[:2]
    if rate != sample_rate:
        wav = AF.resample(wav, rate, sample_rate)
    return wav.contiguous()


class ClaspClipDataset:
    """Map-style dataset of crops: item -> {"audio" [2, T], "text", "lyrics"}.

    Random crops draw from torch's global generator, which the trainer saves with each
    checkpoint (exact resume with `num_workers=0`).
    """

    def __init__(self, pairs: list[ClaspPair], *, crop_seconds: float = 10.0,
                 sample_rate: int = 48_000, random_crop: bool = True) -> None:
        self.pairs, self.crop_seconds = pairs, crop_seconds
        self.sample_rate, self.random_crop = sample_rate, random_crop
        self.durations = [sf.info(p.path).duration for p in pairs]

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i: int) -> dict[str, tp.Any]:
        pair, duration = self.pairs[i], self.durations[i]
        slack = max(duration - self.crop_seconds, 0.0)
        start = float(torch.rand(())) * slack if self.random_crop else 0.0
        end = min(start + self.crop_seconds, duration)
        lyrics = pair.lyrics_text
        if pair.lyrics is not None:
            from ainur_studio.lyrics.align import window_text

            lyrics = window_text(pair.lyrics, start, end)
        audio = read_window(pair.path, start, self.crop_seconds, sample_rate=self.sample_rate)
        return {"audio": audio, "text": pair.text, "lyrics": lyrics}


def collate_clips(items: list[dict[str, tp.Any]]) -> dict[str, tp.Any]:
    """Right-pad clips into "audio" [B, 2, T_max] with "lengths" [B]; texts as lists."""
    lengths = torch.tensor([it["audio"].shape[-1] for it in items])
    audio = torch.zeros(len(items), 2, int(lengths.max()))
    for k, it in enumerate(items):
        audio[k, :, : it["audio"].shape[-1]] = it["audio"]
    return {"audio": audio, "lengths": lengths, "text": [it["text"] for it in items],
            "lyrics": [it["lyrics"] for it in items]}
