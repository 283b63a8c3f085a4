"""Train the starter prior from a latent bundle made by `starter_latents.py` (GPU or CPU).

    python3 scripts/starter_prior_latents.py --bundle runs/latents --run runs/prior-latents \
        --minutes 8 --max-steps 14000 [--init resources/models/starter]

One `train(spec)` run of the prior recipe (`ainur_studio.training.recipes.prior`) on the
bundle's encoded clips: random crops, each clip twice (its corpus caption and its short
"genre, instruments, key" caption), conditioned on the caption tokens and the clip's CLASP
audio vector (no lyrics). Checkpoints go to `--run` and a later call resumes from there.
`--init PACK` continues a pack's prior (mode full; its latent scale is kept), otherwise a
fresh `prior_starter` prior is trained with `--latent-scale` (mode scratch, on the shipped
pack's autoencoder and CLASP). The run exports a pack to `<run>/pack`;
`train_starter.py --import-prior RUN` turns its prior into the starter pack. On a machine
without the installed package, run it as `PYTHONPATH=. python3 scripts/...`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ainur_studio.progress import Callbacks, Deadline, throttled
from ainur_studio.training.train import train

FRAME_RATE = 46.875  # latent frames per second of the starter autoencoder


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bundle", required=True, help="latent bundle folder")
    p.add_argument("--run", required=True, help="run folder (resumed when present)")
    p.add_argument("--minutes", type=float, default=8.0)
    p.add_argument("--max-steps", type=int, default=14_000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--crop-frames", type=int, default=464)
    p.add_argument("--compile", action="store_true")
    p.add_argument("--init", default="", help="pack folder whose prior to continue")
    p.add_argument("--base", default="resources/models/starter",
                   help="from scratch: the pack whose autoencoder and CLASP the prior uses")
    p.add_argument("--latent-scale", type=float, default=2.75,
                   help="from scratch: the prior's latent scale (1 / latent std)")
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch's default)")
    p.add_argument("--device", default=None, help="cpu, cuda (default: a GPU when present)")
    return p.parse_args(argv)


def spec(args: argparse.Namespace) -> dict:
    """The run's `RunSpec`: full from `--init`, or a fresh prior with `--latent-scale`."""
    common = {"data": args.bundle, "out": args.run, "component": "prior",
              "steps": args.max_steps, "batch_size": args.batch, "lr": args.lr,
              "warmup": args.warmup, "crop_seconds": args.crop_frames / FRAME_RATE,
              "save_every": 500, "keep_last": 1, "ema_decay": 0.999, "seed": 0,
              "compile": args.compile, "resume": True, "name": "starter-prior"}
    if args.init:
        return {**common, "base": args.init, "mode": "full"}
    return {**common, "base": args.base, "mode": "scratch", "config": str(scratch_config(args))}


def scratch_config(args: argparse.Namespace) -> Path:
    """`prior_starter` with the chosen latent scale, kept in the run folder."""
    from ainur_studio.models.factory import load_config

    config = load_config("prior_starter")
    config["config"]["latent_scale"] = args.latent_scale
    path = Path(args.run) / "prior_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    progress = Deadline(args.minutes * 60.0, Callbacks(report=throttled(
        lambda i: print(f"step {i['step']} loss {i['loss']:.4f}", flush=True), 30.0), log=print))
    summary = train(spec(args), device=args.device, progress=progress)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
