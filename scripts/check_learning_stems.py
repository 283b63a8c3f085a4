"""Learning check of the stems prior: does the structure track help it predict the stems?

Trains the `debug` pack's stems prior (five stems, structure track) with `train(spec)` for a
few minutes on CPU on a small genre corpus, then measures the held-out v-loss on clips it never
saw, on fixed crops with fixed noise (the same draws for every figure), three ways:

- `loss_step0`: the untrained prior (with its structure track);
- `loss_structure`: the trained prior given each crop's structure (grid, chords, notes, parts);
- `loss_no_structure`: the trained prior with the structure track nulled.

`passed` when training lowers the loss and the structure lowers it further. Condition dropout
is off while measuring. Writes `build/check-learning-stems.json`.

    .venv/bin/python scripts/check_learning_stems.py --corpus corpus-genres [--minutes 4]
    .venv/bin/python scripts/check_learning_stems.py --build 24   # renders a corpus first
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import time
import typing as tp
from pathlib import Path

import torch

from ainur_studio.data.datasets import collate_crops
from ainur_studio.progress import Callbacks, Deadline
from ainur_studio.training.recipes.stems_objective import StemsObjective
from ainur_studio.training.stems_cache import encode_clips
from ainur_studio.training.stems_corpus import load_stem_corpus, manifest_of
from ainur_studio.training.stems_crops import StemCropDataset
from ainur_studio.training.train import train

STRUCTURE_KEYS = ("structure", "structure_start_s", "parts")
PATH_KEYS = ("stems", "midi")


def build_corpus(out: Path, clips: int) -> Path:
    """Render `clips` genre clips (needs FluidSynth and a SoundFont)."""
    from ainur_studio.data.corpus.genres.build import GenreBuildConfig, build_genres

    genres = ["dnb", "house", "techno", "trap"]
    build_genres(GenreBuildConfig(out=str(out), seed=3, genres=genres, limit=clips,
                                  songs_per_genre=-(-clips // len(genres))))
    return out


def split_manifest(corpus: Path, out: Path, held_share: float) -> tuple[Path, Path]:
    """(train manifest, held-out manifest) in `out`, by clip, with absolute paths."""
    path = manifest_of(corpus)
    root = path.parent.resolve()
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    for row in rows:
        for key in PATH_KEYS:
            row[key] = {r: str(root / p) if p else None for r, p in row[key].items()}
        for key in ("labels_path", "lrc_path", "audio_path"):
            row[key] = str(root / row[key]) if row.get(key) else None
        row["split"] = "train"
    held = max(1, round(len(rows) * held_share))
    out.mkdir(parents=True, exist_ok=True)
    files = out / "train.jsonl", out / "held.jsonl"
    for file, part in zip(files, (rows[:-held], rows[-held:])):
        file.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    return files


class FixedCrops(StemCropDataset):
    """Crops at fixed (item, frame) positions, first caption (for comparable losses)."""

    def __init__(self, items: list, *, crop_frames: int, frame_rate: float, stride: int) -> None:
        super().__init__(items, crop_frames=crop_frames, frame_rate=frame_rate,
                         random_crop=False)
        self.starts = [(i, f) for i, it in enumerate(items)
                       for f in range(0, it.frames - crop_frames + 1, stride)]
        self._frame = 0

    def __len__(self) -> int:
        return len(self.starts)

    def offset(self, item: tp.Any) -> int:
        return self._frame

    def __getitem__(self, index: int) -> dict[str, tp.Any]:
        i, self._frame = self.starts[index]
        return super().__getitem__(i)


@torch.no_grad()
def held_out_losses(pack: tp.Any, crops: FixedCrops, *, seeds: int, batch: int = 16
                    ) -> dict[str, float]:
    """Mean v-loss of the pack's prior over the crops with and without structure, dropout
    off, fixed noise."""
    prior = copy.deepcopy(pack.prior).eval()
    prior.attach_text_encoder(pack.text_encoder)
    prior.text_dropout = prior.clasp_dropout = prior.structure_dropout = 0.0
    objective = StemsObjective(prior)
    losses: dict[str, list[float]] = {"structure": [], "no_structure": []}
    weights = []
    for seed in range(seeds):
        for start in range(0, len(crops), batch):
            items = [crops[i] for i in range(start, min(start + batch, len(crops)))]
            full = collate_crops(items)
            bare = {k: v for k, v in full.items() if k not in STRUCTURE_KEYS}
            for name, b in (("structure", full), ("no_structure", bare)):
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(1000 * seed + start)
                    losses[name].append(float(objective.training_losses(b)["loss"]))
            weights.append(len(items))
    w = torch.tensor(weights, dtype=torch.float64)
    mean = {k: float((torch.tensor(v, dtype=torch.float64) * w).sum() / w.sum())
            for k, v in losses.items()}
    diff = torch.tensor(losses["no_structure"]) - torch.tensor(losses["structure"])
    mean["gain_se"] = float(diff.std() / len(diff) ** 0.5)  # paired, per batch
    return mean


def check(corpus: Path, out: Path, *, minutes: float, batch: int, crop_seconds: float,
          lr: float, seeds: int) -> dict[str, tp.Any]:
    from ainur_studio.models.pretrained import load_pack

    shutil.rmtree(out / "run", ignore_errors=True)  # this script's own run folder
    train_manifest, held_manifest = split_manifest(corpus, out / "data", held_share=0.2)
    spec = {"data": str(train_manifest), "out": str(out / "run"), "base": "debug",
            "mode": "full", "steps": 100_000, "batch_size": batch, "lr": lr, "warmup": 100,
            "crop_seconds": crop_seconds, "save_every": 500, "ema_decay": 0.995,
            "cache_dir": str(out / "cache"), "data_kind": "stems"}
    log = Callbacks(log=lambda m: print(m, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    stopped = train(spec, progress=Deadline(minutes * 60, log))
    seconds = time.perf_counter() - t0
    done = train({**spec, "steps": stopped["steps"], "resume": True})  # exports the EMA
    base, trained = load_pack("debug"), load_pack(done["pack"])
    clips = load_stem_corpus(held_manifest)
    items, _ = encode_clips(clips.train + clips.held_out, base, cache_dir=out / "cache")
    frames = round(crop_seconds * base.prior.frame_rate) // base.prior.length_multiple \
        * base.prior.length_multiple
    crops = FixedCrops(items, crop_frames=frames, frame_rate=base.prior.frame_rate,
                       stride=frames)
    before = held_out_losses(base, crops, seeds=seeds)
    after = held_out_losses(trained, crops, seeds=seeds)
    result = {"train_clips": stopped["clips"], "held_out_clips": len(items),
              "held_out_crops": len(crops), "crop_frames": frames, "steps": done["steps"],
              "train_s": round(seconds, 1), "batch": batch, "final_train_loss": done["loss"],
              "loss_step0": before["structure"], "loss_step0_no_structure": before["no_structure"],
              "loss_structure": after["structure"], "loss_no_structure": after["no_structure"]}
    result["structure_gain"] = 1 - result["loss_structure"] / result["loss_no_structure"]
    result["loss_difference_se"] = after["gain_se"]  # standard error of the paired difference
    result["passed"] = (result["loss_structure"] < result["loss_no_structure"]
                        < result["loss_step0"])
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="a genre corpus folder")
    parser.add_argument("--build", type=int, default=0, help="render this many clips first")
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--crop-seconds", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seeds", type=int, default=4, help="noise draws per held-out crop")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--work", type=Path, default=Path("build/check-learning-stems"))
    parser.add_argument("--out", type=Path, default=Path("build/check-learning-stems.json"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    corpus = args.corpus
    if args.build:
        corpus = build_corpus(args.work / "corpus", args.build)
    if corpus is None:
        parser.error("give --corpus or --build N")
    result = check(corpus, args.work, minutes=args.minutes, batch=args.batch,
                   crop_seconds=args.crop_seconds, lr=args.lr, seeds=args.seeds)
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
