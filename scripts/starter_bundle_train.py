"""Train the starter components on a GPU from a bundle made by `starter_bundle.py`.

    python3 scripts/starter_bundle_train.py --bundle runs/bundle --out OUT \
        --minutes 3.5 1.5 4          # autoencoder, CLASP, prior

One `train(spec)` run per stage (`ainur_studio.training.recipes.starter_bundle`), each with
the bundle's precomputed caption features instead of the text model (`text_features`
"lookup"): the autoencoder on random crops, CLASP (audio tower and heads), then the prior on
latents of the new autoencoder, conditioned on the caption tokens and each clip's audio vector
from the new CLASP (no lyrics). Each stage trains for its minutes (counted from its first step)
or `--steps`, in `OUT/<stage>`, and continues from its checkpoints when run again. Then the EMA
weights go to `OUT` in fp16 (files of at most 16 MB) with `log.json` (steps, losses, seconds);
`train_starter.py --import-weights OUT` turns them into the pack. On a machine without the
installed package, run it as `PYTHONPATH=. python3 scripts/...`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ainur_studio.progress import Callbacks, throttled
from ainur_studio.training.recipes.starter_bundle import (
    STAGES,
    Budget,
    BundleRun,
    run_log,
    stage_base,
    stage_log,
    stage_spec,
    write_weights,
)
from ainur_studio.training.train import train


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bundle", default="runs/bundle")
    p.add_argument("--out", required=True)
    p.add_argument("--minutes", type=float, nargs=3, default=[3.5, 1.5, 4.0],
                   help="time budget per stage: autoencoder, CLASP, prior")
    p.add_argument("--steps", type=int, nargs=3, default=[10**7] * 3,
                   help="at most this many steps per stage (the schedule's length too)")
    p.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    p.add_argument("--batch-div", type=int, default=1, help="divide batch sizes (smoke tests)")
    p.add_argument("--init", default="", help="pack to continue (e.g. resources/models/starter)")
    p.add_argument("--recipe", default="pack_starter",
                   help="without --init: the pack recipe fresh weights are drawn from")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cpu, cuda, ... (default: a GPU when present)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run = BundleRun(bundle=Path(args.bundle), out=Path(args.out), init=args.init,
                    recipe=args.recipe, batch_div=args.batch_div, seed=args.seed)
    reporter = Callbacks(report=throttled(
        lambda i: print(f"step {i['step']} loss {i['loss']:.4f}", flush=True), 30.0), log=print)
    log = run_log(run, args.device)
    for stage, minutes, steps in zip(STAGES, args.minutes, args.steps):
        if stage not in args.stages:
            continue
        spec = stage_spec(run, stage, base=stage_base(run, stage), steps=steps)
        start = time.monotonic()
        summary = train(spec, device=args.device, progress=Budget(minutes * 60.0, reporter))
        log[stage] = stage_log(run, stage, summary, time.monotonic() - start)
        reporter.log(f"{stage}: {log[stage]['steps']} steps, loss {log[stage]['last_loss']:.4f}")
    write_weights(run, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
