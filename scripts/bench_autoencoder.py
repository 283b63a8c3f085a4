"""Decoder speed of the stage-1 autoencoder configs on this machine's CPU.

Decodes 2^20 samples (21.85 s, the generation length) at batch 1, warm, and reports the median
of several runs as a real-time factor (seconds of audio per second of compute; > 1 is faster
than real time), plus the decoder's matmul/conv FLOPs per audio-second. Random weights: speed
does not depend on training.

    .venv/bin/python scripts/bench_autoencoder.py [--configs debug small] [--runs 7]
        [--threads 2] [--out build/bench-autoencoder.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from ainur_studio.models.autoencoder import (
    create_autoencoder_from_config,
    load_autoencoder_config,
)

SAMPLES = 2**20


def bench_decoder(config: str, *, runs: int = 7, threads: int | None = None,
                  chunk_frames: int | None = None, samples: int = SAMPLES
                  ) -> dict[str, float | int | str]:
    """Time `decode` (or `decode_chunked` when `chunk_frames` is set) of a latent for
    `samples` audio samples (default 2^20).

    Returns:
        `rtf` (audio seconds per wall-clock second, from the median run), `median_s`, `min_s`,
        `cpu_s` (median process CPU time, all threads: on a busy machine it shows what the
        decode costs when it has the cores to itself), `gflop_per_audio_s`, `params_m`
        (decoder), `threads`, `runs`.
    """
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = create_autoencoder_from_config(load_autoencoder_config(config)).eval()
    frames = model.latent_frames(samples)
    z = torch.rand(1, model.latent_channels, frames) * 2 - 1
    audio_s = frames * model.downsampling_ratio / model.sample_rate

    def decode() -> torch.Tensor:
        if chunk_frames:
            return model.decode_chunked(z, chunk_frames=chunk_frames,
                                        overlap_frames=2 * model.decoder.receptive_frames + 1)
        return model.decode(z)

    with torch.inference_mode():
        with FlopCounterMode(display=False) as counter:
            decode()  # also the warm-up run
        times, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            decode()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    median = statistics.median(times)
    return {"config": config, "rtf": round(audio_s / median, 2), "median_s": round(median, 4),
            "min_s": round(min(times), 4), "audio_s": round(audio_s, 3),
            "cpu_s": round(statistics.median(cpu), 4),
            "gflop_per_audio_s": round(counter.get_total_flops() / 1e9 / audio_s, 3),
            "params_m": round(sum(p.numel() for p in model.decoder.parameters()) / 1e6, 3),
            "threads": torch.get_num_threads(), "runs": runs,
            "chunk_frames": chunk_frames or 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["debug", "small"])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--chunk-frames", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    results = {name: bench_decoder(name, runs=args.runs, threads=args.threads,
                                   chunk_frames=args.chunk_frames) for name in args.configs}
    machine = f"{platform.processor() or platform.machine()}, torch {torch.__version__}"
    print(f"machine: {machine}, {torch.get_num_threads()} threads")
    print(f"{'config':8} {'rtf':>8} {'median s':>9} {'cpu s':>8} {'GFLOP/s-audio':>14} "
          f"{'params M':>9}")
    for name, r in results.items():
        print(f"{name:8} {r['rtf']:>8} {r['median_s']:>9} {r['cpu_s']:>8} "
              f"{r['gflop_per_audio_s']:>14} {r['params_m']:>9}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": machine, "decode": results}, indent=2))


if __name__ == "__main__":
    main()
