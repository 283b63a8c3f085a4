"""Write a stems bundle: a genre corpus encoded for a stems prior, for a GPU machine that has
neither the corpus nor the text model (`ainur_studio/training/stems_bundle.py`).

    .venv/bin/python scripts/stems_bundle.py --corpus corpus-genres --base starter \
        --config prior_stems_starter --out build/stems-bundle [--clips 200] [--max-mib 64] \
        [--excerpt-s 20]

Clips are taken in manifest order (the corpus is round-robin over its genres, so a prefix is
balanced), encoded through the run cache (`--cache`, reused between calls), cut to an excerpt
of `--excerpt-s` seconds (0: whole clips; more clips of fewer seconds each give training more
genres, sounds and progressions for the same bytes) and added while the bundle stays within
`--max-mib`. Train on it with the same recipe as on the corpus:
`train({"data": OUT, "base": BASE, "mode": "scratch", "config": CONFIG,
"text_features": "lookup", ...})` (or mode "full" on a base whose prior makes stems).
Prints a JSON report (clips, hours, MiB, hours per 64 MiB).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ainur_studio.models.pretrained import load_pack
from ainur_studio.training.recipes.prior import fresh_prior
from ainur_studio.training.stems_bundle import excerpt, item_bytes, write_stems_bundle
from ainur_studio.training.stems_cache import encode_clips
from ainur_studio.training.stems_corpus import load_stem_corpus

MIB = 2 ** 20


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def text_bytes(pack, item) -> int:
    """An item's text features in the bundle (real tokens in int8 with a scale each, a pooled
    vector per caption in fp32): the captions' token counts as encoded, each lyric line's
    bounded by two tokens a word (the write below trims should a bundle still outgrow the
    budget)."""
    width = pack.prior.text_features
    caption_tokens = sum(int(mask.sum()) for _, mask in item.embeddings)
    lines = item.lyrics.lines if item.lyrics is not None else []
    line_tokens = sum(min(pack.prior.text_max_length, 2 + 2 * len(line.text.split()))
                      for line in lines)
    return (caption_tokens + line_tokens) * (width + 4) + len(item.captions) * width * 4


def choose(pack, corpus, *, clips: int, budget: int, cache: Path, excerpt_s: float = 0.0
           ) -> list[tuple]:
    """(item, split) pairs in manifest order, cut to `excerpt_s` (0: whole), while they fit in
    `budget` bytes."""
    chosen, used = [], 0
    ordered = sorted(corpus.train + corpus.held_out, key=lambda c: c.clip_id.rsplit("-", 1)[-1])
    for clip in ordered:
        if len(chosen) >= clips:
            break
        items, skipped = encode_clips([clip], pack, cache_dir=cache)
        for s in skipped:
            print(f"skipped {s.path}: {s.reason} ({s.detail})", file=sys.stderr)
        if not items:
            continue
        if excerpt_s > 0:
            rate = pack.prior.frame_rate
            items = [excerpt(items[0], round(excerpt_s * rate), rate)]
        size = item_bytes(items[0]) + text_bytes(pack, items[0])
        if used + size > budget:
            break
        chosen.append((items[0], clip.split))
        used += size
        print(f"encoded {len(chosen)}: {clip.clip_id} ({used / MIB:.1f} MiB)", file=sys.stderr)
    return chosen


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", type=Path, required=True, help="genre corpus folder or manifest")
    p.add_argument("--base", default="debug", help="pack whose autoencoder encodes the stems")
    p.add_argument("--config", default="", help="a stems prior config to train from scratch on "
                   "the base (e.g. prior_stems_starter); default: the base's own prior")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--clips", type=int, default=10_000)
    p.add_argument("--max-mib", type=float, default=64.0)
    p.add_argument("--excerpt-s", type=float, default=20.0,
                   help="seconds of each clip to keep (0: the whole clip)")
    p.add_argument("--cache", type=Path, default=Path("build/stems-cache"))
    args = p.parse_args(argv)
    pack = load_pack(args.base)
    if args.config:
        fresh_prior(pack, args.config, seed=0)
    corpus = load_stem_corpus(args.corpus)
    for s in corpus.report.skipped:
        print(f"skipped {s.path}: {s.reason} ({s.detail})", file=sys.stderr)
    budget = int(args.max_mib * MIB)
    chosen = choose(pack, corpus, clips=args.clips, budget=budget, cache=args.cache,
                    excerpt_s=args.excerpt_s)
    if not chosen:
        print("no clip fits", file=sys.stderr)
        return 1
    while True:  # trims only if the estimate fell short
        write_stems_bundle(args.out, pack, chosen)
        if folder_bytes(args.out) <= budget or len(chosen) == 1:
            break
        chosen = chosen[:-1]
    seconds = sum(it.frames for it, _ in chosen) / pack.prior.frame_rate
    size = folder_bytes(args.out)
    print(json.dumps({"clips": len(chosen), "hours": round(seconds / 3600, 3),
                      "mib": round(size / MIB, 2),
                      "hours_per_64_mib": round(seconds / 3600 * 64 * MIB / size, 3),
                      "held_out": sum(s == "test" for _, s in chosen), "base": pack.name,
                      "out": str(args.out)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
