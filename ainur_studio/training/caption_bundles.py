"""Caption bundles as training data: clips with their captions' text features precomputed.

A caption bundle (`write_bundle`; `scripts/starter_bundle.py` makes one of the corpus) is a
folder with `items.json` (per clip: `file`, `caption`, `split`, `piece_id`, ...), the clips
(e.g. `audio/*.ogg`) and `text.safetensors`: per item i the prior text encoder's token
embeddings of its caption (`emb.i` [n, D], real tokens only) and CLASP's pooled caption
features (`pooled.i` [W]), as `caption_features` computes them. Any recipe trains on it; with
`text_features` "lookup" the features stand for the text models (`lookup_text`).

The clips are decoded once into `decoded/` beside them (WAV, float; ~1.4 GB per hour), so
random crops are read without decoding Vorbis at every step.
"""

from __future__ import annotations

import json
import os
import typing as tp
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from ainur_studio.data.ingest import DatasetItem, DatasetReport, Skipped, inspect_file
from ainur_studio.fileio import atomic_write, atomic_write_text
from ainur_studio.training.lookup_text import CaptionFeatures

ITEMS, TEXT, DECODED = "items.json", "text.safetensors", "decoded"
HELD_OUT = ("test", "val", "valid", "validation")


def is_caption_bundle(folder: Path) -> bool:
    return (folder / ITEMS).is_file() and (folder / TEXT).is_file()


@torch.no_grad()
def caption_features(captions: tp.Sequence[str], *, encoder: tp.Any, tower: tp.Any,
                     max_length: int = 64, tower_max_length: int = 128
                     ) -> dict[str, torch.Tensor]:
    """`text.safetensors`' tensors for items with these captions: the prior text encoder's
    tokens (`encoder(texts, max_length=) -> (emb, mask)`) and CLASP's text tower's pooled
    features (`tower(texts, max_length=) -> [B, W]`)."""
    tensors = {}
    for i, text in enumerate(captions):
        emb, mask = encoder([text], max_length=max_length)
        n = int(mask[0].sum())
        tensors[f"emb.{i}"] = emb[0, :n].to(torch.float16).cpu().contiguous()
        tensors[f"pooled.{i}"] = tower([text], max_length=tower_max_length)[0].float().cpu()
    return tensors


def write_bundle(folder: Path, items: list[dict[str, tp.Any]],
                 tensors: dict[str, torch.Tensor]) -> Path:
    """Write `text.safetensors` and `items.json` (atomically) into `folder`, which holds the
    items' audio files already."""
    from safetensors.torch import save_file

    atomic_write(folder / TEXT, lambda temp: save_file(tensors, str(temp)))
    atomic_write_text(folder / ITEMS, json.dumps(items, indent=1) + "\n")
    return folder


def read_features(folder: Path, items: list[dict[str, tp.Any]]) -> CaptionFeatures:
    """The bundle's table. Raises `ValueError` naming an item whose features are missing."""
    from safetensors.torch import load_file

    raw = load_file(str(folder / TEXT))
    tokens, pooled = {}, {}
    for i, it in enumerate(items):
        if f"emb.{i}" not in raw or f"pooled.{i}" not in raw:
            raise ValueError(f"{folder / TEXT} has no text features for item {i} "
                             f"({it.get('file')}, caption {it.get('caption')!r}); rebuild the "
                             "bundle (scripts/starter_bundle.py)")
        tokens[it["caption"]], pooled[it["caption"]] = raw[f"emb.{i}"], raw[f"pooled.{i}"]
    return CaptionFeatures(tokens, pooled, where=str(folder / TEXT))


def bundle_features(folder: Path) -> CaptionFeatures:
    """The caption table of the bundle in `folder` (see `read_features`)."""
    return read_features(folder, json.loads((folder / ITEMS).read_text(encoding="utf-8")))


def _decoded(folder: Path, file: str) -> Path:
    """The clip decoded to `decoded/<name>.wav` (written once, again when the clip is newer);
    the clip itself when it cannot be decoded (the report then says why) or the bundle is
    read-only (crops then decode it)."""
    import soundfile as sf

    src, dst = folder / file, folder / DECODED / f"{Path(file).stem}.wav"
    if dst.is_file() and src.is_file() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst
    try:
        data, rate = sf.read(str(src), dtype="float32", always_2d=True)
    except (OSError, RuntimeError):
        return src
    try:
        dst.parent.mkdir(exist_ok=True)
        atomic_write(dst, lambda temp: sf.write(str(temp), data, rate, format="WAV",
                                                subtype="FLOAT"))
    except OSError:
        return src
    return dst


def _inspect(folder: Path, it: dict[str, tp.Any], min_seconds: float) -> DatasetItem | Skipped:
    result = inspect_file(_decoded(folder, it["file"]), min_seconds=min_seconds)
    if isinstance(result, DatasetItem):
        result.prompt = it["caption"]
    return result


def load_bundle(folder: Path, *, min_seconds: float
                ) -> tuple[DatasetReport, list[DatasetItem], list[DatasetItem], CaptionFeatures]:
    """(report, training items, held-out items, caption table) of a caption bundle; an
    unreadable or too short clip is reported and skipped."""
    items = json.loads((folder / ITEMS).read_text(encoding="utf-8"))
    for n, it in enumerate(items):
        if not (isinstance(it, dict) and isinstance(it.get("file"), str)
                and isinstance(it.get("caption"), str)):
            raise ValueError(f"{folder / ITEMS}: item {n} needs a \"file\" and a \"caption\" "
                             "string")
    table = read_features(folder, items)
    with ThreadPoolExecutor(min(8, os.cpu_count() or 1)) as pool:
        results = list(pool.map(lambda it: _inspect(folder, it, min_seconds), items))
    report, train, held = DatasetReport(str(folder)), [], []
    for it, result in zip(items, results):
        if isinstance(result, Skipped):
            report.skipped.append(result)
            continue
        report.items.append(result)
        (held if str(it.get("split", "train")).lower() in HELD_OUT else train).append(result)
    return report, train, held, table
