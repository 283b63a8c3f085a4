"""Length scaling and seams: what a take costs per second of audio from 5 s to 3 minutes, and
whether the joins between its windows show.

For each length it generates one take with the pack's defaults (after a warm-up) and reports
the generation time, the time per second of audio relative to the 22 s take, the sampler
passes, and a seam score: at each join between windows, the spectral flux of the mix (L2
change of its log-mel frame from one frame to the next) around the join divided by the
take's median flux. Beside it, as references, the same score at the same places in a splice
of two unrelated takes (a seam that shows) and at places halfway between joins (no seam).

    .venv/bin/python scripts/bench_lengths.py [--pack starter] [--lengths 5 10 22 60 180]
        [--out build/bench-lengths.json]

Run it on two checkouts to compare window plans (the joins are read from
`ainur_studio.inference.windows.pass_spans`, or for a checkout without it the plan before
it: one window per pass, half a window of context).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from ainur_studio.audio.features import log_mel_spectrogram
from ainur_studio.inference import windows
from ainur_studio.inference.generate import generate
from ainur_studio.models.pretrained import load_pack
from ainur_studio.types import GenerationRequest

RATE = 48_000
HOP = 512
PROMPT = "lo-fi hip hop beat, dusty drums, mellow rhodes, 85 BPM"


def joins(prior, n_frames: int) -> list[int]:
    """Latent frames where one pass's new music begins after another's."""
    if hasattr(windows, "pass_spans"):
        return [start for start, _ in windows.pass_spans(prior, n_frames)[1:]]
    window, have, out = prior.max_frames, min(n_frames, prior.max_frames), []
    while have < n_frames:  # the plan before pass_spans: half a window of context
        out.append(have)
        have += min(n_frames - have, window - min(have, window // 2))
    return out


def flux(audio: torch.Tensor) -> torch.Tensor:
    """Per-frame spectral flux of the mono mix (log-mel, hop 512)."""
    mel = log_mel_spectrogram(audio.mean(0), sample_rate=RATE, n_fft=2048, hop_length=HOP,
                              n_mels=64).clamp_min(-11.5)
    return (mel[:, 1:] - mel[:, :-1]).norm(dim=0)


def seam_score(audio: torch.Tensor, samples_at: list[int], *, width: int = 2) -> float | None:
    """Mean flux within `width` frames of each place, over the take's median flux."""
    if not samples_at:
        return None
    f = flux(audio)
    near = [f[max(0, s // HOP - width): s // HOP + width + 1].max() for s in samples_at]
    return float(torch.stack(near).mean() / f.median().clamp_min(1e-6))


def one(pack, seconds: float, seed: int = 0) -> tuple[torch.Tensor, float, dict]:
    d = pack.defaults
    request = GenerationRequest(prompt=PROMPT, duration_s=seconds, seed=seed,
                                steps=int(d["steps"]), model=pack.name)
    start = time.perf_counter()
    result = generate(request, pack)
    return result.audio[0], time.perf_counter() - start, result.timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="starter")
    parser.add_argument("--lengths", nargs="+", type=float, default=[5, 10, 22, 30, 60, 120, 180])
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("build/bench-lengths.json"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    pack = load_pack(args.pack)
    ratio = pack.autoencoder.downsampling_ratio
    one(pack, 5.0)  # warm-up
    rows = []
    for seconds in args.lengths:
        audio, took, timings = one(pack, seconds)
        frames = -(-round(seconds * RATE) // ratio)
        at = [j * ratio for j in joins(pack.prior, frames)]
        between = [(a + b) // 2 for a, b in zip([0] + at, at + [audio.shape[-1]], strict=True)]
        other, _, _ = one(pack, seconds, seed=1)
        splice = audio.clone()
        for k, s in enumerate(at):  # every other window from an unrelated take
            end = at[k + 1] if k + 1 < len(at) else audio.shape[-1]
            if k % 2 == 0:
                splice[:, s:end] = other[:, s:end]
        rows.append({"seconds": seconds, "frames": frames, "passes": len(at) + 1,
                     "total_s": round(took, 3), "prior_s": round(timings.get("prior", 0.0), 3),
                     "decode_s": round(timings.get("decode", 0.0), 3),
                     "s_per_audio_s": round(took / seconds, 4),
                     "seam": seam_score(audio, at), "between": seam_score(audio, between[1:-1]),
                     "splice": seam_score(splice, at)})
    ref = next((r for r in rows if r["seconds"] == 22), rows[0])
    for r in rows:
        r["cost_per_s_vs_22s"] = round(r["s_per_audio_s"] / ref["s_per_audio_s"], 3)
    head = (f"{'seconds':>8} {'frames':>7} {'passes':>6} {'total_s':>8} {'s/audio s':>9} "
            f"{'vs 22 s':>8} {'seam':>6} {'between':>8} {'splice':>7}")
    print(head)
    for r in rows:
        cells = [f"{r[k]:.2f}" if r[k] is not None else "-" for k in ("seam", "between", "splice")]
        print(f"{r['seconds']:>8g} {r['frames']:>7} {r['passes']:>6} {r['total_s']:>8.2f} "
              f"{r['s_per_audio_s']:>9.3f} {r['cost_per_s_vs_22s']:>8.2f} {cells[0]:>6} "
              f"{cells[1]:>8} {cells[2]:>7}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"pack": args.pack, "threads": torch.get_num_threads(),
                                    "rows": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}  (median cost vs 22 s over takes >= 60 s: "
          f"{statistics.median([r['cost_per_s_vs_22s'] for r in rows if r['seconds'] >= 60] or [0]):.2f})")


if __name__ == "__main__":
    main()
