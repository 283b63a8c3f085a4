"""Latent bundles as training data: the corpus already encoded, for the prior only.

A bundle (written by `scripts/starter_latents.py`) is a folder with `clips.json` (per clip:
id, piece, split, caption, short caption, shard), `text.safetensors` + `captions.json` (caption
token embeddings, int8 with a per-token scale) and `lat-NNN.safetensors` shards (latents int8
with a per-channel scale, and each clip's CLASP audio vector). Every clip becomes two items:
its corpus caption and its short "genre, instruments, key" caption. No lyrics are carried, so
the prior's text encoder is never called on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ainur_studio.data.datasets import LatentItem

TOKENS = 64


def dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return q.float() * scale.float().unsqueeze(1)


def load_text(folder: Path) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """caption -> (tokens [64, D], mask [64])."""
    from safetensors.torch import load_file

    index = json.loads((folder / "captions.json").read_text("utf-8"))
    raw = load_file(str(folder / "text.safetensors"))
    table = {}
    for caption, j in index.items():
        emb = dequantize(raw[f"t.{j}"], raw[f"ts.{j}"])[:TOKENS]
        out, mask = torch.zeros(TOKENS, emb.shape[1]), torch.zeros(TOKENS, dtype=torch.bool)
        out[: emb.shape[0]], mask[: emb.shape[0]] = emb, True
        table[caption] = (out, mask)
    return table


def load_items(folder: Path) -> tuple[list[LatentItem], list[LatentItem]]:
    """(training items, held-out items) of every shard present in `folder`."""
    from safetensors.torch import load_file

    text = load_text(folder)
    clips = json.loads((folder / "clips.json").read_text("utf-8"))["clips"]
    train: list[LatentItem] = []
    held: list[LatentItem] = []
    for shard in sorted(folder.glob("lat-*.safetensors")):
        k = int(shard.stem.split("-")[1])
        raw = load_file(str(shard))
        for c in clips:
            if c["shard"] != k:
                continue
            i = c["index"]
            z, vec = dequantize(raw[f"z.{i}"], raw[f"s.{i}"]), raw[f"c.{i}"].float()
            for caption in (c["caption"], c["short"]):
                emb, mask = text[caption]
                (held if c["split"] == "test" else train).append(LatentItem(
                    key=c["clip_id"], path=c["clip_id"], latents=z, embedding=emb, mask=mask,
                    prompt=caption, clasp_audio=vec))
    return train, held
