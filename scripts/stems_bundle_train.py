"""Train the stems prior (starter pack 2's) on a stems bundle, on a GPU machine, and turn the
weights it brings back into a pack.

    # on the GPU machine (the bundle from scripts/stems_bundle.py carried along):
    PYTHONPATH=. python3 scripts/stems_bundle_train.py train --bundle build/stems-bundle \
        --out $OUT/stems --minutes 8 [--batch-size 32] [--crop-seconds 10]
    # here, with what came back:
    .venv/bin/python scripts/stems_bundle_train.py import --weights OUT/stems \
        --out runs/stems-starter-pack [--name stems-starter]

`train` is one `train(spec)` run: mode "scratch" with `--config` (`prior_stems_starter`) on
`--base` (the pack whose autoencoder encoded the bundle; the bundle refuses another), text
looked up from the bundle (no text model loads), for `--minutes` counted from the first step
or `--steps`, in `OUT/run`; called again with the same `--out` (and the run folder carried
back) it resumes from the newest checkpoint. Then the EMA weights of the prior go to `OUT` as
fp16 files of at most 16 MB (`prior0/1.safetensors`) with `log.json` (steps, seconds of all
calls of the run, batch, losses, device). `import` builds the base pack with a fresh prior of
the config, loads those weights into it and saves the pack (fp16), recording the run in
`pack.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

PARTS = 2  # prior files (16 MB each at most in fp16)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the stems prior on a bundle")
    t.add_argument("--bundle", type=Path, required=True)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--base", default="starter", help="the pack the bundle was encoded with")
    t.add_argument("--config", default="prior_stems_starter")
    t.add_argument("--minutes", type=float, default=8.0, help="budget from the first step")
    t.add_argument("--steps", type=int, default=10**7, help="at most this many steps")
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--crop-seconds", type=float, default=10.0)
    t.add_argument("--lr", type=float, default=3e-4)
    t.add_argument("--warmup", type=int, default=200)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default=None, help="cpu, cuda, ... (default: a GPU when present)")
    i = sub.add_parser("import", help="a pack from the weights `train` wrote")
    i.add_argument("--weights", type=Path, required=True)
    i.add_argument("--out", type=Path, required=True)
    i.add_argument("--name", default="stems-starter")
    return p.parse_args(argv)


def train_spec(args: argparse.Namespace) -> dict:
    """The `RunSpec` of the run (resumed when `OUT/run` has checkpoints)."""
    return {"data": str(args.bundle), "out": str(args.out / "run"), "base": args.base,
            "mode": "scratch", "config": args.config, "text_features": "lookup",
            "steps": args.steps, "batch_size": args.batch_size, "lr": args.lr,
            "warmup": args.warmup, "crop_seconds": args.crop_seconds, "save_every": 500,
            "keep_last": 1, "ema_decay": 0.999, "seed": args.seed, "resume": True,
            "preview_every": 0, "name": "stems-bundle-prior"}


def run_train(args: argparse.Namespace) -> Path:
    """Train (or continue), then write the prior's EMA weights and `log.json` to `args.out`."""
    import torch

    from ainur_studio.models.factory import create_model_from_config
    from ainur_studio.models.pretrained import external_prefixes
    from ainur_studio.progress import Callbacks, throttled
    from ainur_studio.training.distributed import pick_device
    from ainur_studio.training.recipes.module import resolve_config
    from ainur_studio.training.recipes.starter import load_trained, newest_checkpoint
    from ainur_studio.training.recipes.starter_bundle import Budget
    from ainur_studio.training.recipes.starter_pack import save_fp16_parts
    from ainur_studio.training.runs import History
    from ainur_studio.training.train import train

    args.out.mkdir(parents=True, exist_ok=True)
    reporter = Callbacks(report=throttled(
        lambda i: print(f"step {i['step']} loss {i['loss']:.4f}", flush=True), 30.0), log=print)
    earlier = previous_seconds(args.out / "log.json", resumed=newest_checkpoint(
        args.out / "run") is not None)
    start = time.monotonic()
    summary = train(train_spec(args), device=args.device,
                    progress=Budget(args.minutes * 60.0, reporter))
    seconds = time.monotonic() - start + earlier
    checkpoint = newest_checkpoint(args.out / "run")
    if checkpoint is None:
        raise SystemExit(f"the run in {args.out / 'run'} wrote no checkpoint")
    prior = create_model_from_config(resolve_config("prior", args.config))
    load_trained(prior, checkpoint, prefix="prior.")
    external = external_prefixes(prior)
    state = {k: v for k, v in prior.state_dict().items() if not k.startswith(external)}
    save_fp16_parts(state, args.out, "prior", parts=PARTS)
    losses = [r["loss"] for r in History(args.out / "run").read() if "loss" in r]
    dev = pick_device(args.device)
    log = {"bundle": args.bundle.name, "base": args.base, "config": args.config,
           "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else str(dev),
           "steps": summary["steps"], "seconds": round(seconds, 1),
           "batch": summary["batch_size"], "crop_seconds": args.crop_seconds, "lr": args.lr,
           "first_loss": losses[:20], "last_loss": sum(losses[-50:]) / max(len(losses[-50:]), 1),
           "curve": losses[:: max(len(losses) // 60, 1)], "clips": summary.get("clips")}
    (args.out / "log.json").write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: log[k] for k in ("device", "steps", "seconds", "last_loss")}))
    return args.out


def previous_seconds(log_file: Path, *, resumed: bool) -> float:
    """Training seconds of the earlier calls of a run (0 for a new run).

    `log.json` is rewritten at the end of every call, so its `seconds` are those of all calls
    before this one; a run folder without checkpoints (`resumed` false) starts the count again.
    """
    if not resumed or not log_file.is_file():
        return 0.0
    try:
        return float(json.loads(log_file.read_text(encoding="utf-8")).get("seconds", 0.0))
    except (ValueError, TypeError, AttributeError):
        return 0.0


def run_import(args: argparse.Namespace) -> Path:
    """The base pack with the trained stems prior, saved in fp16 to `args.out`."""
    import torch

    from ainur_studio.models.pretrained import load_pack, save_pack
    from ainur_studio.training.recipes.prior import fresh_prior
    from ainur_studio.training.recipes.starter_pack import load_weight_files

    log_file = args.weights / "log.json"
    if not log_file.is_file():
        raise SystemExit(f"{args.weights} holds no log.json: give the folder "
                         "`stems_bundle_train.py train --out` wrote")
    log = json.loads(log_file.read_text(encoding="utf-8"))
    files = sorted(args.weights.glob("prior[0-9].safetensors"))
    if len(files) != PARTS:
        raise SystemExit(f"{args.weights} holds {len(files)} prior files, expected {PARTS} "
                         "(prior0.safetensors, prior1.safetensors)")
    base = log["base"]
    pack = load_pack(base)
    fresh_prior(pack, log["config"], seed=0)
    load_weight_files(pack.prior, files)
    run = {k: log[k] for k in ("bundle", "device", "steps", "seconds", "batch",
                               "crop_seconds", "lr", "last_loss")}
    return save_pack(pack, args.out, name=args.name, dtype=torch.float16,
                     training_data=f"the stems prior trained on stems bundle {log['bundle']} "
                                   f"(genre corpus) on base {base}",
                     extra={"stems_training": run})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = run_train(args) if args.command == "train" else run_import(args)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
