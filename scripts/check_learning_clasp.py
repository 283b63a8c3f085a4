"""Learning check for CLASP: does contrastive training make captions find their sounds?

A synthetic paired set where the caption determines the sound: an instrument (sine, square,
sawtooth, triangle timbre), a pitch (six notes over three octaves) and a tempo (60, 120 or 180
bpm repeated notes), 72 combinations, each clip drawn with random gain, onset offset, pan and
noise. A small CLASP (byte-level text tower from scratch, whole-clip audio tower) trains on CPU
with the shared trainer, then text->audio retrieval is measured on held-out clips: R@1 among 16
candidates with distinct captions (chance 1/16 = 0.06), averaged over many random groups.

    .venv/bin/python scripts/check_learning_clasp.py [--steps 400] [--threads 1] [--out FILE]

`check_learning_clasp(...)` returns the figures as a dict for other scripts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
import typing as tp
from pathlib import Path

import torch

from ainur_studio.metrics import cosine_matrix, retrieval_metrics
from ainur_studio.models.clasp import create_clasp_from_config
from ainur_studio.training.loop import TrainConfig, Trainer

RATE = 48_000
SECONDS = 1.5
INSTRUMENTS = ("sine", "square", "sawtooth", "triangle")
NOTES = {"C3": 130.81, "G3": 196.0, "C4": 261.63, "G4": 392.0, "C5": 523.25, "G5": 783.99}
TEMPOS = {"slow": 60, "medium": 120, "fast": 180}
COMBOS = list(itertools.product(INSTRUMENTS, NOTES, TEMPOS))
TEMPLATES = ("a {i} playing {n} at a {t} tempo", "{t} {i} notes on {n}",
             "{n}, {i}, {t}", "solo {i} repeating {n}, {t}")

CONFIG = {"type": "clasp", "config": {
    "embed_dim": 64, "loss": "infonce", "text_max_length": 64,
    "text": {"scratch": {"hidden_size": 64, "num_layers": 2, "num_heads": 4,
                         "max_positions": 64, "seed": 0}},
    "audio": {"n_fft": 1024, "hop_length": 960, "n_mels": 64, "patch_frames": 2, "width": 64,
              "depth": 2, "heads": 4, "min_seconds": 0.5}}}


def _wave(kind: str, phase: torch.Tensor) -> torch.Tensor:
    frac = phase / (2 * math.pi) % 1.0
    if kind == "sine":
        return torch.sin(phase)
    if kind == "square":
        return torch.sign(torch.sin(phase)) * 0.6
    if kind == "sawtooth":
        return (2 * frac - 1) * 0.7
    return 2 * (2 * (frac - 0.5).abs() - 0.5)  # triangle


def synth(combo: tuple[str, str, str], gen: torch.Generator) -> torch.Tensor:
    """One stereo clip [2, T] of `combo` = (instrument, note, tempo) with random nuisances."""
    inst, note, tempo = combo
    n = int(SECONDS * RATE)
    t = torch.arange(n) / RATE
    beat = 60.0 / TEMPOS[tempo]
    offset = torch.rand((), generator=gen).item() * 0.15
    since = (t - offset) % beat  # time since the last onset
    envelope = torch.exp(-since / (0.25 * beat)) * (t >= offset)
    detune = 1 + 0.005 * (torch.rand((), generator=gen).item() - 0.5)
    mono = _wave(inst, 2 * math.pi * NOTES[note] * detune * t) * envelope
    mono = mono * (0.2 + 0.6 * torch.rand((), generator=gen).item())
    mono = mono + 0.003 * torch.randn(n, generator=gen)
    pan = 0.3 + 0.4 * torch.rand((), generator=gen).item()
    return torch.stack([mono * math.cos(pan * math.pi / 2), mono * math.sin(pan * math.pi / 2)])


def caption(combo: tuple[str, str, str], gen: torch.Generator) -> str:
    i, n, t = combo
    template = TEMPLATES[int(torch.randint(len(TEMPLATES), (), generator=gen))]
    return template.format(i=i, n=n, t=t)


class SyntheticPairs:
    """Item k: combination k % 72, nuisances from a generator seeded with (seed, k)."""

    def __init__(self, size: int, *, seed: int = 0) -> None:
        self.size, self.seed = size, seed

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, k: int) -> dict:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + k)
        combo = COMBOS[k % len(COMBOS)]
        return {"audio": synth(combo, gen), "text": caption(combo, gen), "combo": k % len(COMBOS)}


def collate(items: list[dict]) -> dict:
    audio = torch.stack([it["audio"] for it in items])
    return {"audio": audio, "lengths": torch.full((len(items),), audio.shape[-1]),
            "text": [it["text"] for it in items]}


def evaluate(model: torch.nn.Module, *, groups: int = 40, size: int = 16,
             seed: int = 12345) -> dict[str, float]:
    """Mean retrieval metrics over `groups` random sets of `size` held-out distinct combos."""
    gen = torch.Generator().manual_seed(seed)  # held out: training seeds are small
    sums: dict[str, float] = {}
    for _ in range(groups):
        combos = [COMBOS[c] for c in torch.randperm(len(COMBOS), generator=gen)[:size].tolist()]
        text = model.embed_text([caption(c, gen) for c in combos])
        audio = model.embed_audio([synth(c, gen) for c in combos])
        for direction, sim in (("text->audio", cosine_matrix(text, audio)),
                               ("audio->text", cosine_matrix(audio, text))):
            for key, value in retrieval_metrics(sim, ks=(1, 5)).items():
                name = f"{direction} {key}"
                sums[name] = sums.get(name, 0.0) + value / groups
    return sums


def check_learning_clasp(*, steps: int = 400, batch_size: int = 32, lr: float = 1e-3,
                         seed: int = 0, progress: tp.Callable[[dict], None] | None = None
                         ) -> dict[str, float]:
    """Train the small synthetic-check CLASP and return before/after retrieval figures."""
    torch.manual_seed(seed)
    model = create_clasp_from_config(CONFIG)
    before = evaluate(model)
    config = TrainConfig(max_steps=steps, batch_size=batch_size, lr=lr, warmup_steps=steps // 10,
                         min_lr_ratio=0.05, weight_decay=0.01, ema_decay=0.99, seed=seed,
                         device="cpu")
    trainer = Trainer(model=model, dataset=SyntheticPairs(len(COMBOS) * 40, seed=seed),
                      config=config, collate_fn=collate, model_config=CONFIG)
    if progress is not None:
        trainer.add_callback("on_batch_end", lambda t: progress(
            {"step": t.step, "total": steps, "loss": t.last_losses["loss"], "lr": t.lr}))
    t0 = time.perf_counter()
    summary = trainer.fit()
    seconds = time.perf_counter() - t0
    after = trainer.validate(evaluate)
    return {"steps": steps, "batch_size": batch_size, "train_seconds": round(seconds, 1),
            "steps_per_s": round(summary["steps_per_s"], 2),
            "final_loss": round(summary["loss"], 4), "chance_R@1": 1 / 16,
            **{f"before {k}": round(v, 3) for k, v in before.items() if "R@" in k},
            **{f"after {k}": round(v, 3) for k, v in after.items() if not k.endswith(" n")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads (0 = torch's default); 1 is fastest on a busy machine")
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    def report(info: dict) -> None:
        if info["step"] % 25 == 0:
            print(f"step {info['step']}/{info['total']} loss {info['loss']:.3f}", file=sys.stderr,
                  flush=True)

    figures = check_learning_clasp(steps=args.steps, batch_size=args.batch_size, seed=args.seed,
                                   progress=report)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    ok = figures["after text->audio R@1"] >= 0.8
    print("PASS" if ok else "FAIL", "text->audio R@1 >= 0.8 among 16 (chance 0.06)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
