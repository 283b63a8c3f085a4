"""The compiled mode's cost and gain: each run is a fresh process that loads the pack, compiles
the prior (`ainur_studio.inference.compiled`) and makes takes of one length; two runs share one
compile cache, so the first pays the compile and the second shows what is left of it once the
cache holds the graph (what every later engine on an install pays). An eager run beside them
gives the reference.

Per run: the first take's time (compile included), the median of the next takes, and the
audio's largest difference from the eager take with the same seed.

    .venv/bin/python scripts/bench_compile.py [--pack starter] [--seconds 10] [--takes 3]
        [--out build/bench-compile.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_process(pack_name: str, seconds: float, takes: int, compile_prior: bool,
                audio_out: Path) -> dict:
    """Runs in a fresh interpreter (see `main`)."""
    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    from ainur_studio.inference.compiled import compile_prior as compile_pack
    from ainur_studio.inference.generate import generate
    from ainur_studio.models.pretrained import load_pack
    from ainur_studio.types import GenerationRequest

    pack = load_pack(pack_name)
    if compile_prior:
        compile_pack(pack)
    steps = int(pack.defaults.get("steps", 24))
    times, first_audio = [], None
    for _ in range(takes + 1):
        request = GenerationRequest(prompt="lo-fi hip hop beat, dusty drums, mellow rhodes",
                                    duration_s=seconds, seed=0, steps=steps, model=pack.name)
        start = time.perf_counter()
        audio = generate(request, pack).audio[0]
        times.append(time.perf_counter() - start)
        first_audio = audio if first_audio is None else first_audio
    torch.save(first_audio, audio_out)
    return {"first_take_s": round(times[0], 2),
            "next_takes_s": round(statistics.median(times[1:]), 3), "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="starter")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--takes", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("build/bench-compile.json"))
    parser.add_argument("--child", nargs=2, metavar=("COMPILE", "AUDIO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = one_process(args.pack, args.seconds, args.takes, args.child[0] == "1",
                             Path(args.child[1]))
        print(json.dumps(result))
        return
    import torch

    rows = {}
    with tempfile.TemporaryDirectory() as work:
        env = {k: v for k, v in os.environ.items() if k != "TORCHINDUCTOR_CACHE_DIR"}
        env["AINUR_STUDIO_CACHE"] = str(Path(work) / "cache")
        for name, flag in (("eager", "0"), ("compiled, empty cache", "1"),
                           ("compiled, cache filled", "1")):
            audio = Path(work) / f"{len(rows)}.pt"
            start = time.perf_counter()
            out = subprocess.run(
                [sys.executable, __file__, "--pack", args.pack, "--seconds", str(args.seconds),
                 "--takes", str(args.takes), "--child", flag, str(audio)],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            row["process_s"] = round(time.perf_counter() - start, 1)
            row["max_diff_vs_eager"] = round(float(
                (torch.load(audio) - torch.load(Path(work) / "0.pt")).abs().max()), 5)
            rows[name] = row
            print(f"{name:24} first take {row['first_take_s']:7.2f} s, then "
                  f"{row['next_takes_s']:.3f} s a take (process {row['process_s']} s, "
                  f"max diff vs eager {row['max_diff_vs_eager']})", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"pack": args.pack, "seconds": args.seconds, "rows": rows},
                                   indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
