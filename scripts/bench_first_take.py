"""First-take benchmark: engine start -> ready -> pack loaded -> a finished 10 s take.

Starts the real engine process (``main.py engine``) `--runs` times and reports the median of
each figure: `ready_s` (start -> hello answered), `loaded_s` (start -> the pack is in memory),
`first_take_s` (start -> the first take written), `warm_take_s` (a second take), and
`idle_rss_mb` (the engine's resident memory after loading, before generating, from
/proc/<pid>/status). Every run has a fresh user folder; the app cache (what the app builds
once per install: the text backbone's ONNX export) is shared by the runs, so a first run with
an empty cache, reported apart as `after_install`, pays for building it and the runs after it
are the usual start. Prints JSON and writes it to `--out`.

    .venv/bin/python scripts/bench_first_take.py [--runs 3] [--out build/bench-first-take.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from engine import protocol as p
from engine.client import EngineClient, default_engine_command

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    """VmRSS of process `pid` in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_loaded(client: EngineClient, pack: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while pack not in (client.status().get("model") or "") and time.monotonic() < deadline:
        time.sleep(0.05)


def one_run(pack: str, duration_s: float, device: str, extra: list[str],
            cache: str) -> dict[str, float]:
    """Start an engine with a fresh user folder and the app cache `cache`, time its first
    take, stop it."""
    command = [*default_engine_command(), "--device", device, "--log-level", "WARNING", *extra]
    with tempfile.TemporaryDirectory() as home:
        t0 = time.monotonic()
        client = EngineClient(command=command,
                              env={"AINUR_STUDIO_HOME": home, "AINUR_STUDIO_CACHE": cache},
                              max_restarts=0)
        client.start()
        ready = time.monotonic() - t0
        take = {"model": pack, "prompt": "a calm chorale", "duration_s": duration_s,
                "seed": 1}
        listed = next((m for m in client.list_models() if m.get("name") == pack), {})
        take.update(listed.get("defaults") or {})  # the pack's recommended sampling, as the app
        try:
            if "--preload" not in extra:
                client.request(p.Method.LOAD_MODEL, {"model": pack})
            _wait_loaded(client, pack)
            loaded = time.monotonic() - t0
            assert client.proc is not None
            idle = rss_mb(client.proc.pid)
            first = _take(client, take) + loaded
            warm = _take(client, take)
        finally:
            client.close()
    return {"ready_s": ready, "loaded_s": loaded, "first_take_s": first,
            "warm_take_s": warm, "idle_rss_mb": idle}


def _take(client: EngineClient, request: dict) -> float:
    t0 = time.monotonic()
    event = client.wait_job(client.generate(request), timeout=300)
    if event.event != p.EventName.JOB_DONE.value:
        raise RuntimeError(f"the take failed: {event.data}")
    return time.monotonic() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="starter")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine-arg", action="append", default=[],
                        help="extra engine argument (repeatable), e.g. --engine-arg=--preload")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        after_install = one_run(args.pack, args.duration, args.device, args.engine_arg, cache)
        runs = [one_run(args.pack, args.duration, args.device, args.engine_arg, cache)
                for _ in range(args.runs)]
    result = {"pack": args.pack, "duration_s": args.duration, "device": args.device,
              "engine_args": args.engine_arg, "cores": os.cpu_count(),
              "after_install": after_install, "runs": runs,
              **{k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}}
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
