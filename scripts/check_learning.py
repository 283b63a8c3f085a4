"""Learning check (`make check-learning`): do objective and samplers agree?

Trains the `debug` prior briefly, on CPU, on the latents of a few short synthetic clips, each
paired with its own prompt, with the shared trainer and the v-objective. Then, for each prompt,
it generates latents through the same guided-denoiser and sampler path as `generate()` and
measures their distance to every training latent. Reported against chance:

- `nn_accuracy`: how often a generation is nearest to its own prompt's clip (chance 1/K);
- `mse_own` vs `mse_other`: mean squared distance to the own clip vs the other clips;
- `mse_untrained`: the same distance for the untrained prior (before training).

Also runs the autoencoder and CLASP checks (`scripts/check_learning_autoencoder.py`,
`scripts/check_learning_clasp.py`) and writes all figures to `build/check-learning.json`.

    .venv/bin/python scripts/check_learning.py [--prior-steps 600] [--quick] [--only prior]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import typing as tp
from pathlib import Path

import torch

from ainur_studio.inference.conditioning import CondSpec
from ainur_studio.inference.context import RunContext, SamplingSettings
from ainur_studio.inference.windows import sample_new
from ainur_studio.models.pretrained import load_pack
from ainur_studio.models.prior import create_prior_from_config
from ainur_studio.training.loop import TrainConfig, Trainer

SCRIPTS = Path(__file__).resolve().parent
PROMPTS = ("bright sine tone", "warm major chord", "plucked string", "noise burst")
FRAMES = 24  # latent frames per clip (~0.5 s)


def _script(name: str) -> tp.Any:
    """Import a sibling script as a module."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def clip_latents(pack: tp.Any, count: int) -> torch.Tensor:
    """[K, C, FRAMES] latents of K synthetic clips (the autoencoder check's clips)."""
    clips = _script("check_learning_autoencoder").synthetic_clips(
        count=count, samples=FRAMES * pack.autoencoder.downsampling_ratio)
    with torch.no_grad():
        z = pack.autoencoder.encode(clips)
    return z / z.std()  # unit scale, as a trained autoencoder's latents roughly are


class ClipSet:
    """K (latent, prompt) items repeated `repeat` times, for the trainer."""

    def __init__(self, latents: torch.Tensor, prompts: tp.Sequence[str], repeat: int) -> None:
        self.latents, self.prompts, self.repeat = latents, list(prompts), repeat

    def __len__(self) -> int:
        return len(self.prompts) * self.repeat

    def __getitem__(self, i: int) -> tuple[torch.Tensor, str]:
        k = i % len(self.prompts)
        return self.latents[k], self.prompts[k]


def collate(items: list[tuple[torch.Tensor, str]]) -> dict[str, tp.Any]:
    return {"latents": torch.stack([z for z, _ in items]), "texts": [t for _, t in items]}


def generated_distances(pack: tp.Any, model: tp.Any, latents: torch.Tensor,
                        prompts: tp.Sequence[str], *, samples: int, steps: int) -> dict:
    """Generate `samples` latents per prompt and compare them with every training latent."""
    pack.prior = model.eval()
    ctx = RunContext(pack=pack, device=torch.device("cpu"),
                     settings=SamplingSettings("dpmpp-2m", "karras", steps, 2.0, 1.0))
    own, other, hits, k = [], [], 0, len(prompts)
    with torch.inference_mode():
        for i, prompt in enumerate(prompts):
            z = sample_new(ctx, [CondSpec(prompt)] * samples, range(100 * i, 100 * i + samples),
                           FRAMES)
            d = ((z[:, None] - latents[None]) ** 2).mean(dim=(2, 3))  # (samples, K)
            own.append(d[:, i].mean())
            other.append(d[:, [j for j in range(k) if j != i]].mean())
            hits += int((d.argmin(1) == i).sum())
    return {"mse_own": float(torch.stack(own).mean()),
            "mse_other": float(torch.stack(other).mean()),
            "nn_accuracy": hits / (k * samples)}


def check_learning_prior(*, steps: int = 600, samples: int = 4, sample_steps: int = 24,
                         seed: int = 0) -> dict[str, tp.Any]:
    """Train the debug prior on K clip latents and compare generations with them."""
    torch.manual_seed(seed)
    pack = load_pack("debug")
    latents = clip_latents(pack, len(PROMPTS))
    model = create_prior_from_config(pack.configs["prior"])
    model.attach_text_encoder(pack.text_encoder)
    before = generated_distances(pack, model, latents, PROMPTS, samples=samples,
                                 steps=sample_steps)
    model.train().requires_grad_(True)
    config = TrainConfig(max_steps=steps, batch_size=16, lr=2e-3, warmup_steps=steps // 20,
                         min_lr_ratio=0.05, weight_decay=0.0, ema_decay=0.99, seed=seed,
                         device="cpu", clip_grad_norm=1.0)
    trainer = Trainer(model=model, dataset=ClipSet(latents, PROMPTS, 64), config=config,
                      collate_fn=collate, model_config=pack.configs["prior"])
    t0 = time.perf_counter()
    summary = trainer.fit()
    if trainer.ema is not None:
        trainer.ema.copy_to(model)
    after = generated_distances(pack, model, latents, PROMPTS, samples=samples,
                                steps=sample_steps)
    result = {"clips": len(PROMPTS), "frames": FRAMES, "train_steps": steps,
              "train_s": round(time.perf_counter() - t0, 1),
              "final_loss": summary["loss"],
              "chance_nn_accuracy": 1 / len(PROMPTS),
              "mse_untrained": before["mse_own"], **after}
    result["passed"] = (after["nn_accuracy"] > 2 / len(PROMPTS)
                        and after["mse_own"] < 0.5 * min(after["mse_other"], before["mse_own"]))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prior-steps", type=int, default=600)
    parser.add_argument("--autoencoder-seconds", type=float, default=120.0)
    parser.add_argument("--clasp-steps", type=int, default=400)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="a few times shorter")
    parser.add_argument("--only", choices=["prior", "autoencoder", "clasp"], default=None)
    parser.add_argument("--out", type=Path, default=Path("build/check-learning.json"))
    args = parser.parse_args()
    scale = 0.25 if args.quick else 1.0
    if args.threads:
        torch.set_num_threads(args.threads)
    results: dict[str, tp.Any] = {}
    if args.only in (None, "autoencoder"):
        print("checking the autoencoder...", file=sys.stderr, flush=True)
        results["autoencoder"] = _script("check_learning_autoencoder").check_learning_autoencoder(
            seconds=args.autoencoder_seconds * scale)
    if args.only in (None, "clasp"):
        print("checking CLASP...", file=sys.stderr, flush=True)
        clasp = _script("check_learning_clasp").check_learning_clasp(
            steps=max(20, int(args.clasp_steps * scale)))
        clasp.setdefault("passed", clasp["after text->audio R@1"] > 2 * clasp["chance_R@1"])
        results["clasp"] = clasp
    if args.only in (None, "prior"):
        print("checking the prior...", file=sys.stderr, flush=True)
        results["prior"] = check_learning_prior(steps=max(50, int(args.prior_steps * scale)))
    results["passed"] = all(bool(r.get("passed", True)) for r in results.values()
                            if isinstance(r, dict))
    text = json.dumps(results, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
