"""Training crops of encoded stem clips: the latents of every stem, the structure of the crop,
the parts present and one of the clip's captions.

Like `data.datasets.LatentCropDataset` (whose crop offsets, lyrics re-timing and CLASP vector
it reuses), each visit takes a crop at a random frame drawn from torch's generator, so a
resumed run sees the crops the uninterrupted run would have seen; the caption phrasing is
drawn from the same generator. Latents are kept in half precision and cropped to float.
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass, field

import torch

from ainur_studio.data.datasets import LatentCropDataset, LatentItem, shift_lyrics
from ainur_studio.training.stems_window import crop_structure
from ainur_studio.types import Structure


@dataclass
class StemItem(LatentItem):
    """One encoded clip of stems (`LatentItem.latents` is [S*C, L], the prior's roles stacked
    in order; `embedding`, `mask` and `prompt` are the first caption's).

    Attributes:
        captions: every phrasing of the clip's caption.
        embeddings: per caption, (tokens [N, D], mask [N]).
        structure: the clip's structure (times from its start) or None.
        parts: [S] bool, the prior's roles present in the clip.
        frame_offset: where `latents` start in the clip, for an excerpt (`stems_bundle`);
            the structure and lyrics keep clip time.
    """

    captions: list[str] = field(default_factory=list)
    embeddings: list[tuple[torch.Tensor, torch.Tensor]] = field(default_factory=list)
    structure: Structure | None = None
    parts: torch.Tensor | None = None
    frame_offset: int = 0


class StemCropDataset(LatentCropDataset):
    """Map-style dataset: index -> a random crop of one `StemItem`, as a dict with the keys of
    `LatentCropDataset`'s items plus "structure" (the crop's `Structure`, see
    `stems_window`), "structure_start_s" and "parts" [S] bool.

    Args: those of `LatentCropDataset`; `random_crop` False also takes the first caption.
    """

    def caption(self, item: StemItem) -> int:
        """Index of the caption of the next crop of `item` (draws from torch's generator)."""
        if not self.random_crop or len(item.captions) < 2:
            return 0
        return int(torch.randint(0, len(item.captions), ()))

    def __getitem__(self, index: int) -> dict[str, tp.Any]:
        item = self.items[index]
        start = self.offset(item)
        k = self.caption(item)
        start_s = (start + item.frame_offset) / self.frame_rate  # clip time
        end_s = start_s + self.crop_frames / self.frame_rate
        embedding, mask = item.embeddings[k] if item.embeddings else (item.embedding, item.mask)
        out = {"latents": item.latents[:, start:start + self.crop_frames].float(),
               "embedding": embedding, "mask": mask,
               "lyrics": None if item.lyrics is None
               else shift_lyrics(item.lyrics, round(start_s * 1000)),
               "text": item.captions[k] if item.captions else item.prompt,
               "structure": None, "structure_start_s": 0.0, "parts": item.parts}
        if item.structure is not None:
            out["structure"], out["structure_start_s"] = crop_structure(item.structure,
                                                                        start_s, end_s)
        if self.clasp_fn is not None:
            out["clasp"] = self.clasp_fn(item, start_s, end_s)
        return out
