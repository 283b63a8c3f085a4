"""Train (or continue training) the starter pack and export it: `make starter`.

    python scripts/train_starter.py --minutes 20                  # every stage, 20 min each
    python scripts/train_starter.py --stages prior --minutes 30   # only the prior
    python scripts/train_starter.py --export-only

Each stage resumes from its newest checkpoint under --runs, or in a fresh clone from the
shipped pack's weights. A GPU is used when one is present. See docs/starter-model.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--manifest", default="corpus/manifest.jsonl", help="corpus manifest")
    p.add_argument("--runs", default="runs/starter", help="checkpoints (git-ignored)")
    p.add_argument("--pack", default="resources/models/starter", help="pack to write")
    p.add_argument("--stages", nargs="+", default=["autoencoder", "clasp", "prior"],
                   choices=("autoencoder", "clasp", "prior"), help="stages to train, in order")
    p.add_argument("--minutes", type=float, default=20.0, help="time budget per stage (20)")
    p.add_argument("--device", default=None, help="cpu, cuda (default: GPU when present)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    p.add_argument("--export-only", action="store_true", help="only export the newest weights")
    p.add_argument("--no-export", action="store_true", help="train without writing the pack")
    p.add_argument("--import-weights", default="", metavar="DIR",
                   help="write the pack from starter_bundle_train.py output in DIR")
    p.add_argument("--import-prior", default="", metavar="DIR",
                   help="write the pack with the prior of a run folder of "
                        "scripts/starter_prior_latents.py (the shipped autoencoder and CLASP "
                        "stay)")
    p.add_argument("--bundle", default="", help="with --import-weights / --import-prior: "
                                                "the bundle it used")
    p.add_argument("--continued", action="store_true",
                   help="with --import-weights: that run started from the shipped pack")
    return p.parse_args(argv)


def every_30_s(stage: str):
    """A progress report that prints the step and loss at most every 30 s."""
    from ainur_studio.progress import throttled

    return throttled(lambda info: print(f"{stage}: step {info['step']} loss "
                                        f"{info['loss']:.4f}", flush=True), 30.0)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    from ainur_studio.progress import Callbacks
    from ainur_studio.training.recipes import starter, starter_pack

    if args.threads:
        torch.set_num_threads(args.threads)
    paths = starter.StarterPaths(manifest=Path(args.manifest), runs=Path(args.runs),
                                 shipped=Path(args.pack))
    rows = starter.snapshot_manifest(paths.manifest, paths.snapshot)
    print(f"corpus snapshot: {rows} clips -> {paths.snapshot}", flush=True)
    if args.import_prior:
        folder = starter_pack.import_prior(paths, Path(args.import_prior), Path(args.pack),
                                      bundle=Path(args.bundle) if args.bundle else None)
        print(f"wrote {folder}", flush=True)
        return 0
    if args.import_weights:
        folder = starter_pack.import_weights(paths, Path(args.import_weights), Path(args.pack),
                                        bundle=Path(args.bundle) if args.bundle else None,
                                        continued=args.continued)
        print(f"wrote {folder}", flush=True)
        return 0
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if not args.export_only:
        for stage in args.stages:
            t0 = time.monotonic()
            summary = starter.train_stage(paths, stage, minutes=args.minutes, device=device,
                                          progress=Callbacks(report=every_30_s(stage),
                                                             log=print))
            print(f"{stage}: step {summary.get('steps')} loss {summary.get('loss')} "
                  f"({(time.monotonic() - t0) / 60:.1f} min)", flush=True)
    if not args.no_export:
        note = torch.cuda.get_device_name() if device.startswith("cuda") else \
            f"cpu, {torch.get_num_threads()} threads"
        folder = starter_pack.export_pack(paths, Path(args.pack), device_note=note)
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
        print(f"exported {folder} ({size:.1f} MB)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
