"""The CLASP recipe: the audio tower and heads contrasted with captions and lyrics (the frozen
text encoder is never trained), from scratch or from a pack's CLASP."""

from __future__ import annotations

import typing as tp

from ainur_studio.training.recipes.clasp_data import ClaspClipDataset, ClaspPair, collate_clips
from ainur_studio.training.recipes.module import Data, run_module
from ainur_studio.training.runs import RunEnv
from ainur_studio.training.sources import Sources
from ainur_studio.training.spec import RunSpec


def run(spec: RunSpec, sources: Sources, env: RunEnv) -> dict[str, tp.Any]:
    return run_module(spec, sources, env, data=data, validation=retrieval_validation)


def retrieval(model: tp.Any, dataset: tp.Any) -> dict[str, float]:
    """Flattened retrieval metrics of a whole dataset (every direction its items allow)."""
    from ainur_studio.metrics import retrieval_report

    items = [dataset[i] for i in range(len(dataset))]
    emb = {"audio": model.embed_audio([it["audio"] for it in items], allow_silent=True)}
    for kind, fn in (("text", model.embed_text), ("lyrics", model.embed_lyrics)):
        if all(it[kind].strip() for it in items):
            emb[kind] = fn([it[kind] for it in items])
    if len(emb) < 2 or len(items) < 2:
        return {}
    report = retrieval_report(emb)
    return {f"{d} {k}": v for d, m in report.items() for k, v in m.items() if k != "n"}


def retrieval_validation(held: tp.Any, _collate: tp.Any) -> tp.Callable[[tp.Any], dict]:
    return lambda model: retrieval(model, held)


def pairs(items: list) -> list[ClaspPair]:
    """Recordings with a caption or lyrics to contrast the audio with."""
    return [ClaspPair(path=it.path, text=it.prompt, lyrics=it.lyrics, lyrics_text=it.lyrics_text)
            for it in items if it.prompt.strip() or it.lyrics is not None or it.lyrics_text]


def data(spec: RunSpec, train: list, held: list, model: tp.Any) -> Data:
    if not pairs(train):
        raise ValueError(f"{spec.data}: no recording has a caption or lyrics to pair with; add "
                         "NAME.txt captions or NAME.lrc lyrics beside the audio files")
    rate = model.audio_sample_rate
    train_set = ClaspClipDataset(pairs(train), crop_seconds=spec.crop_seconds,
                                 sample_rate=rate)
    held_pairs = pairs(held)
    held_set = ClaspClipDataset(held_pairs, crop_seconds=spec.crop_seconds, sample_rate=rate,
                                random_crop=False) if len(held_pairs) >= 2 else None
    return train_set, held_set, collate_clips
