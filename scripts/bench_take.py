"""Time one take length with a pack's defaults, in this checkout or an older one: the A/B of
the starter's 22 s take against an earlier main, run in the same session on the same cores.

Loads the pack once, makes one warm-up take, then times `--runs` takes (seed = run) and
prints JSON: the pack's defaults (sampler, schedule, steps), the steps used, every time and
their median. `--steps pack` (the default) takes the pack's recommended steps, as the app and
the CLI do; a number takes that many (the app before packs recommended steps sent 24).
`--tree` runs it against another checkout of the project (e.g. a `git worktree` of an earlier
commit): that tree's packages are imported instead of this one's, with the same script, so
both sides measure the same thing.

    .venv/bin/python scripts/bench_take.py [--pack starter] [--seconds 22] [--runs 5]
        [--steps pack|N] [--tree ../before] [--threads 2]

`--recipe pack_stems_starter` times a pack built from a recipe with fresh weights instead (a
pack not trained yet: the time of a take does not depend on the weights' values); with
`--parts`, the take asks for those stems (default: every stem the prior makes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path


def use_tree(tree: Path) -> None:
    """Import the project's packages from `tree` rather than from the installed checkout."""
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__
                        and "editable" not in repr(f).lower()]
    sys.path.insert(0, str(tree.resolve()))
    for name in [m for m in sys.modules if m.split(".")[0] in ("ainur_studio", "engine")]:
        del sys.modules[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="starter")
    parser.add_argument("--recipe", help="a configs/pack_*.json recipe, built with fresh weights")
    parser.add_argument("--seconds", type=float, default=22.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", default="pack", help="'pack' or a number of steps")
    parser.add_argument("--tree", type=Path, help="another checkout of the project")
    args = parser.parse_args()
    if args.tree is not None:
        use_tree(args.tree)
    import torch

    torch.set_num_threads(args.threads)
    import ainur_studio
    from ainur_studio.inference.generate import generate
    from ainur_studio.models.factory import load_config
    from ainur_studio.models.pretrained import build_pack, load_pack
    from ainur_studio.types import GenerationRequest, Structure

    pack = build_pack(load_config(args.recipe)) if args.recipe else load_pack(args.pack)
    parts = list(getattr(pack.prior, "roles", None) or [])
    steps = int(pack.defaults.get("steps", 24)) if args.steps == "pack" else int(args.steps)

    def once(seed: int) -> float:
        request = GenerationRequest(prompt="lo-fi hip hop beat, dusty drums, mellow rhodes",
                                    duration_s=args.seconds, seed=seed, model=pack.name,
                                    steps=steps, structure=Structure(parts=parts))
        start = time.perf_counter()
        generate(request, pack)
        return time.perf_counter() - start

    once(0)
    times = [once(seed) for seed in range(1, args.runs + 1)]
    print(json.dumps({"tree": str(Path(ainur_studio.__file__).parents[1]),
                      "pack": args.recipe or args.pack, "stems": parts,
                      "seconds": args.seconds,
                      "defaults": {k: pack.defaults.get(k) for k in
                                   ("sampler", "schedule", "steps")},
                      "steps": steps,
                      "times_s": [round(t, 3) for t in times],
                      "median_s": round(statistics.median(times), 3)}, indent=2))


if __name__ == "__main__":
    main()
