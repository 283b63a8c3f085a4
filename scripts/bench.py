"""Generation benchmark: per-stage times, real-time factor and peak memory.

For each config (`debug`, `small`) and device (CPU, and CUDA when present) it generates
2^20 samples (21.85 s at 48 kHz) with the pack's default sampler, steps and guidance, batch 1,
after one throw-away warm-up run, and reports the median of `--runs` runs. Weights are drawn
from the pack's seed: speed does not depend on training. Prints a machine line and a table and
writes the same figures to `build/bench.json`, keyed by config and device; `rtf` is seconds of
audio per second of compute (> 1 is faster than real time); `cpu_time_s` is the process CPU
time per run, a contention-robust figure on shared machines.

    .venv/bin/python scripts/bench.py [--configs debug small] [--runs 3] [--out build/bench.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import statistics
import time
from pathlib import Path

import torch

from ainur_studio.inference.generate import generate
from ainur_studio.models.factory import load_config
from ainur_studio.models.pretrained import build_pack
from ainur_studio.models.unet import count_parameters
from ainur_studio.types import GenerationRequest

SAMPLES = 1 << 20
RATE = 48_000


def machine() -> dict[str, object]:
    """CPU model, cores, threads, torch version and GPU name."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, object] = {"cpu": cpu, "cores": os.cpu_count(),
                               "torch_threads": torch.get_num_threads(),
                               "torch": torch.__version__, "python": platform.python_version()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_one(config: str, device: str, *, runs: int) -> dict[str, float | int | str]:
    """Median stage timings of `runs` generations of 2^20 samples with the pack's defaults."""
    pack = build_pack(load_config(f"pack_{config}")).to(device)
    d = pack.defaults
    request = GenerationRequest(prompt="energetic synth pop, drums, bass, 120 BPM",
                                duration_s=SAMPLES / RATE, seed=0, steps=int(d["steps"]),
                                sampler=str(d["sampler"]), guidance=float(d["guidance"]))
    generate(dataclasses.replace(request, steps=2), pack, device=device)  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    timings, cpu_times = [], []
    for _ in range(runs):
        cpu0 = time.process_time()
        result = generate(request, pack, device=device)
        cpu_times.append(time.process_time() - cpu0)
        timings.append(result.timings)
    med = {k: statistics.median(t.get(k, 0.0) for t in timings) for k in timings[0]}
    audio_s = SAMPLES / RATE
    out: dict[str, float | int | str] = {
        "sampler": request.sampler, "steps": request.steps, "guidance": request.guidance,
        "prior_params_m": round(count_parameters(pack.prior) / 1e6, 2),
        "audio_s": round(audio_s, 3), "text_s": med.get("text", 0.0),
        "prior_s": med["prior"], "prior_step_s": med["prior"] / request.steps,
        "decode_s": med["decode"], "total_s": med["total"],
        "rtf": audio_s / med["total"], "decoder_rtf": audio_s / med["decode"],
        # CPU seconds of the process per run: on a shared machine, with one thread, this is
        # close to what the run takes when it has a core to itself
        "cpu_time_s": statistics.median(cpu_times),
        "runs": runs,
    }
    if device == "cuda":
        out["peak_mem_mb"] = torch.cuda.max_memory_allocated() / 2**20
    else:
        out["peak_mem_mb"] = _peak_rss_mb()  # process peak RSS so far
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


COLUMNS = ("text_s", "prior_step_s", "prior_s", "decode_s", "total_s", "rtf", "decoder_rtf",
           "cpu_time_s", "peak_mem_mb")


def table(results: dict[str, dict[str, dict]]) -> str:
    head = f"{'config':8} {'device':6} {'steps':>5} " + " ".join(f"{c:>12}" for c in COLUMNS)
    lines = [head, "-" * len(head)]
    for config, per_device in results.items():
        for device, r in per_device.items():
            cells = " ".join(f"{r[c]:>12.3f}" for c in COLUMNS)
            lines.append(f"{config:8} {device:6} {r['steps']:>5} {cells}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["debug", "small"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    info = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    results: dict[str, dict[str, dict]] = {}
    for config in args.configs:
        for device in devices:
            runs = args.runs if device == "cpu" else max(args.runs, 10)
            started = time.perf_counter()
            results.setdefault(config, {})[device] = bench_one(config, device, runs=runs)
            results[config][device]["bench_wall_s"] = round(time.perf_counter() - started, 1)
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": info, "results": results}, indent=2) + "\n",
                        encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
