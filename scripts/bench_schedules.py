"""Quality per step: how far each sampler and schedule lands from a many-step reference, and
what it costs, so that a pack's default is a measured choice.

For one prompt and `--seeds` seeds it generates the same takes with every sampler on every
schedule at several step counts, and references with DPM-Solver++(2M) on the exponential
schedule at `--reference-steps` steps. Per pair it reports, averaged over the seeds, the
relative L2 distance of the final audio to the reference (the decoder is deterministic, so this
follows the final latents), the log-mel distance (what a listener would hear), the denoiser
calls and the generation time. v-DDIM always runs Ainur's linear-angle schedule. The line
`pick` names, among the pairs at least as close as the pack's current default on both
distances, the closest of those within a tenth of the fewest calls (11 calls and 12 cost the
same to a listener; the distances between them may not). Then both make `--music` clips of the starter report's
prompts (`evaluate_starter.prompts`, seed = index), and their music measures
(`ainur_studio.music_metrics`: tonality, onset and pitch-change sharpness, onsets per second,
level) and prompt adherence (CLASP ranks the prompted instrument first) are printed side by
side with white noise as chance.

    .venv/bin/python scripts/bench_schedules.py [--pack starter] [--seconds 10]
        [--steps 4 6 8 12 16 24] [--music 16] [--out build/bench-schedules.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import evaluate_starter as starter_eval  # the sibling script (a script's folder comes first)
import torch

from ainur_studio import music_metrics
from ainur_studio.audio.features import log_mel_spectrogram
from ainur_studio.diffusion.samplers import SAMPLERS, model_calls
from ainur_studio.diffusion.schedules import SCHEDULES
from ainur_studio.inference.generate import generate
from ainur_studio.models.pretrained import load_pack
from ainur_studio.types import GenerationRequest

PROMPT = "lo-fi hip hop beat, dusty drums, mellow rhodes, 85 BPM"


def take(pack, *, sampler: str, schedule: str, steps: int, seconds: float, seed: int = 0
         ) -> tuple[torch.Tensor, float]:
    pack.defaults["schedule"] = schedule
    request = GenerationRequest(prompt=PROMPT, duration_s=seconds, seed=seed, steps=steps,
                                sampler=sampler, model=pack.name)
    start = time.perf_counter()
    audio = generate(request, pack).audio[0]
    return audio, time.perf_counter() - start


def mel(audio: torch.Tensor) -> torch.Tensor:
    return log_mel_spectrogram(audio.mean(0), sample_rate=48_000, n_fft=2048, hop_length=512,
                               n_mels=64).clamp_min(-11.5)


def music(pack, setting: dict, *, clips: int, seconds: float) -> dict:
    """The starter report's music measures and prompt adherence of `clips` takes made with
    `setting` (sampler, schedule, steps)."""
    pack.defaults["schedule"] = setting["schedule"]
    items = starter_eval.prompts(clips)
    audio = []
    for i, (prompt, _) in enumerate(items):
        request = GenerationRequest(prompt=prompt, duration_s=seconds, seed=i,
                                    steps=setting["steps"], sampler=setting["sampler"],
                                    model=pack.name)
        audio.append(generate(request, pack).audio[0])
    return {**music_metrics.describe(audio),
            "prompt_adherence": starter_eval.adherence(pack, audio, items)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="starter")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--steps", nargs="+", type=int, default=[4, 6, 8, 12, 16, 24])
    parser.add_argument("--reference-steps", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=2, help="takes per pair, averaged")
    parser.add_argument("--music", type=int, default=16, help="clips per setting (0 = none)")
    parser.add_argument("--out", type=Path, default=Path("build/bench-schedules.json"))
    args = parser.parse_args()
    pack = load_pack(args.pack)
    default = dict(pack.defaults)
    refs = [take(pack, sampler="dpmpp-2m", schedule="exponential", steps=args.reference_steps,
                 seconds=args.seconds, seed=seed)[0] for seed in range(args.seeds)]
    rows = []
    step_counts = sorted({*args.steps, int(default["steps"])})  # the default is always a row
    for sampler in SAMPLERS:
        for schedule in (["linear-angle"] if sampler == "v-ddim" else sorted(SCHEDULES)):
            for steps in step_counts:
                made = [take(pack, sampler=sampler, schedule=schedule, steps=steps,
                             seconds=args.seconds, seed=seed) for seed in range(args.seeds)]
                pairs = [(audio, ref) for (audio, _), ref in zip(made, refs)]
                rows.append({
                    "sampler": sampler, "schedule": schedule, "steps": steps,
                    "calls": model_calls(sampler, steps),
                    "time_s": round(sum(t for _, t in made) / len(made), 3),
                    "distance": sum(float((a - r).norm() / r.norm())
                                    for a, r in pairs) / len(pairs),
                    "mel_distance": sum(float((mel(a) - mel(r)).abs().mean())
                                        for a, r in pairs) / len(pairs)})
    pack.defaults.update(default)
    now = next(r for r in rows if (r["sampler"], r["schedule"], r["steps"]) ==
               (default["sampler"], default["schedule"], int(default["steps"])))
    good = [r for r in rows if r["distance"] <= now["distance"]
            and r["mel_distance"] <= now["mel_distance"]
            and r["steps"] < args.reference_steps] or [now]  # not the reference itself
    fewest = min(r["calls"] for r in good)
    pick = min((r for r in good if r["calls"] <= 1.1 * fewest),
               key=lambda r: (r["distance"], r["calls"]))
    print(f"{'sampler':9} {'schedule':13} {'steps':>5} {'calls':>5} {'time_s':>7} "
          f"{'distance':>9} {'log-mel':>8}")
    for r in rows:
        mark = " <- default" if r is now else (" <- pick" if r is pick else "")
        print(f"{r['sampler']:9} {r['schedule']:13} {r['steps']:>5} {r['calls']:>5} "
              f"{r['time_s']:>7.2f} {r['distance']:>9.3f} {r['mel_distance']:>8.3f}{mark}")
    print(f"pick: {pick['sampler']} on {pick['schedule']} at {pick['steps']} steps "
          f"({pick['calls']} calls, distance {pick['distance']:.3f}, log-mel "
          f"{pick['mel_distance']:.3f}) against the default {now['sampler']} on "
          f"{now['schedule']} at {now['steps']} ({now['calls']} calls, {now['distance']:.3f}, "
          f"{now['mel_distance']:.3f})")
    measures = {}
    if args.music:
        measures = {"default": music(pack, now, clips=args.music, seconds=args.seconds),
                    "pick": music(pack, pick, clips=args.music, seconds=args.seconds)}
        g = torch.Generator().manual_seed(0)
        noise = [0.1 * torch.randn(2, round(args.seconds * 48_000), generator=g)
                 for _ in range(8)]
        measures["white_noise"] = music_metrics.describe(noise)
        pack.defaults.update(default)
        print(f"{'music measure':28} {'default':>9} {'pick':>9} {'noise':>9}")
        for key, value in measures["default"].items():
            if isinstance(value, float):
                print(f"{key:28} {value:>9.3f} {measures['pick'][key]:>9.3f} "
                      f"{measures['white_noise'].get(key, float('nan')):>9.3f}")
        for key in ("top1", "mean_rank"):
            print(f"{'prompt adherence ' + key:28} "
                  f"{measures['default']['prompt_adherence'][key]:>9.3f} "
                  f"{measures['pick']['prompt_adherence'][key]:>9.3f} "
                  f"{measures['default']['prompt_adherence']['chance_' + key]:>9.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"pack": args.pack, "seconds": args.seconds,
                                    "reference": ["dpmpp-2m", "exponential",
                                                  args.reference_steps],
                                    "default": now, "pick": pick, "rows": rows,
                                    "music": measures}, indent=2)
                        + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
