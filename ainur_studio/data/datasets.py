"""Training items over cached latents: a random crop of each recording per visit.

Recordings are encoded once, whole (see `ainur_studio.training.recipes.prior_cache`); each visit of an item
takes a crop of `crop_frames` latent frames at a random offset, so every epoch sees new windows
without touching the audio again. Crops draw from torch's global generator, which the trainer
saves with every checkpoint: a resumed run sees exactly the crops the uninterrupted run would
have seen (with `num_workers=0`). Synced lyrics are cut to the crop and re-timed to its start.
"""

from __future__ import annotations

import dataclasses
import random
import typing as tp
from dataclasses import dataclass

import torch

from ainur_studio.types import LyricLine, Lyrics, LyricWord


@dataclass
class LatentItem:
    """One encoded recording.

    Attributes:
        key: content hash of the audio file (names the cache entry).
        path: the recording (read only for previews and CLASP checks).
        latents: [C, L] autoencoder latents of the whole recording.
        embedding: [N, D] text-encoder tokens of the prompt; mask: [N] bool (True = real).
        prompt: the caption the embedding was made from.
        lyrics: synced lyrics of the whole recording, or None.
        clasp_audio: [E] L2-normalised CLASP embedding of the recording, or None.
    """

    key: str
    path: str
    latents: torch.Tensor
    embedding: torch.Tensor
    mask: torch.Tensor
    prompt: str = ""
    lyrics: Lyrics | None = None
    clasp_audio: torch.Tensor | None = None

    @property
    def frames(self) -> int:
        return int(self.latents.shape[-1])


# (lyrics of the crop, start s, end s) -> [E] CLASP vector or None (the null vector)
ClaspFn = tp.Callable[[LatentItem, float, float], "torch.Tensor | None"]


def shift_lyrics(lyrics: Lyrics, offset_ms: int) -> Lyrics:
    """A copy with every time moved by `-offset_ms` (times relative to a later start)."""
    def word(w: LyricWord) -> LyricWord:
        return LyricWord(w.start_ms - offset_ms, w.text,
                         None if w.end_ms is None else w.end_ms - offset_ms)

    lines = [LyricLine(line.start_ms - offset_ms, line.text, [word(w) for w in line.words],
                       None if line.end_ms is None else line.end_ms - offset_ms)
             for line in lyrics.lines]
    tags = {k: v for k, v in lyrics.tags.items() if k != "length"}
    return dataclasses.replace(lyrics, lines=lines, tags=tags)


def crop_length(items: tp.Sequence[LatentItem], *, wanted: int, multiple: int) -> int:
    """The crop every item can give: `wanted` frames, or the shortest item, rounded down to a
    multiple of `multiple` (the prior's length multiple).

    Raises:
        ValueError: no items, or an item shorter than one multiple.
    """
    if not items:
        raise ValueError("no recordings to crop: the dataset is empty")
    shortest = min(items, key=lambda it: it.frames)
    frames = min(wanted, shortest.frames) // multiple * multiple
    if frames < multiple:
        raise ValueError(f"{shortest.path} gives {shortest.frames} latent frames, fewer than the "
                         f"{multiple} the prior needs; remove it or use longer recordings")
    return frames


class LatentCropDataset:
    """Map-style dataset: index -> a random crop of one cached recording.

    Args:
        items: encoded recordings.
        crop_frames: latent frames per crop (see `crop_length`).
        frame_rate: latent frames per second (to re-time lyrics).
        clasp_fn: CLASP vector of a crop, or None for the null vector; None = no CLASP key.
        random_crop: False always takes the first `crop_frames` (held-out loss).
    """

    def __init__(self, items: tp.Sequence[LatentItem], *, crop_frames: int, frame_rate: float,
                 clasp_fn: ClaspFn | None = None, random_crop: bool = True) -> None:
        short = [it.path for it in items if it.frames < crop_frames]
        if short:
            raise ValueError(f"{short[0]} is shorter than the {crop_frames}-frame crop; pick "
                             "the crop with crop_length()")
        self.items, self.crop_frames, self.frame_rate = list(items), crop_frames, frame_rate
        self.clasp_fn, self.random_crop = clasp_fn, random_crop

    def __len__(self) -> int:
        return len(self.items)

    def offset(self, item: LatentItem) -> int:
        """First frame of the next crop of `item` (draws from torch's generator)."""
        slack = item.frames - self.crop_frames
        if not self.random_crop or slack <= 0:
            return 0
        return int(torch.randint(0, slack + 1, ()))

    def __getitem__(self, index: int) -> dict[str, tp.Any]:
        item = self.items[index]
        start = self.offset(item)
        start_s = start / self.frame_rate
        end_s = (start + self.crop_frames) / self.frame_rate
        lyrics = None if item.lyrics is None else shift_lyrics(item.lyrics, round(start_s * 1000))
        out = {"latents": item.latents[:, start:start + self.crop_frames],
               "embedding": item.embedding, "mask": item.mask, "lyrics": lyrics,
               "text": item.prompt}
        if self.clasp_fn is not None:
            out["clasp"] = self.clasp_fn(item, start_s, end_s)
        return out


def collate_crops(items: list[dict[str, tp.Any]]) -> dict[str, tp.Any]:
    """Crops -> batch: "latents" [B, C, L], "embedding" [B, N, D], "mask" [B, N], "lyrics"
    (B `Lyrics` or None), "texts", and when present "clasp" (list of B [E] vectors or None)
    and, for crops of stems, "structure" (B `Structure`s or None), "structure_start_s" (B
    floats) and "parts" [B, S] bool."""
    batch: dict[str, tp.Any] = {
        "latents": torch.stack([it["latents"] for it in items]),
        "embedding": torch.stack([it["embedding"] for it in items]),
        "mask": torch.stack([it["mask"] for it in items]),
        "lyrics": [it["lyrics"] for it in items],
        "texts": [it["text"] for it in items]}
    if "clasp" in items[0]:
        batch["clasp"] = [it["clasp"] for it in items]
    if "structure" in items[0]:
        batch["structure"] = [it["structure"] for it in items]
        batch["structure_start_s"] = [float(it["structure_start_s"]) for it in items]
        batch["parts"] = torch.stack([it["parts"] for it in items])
    return batch


def split_holdout(items: list[tp.Any], *, fraction: float, seed: int = 0,
                  minimum: int = 4) -> tuple[list[tp.Any], list[tp.Any]]:
    """(train, held out): a seeded `fraction` of the items, none when fewer than `minimum`.

    The held-out share is at least one item and never all of them.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"held-out fraction must be in [0, 1), got {fraction}")
    if len(items) < minimum or fraction == 0.0:
        return list(items), []
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    n = min(max(1, round(len(items) * fraction)), len(items) - 1)
    held = sorted(order[:n])
    return [it for i, it in enumerate(items) if i not in held], [items[i] for i in held]
