"""Training throughput of the prior: steps/s and samples/s for LoRA and full fine-tuning.

Builds a pack from a recipe (`pack_small` by default, weights from its seed), writes it to a
temporary folder, synthesises a few clips, and runs `ainur_studio.training.train.train` for each
batch size, timing the optimizer steps after the first `--warmup` ones (median interval).

  python scripts/bench_training.py --recipe pack_small --batch 1 2 4 --steps 6 --threads 2
  python scripts/bench_training.py --device cuda --precision bf16 --batch 8 16 0 --steps 30 \\
      --scratch-text                       (batch 0: picked from free GPU memory)

Prints one JSON line per (mode, batch) on stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from ainur_studio.models.factory import load_config
from ainur_studio.models.pretrained import build_pack, save_pack
from ainur_studio.progress import Callbacks
from ainur_studio.training.train import train

REPO = Path(__file__).resolve().parents[1]


def make_clips(folder: Path, *, count: int, seconds: float) -> Path:
    """`count` stereo harmonic tones with caption sidecars."""
    folder.mkdir(parents=True)
    t = np.arange(int(48_000 * seconds)) / 48_000
    for i in range(count):
        x = sum(0.2 / k * np.sin(2 * np.pi * 110 * (i + 2) * k * t) for k in (1, 2, 3))
        sf.write(folder / f"clip{i}.wav", np.stack([x, 0.8 * x], 1).astype(np.float32), 48_000)
        (folder / f"clip{i}.txt").write_text(f"tone {i}, warm synth pad")
    return folder


def recipe(name: str, *, scratch_text: bool) -> dict:
    """A pack recipe; `scratch_text` swaps the MiniLM text encoders for file-free ones of the
    same width (for machines without the bundled model; the prior's cost is unchanged)."""
    r = load_config(name)
    if scratch_text:
        scratch = {"hidden_size": 384, "num_layers": 2, "num_heads": 6, "max_positions": 512,
                   "seed": 0}
        r["text_encoder"] = {"type": "text_encoder", "scratch": scratch, "max_length": 64}
        comps = dict(r["components"])
        clasp = load_config(comps["clasp"]) if isinstance(comps.get("clasp"), str) else None
        if clasp is not None:
            clasp["config"]["text"] = {"scratch": scratch, "freeze": False}
            comps["clasp"] = clasp
        r["components"] = comps
    return r


def bench(args: argparse.Namespace, base: Path, data: Path, work: Path, mode: str,
          batch: int) -> dict:
    stamps: list[float] = []
    spec = {"data": str(data), "out": str(work / f"{mode}-{batch}"), "base": str(base),
            "mode": mode, "steps": args.steps, "batch_size": batch, "crop_seconds": args.crop,
            "save_every": 0, "holdout": 0.0, "rank": args.rank, "warmup": 0,
            "compile": args.compile, "decoder": "off"}  # the prior alone
    result = train(spec, device=args.device, precision=args.precision,
                   progress=Callbacks(report=lambda info: info["stage"] == "train"
                                      and stamps.append(time.perf_counter())))
    intervals = np.diff(stamps[args.warmup:]).tolist()
    step_s = statistics.median(intervals) if intervals else float("nan")
    used = result["batch_size"]
    return {"recipe": args.recipe, "mode": mode, "batch": used, "asked": batch,
            "crop_s": args.crop, "steps_per_s": round(1 / step_s, 4),
            "samples_per_s": round(used / step_s, 3),
            "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu", "precision": args.precision,
            "threads": torch.get_num_threads(), "compile": args.compile,
            "trainable_parameters": result["trainable_parameters"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="pack_small")
    parser.add_argument("--modes", nargs="+", default=["lora", "full"])
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=2, help="steps left out of the timing")
    parser.add_argument("--crop", type=float, default=10.0, help="crop seconds")
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--device", default=None)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--compile", action="store_true", help="torch.compile the step")
    parser.add_argument("--clips", type=int, default=0, help="clips (default max(batch, 8))")
    parser.add_argument("--scratch-text", action="store_true",
                        help="file-free text encoders instead of the bundled MiniLM")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pack = build_pack(recipe(args.recipe, scratch_text=args.scratch_text))
        base = save_pack(pack, work / "base")
        count = args.clips or max(max(args.batch), 8)
        data = make_clips(work / "clips", count=count, seconds=args.crop + 2)
        for mode in args.modes:
            for batch in args.batch:
                print(json.dumps(bench(args, base, data, work, mode, batch)), flush=True)


if __name__ == "__main__":
    main()
