"""Train the starter prior from latent bundles made by `starter_latents.py` (GPU or CPU).

    python3 scripts/starter_prior_latents.py --bundles L1 [L2 ...] --text L1 --out OUT \
        --run /tmp/prior-run --minutes 8 --max-steps 14000 [--init resources/models/starter]

The project's trainer and `PriorObjective` on in-memory latents: random 10 s crops, each clip
twice (its corpus caption and its short "genre, instruments, key" caption), conditioned on
the caption tokens and the clip's CLASP audio vector (no lyrics). Checkpoints go to `--run`
and a later call resumes from there, so bundles can arrive in several size-limited calls.
`--init PACK` starts from a pack's prior (its config and weights; its latent scale is kept),
otherwise the `prior_starter` config is trained from scratch with `--latent-scale`.
Writes the EMA weights in fp16 (`prior0/1.safetensors`, files under 16 MB), the model config
and `log.json` to `--out`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ainur_studio.data.datasets import LatentCropDataset, LatentItem, collate_crops  # noqa: E402
from ainur_studio.models.factory import create_model_from_config, load_config  # noqa: E402
from ainur_studio.models.pretrained import load_component  # noqa: E402
from ainur_studio.training.finetune import PriorObjective  # noqa: E402
from ainur_studio.training.loop import TrainConfig, Trainer  # noqa: E402
from ainur_studio.training.starter import deadline, fit_recording, save_fp16_parts  # noqa: E402

TOKENS = 64


def dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return q.float() * scale.float().unsqueeze(1)


def load_text(folder: Path) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """caption -> (tokens [64, D], mask [64])."""
    from safetensors.torch import load_file

    index = json.loads((folder / "captions.json").read_text("utf-8"))
    raw = load_file(str(folder / "text.safetensors"))
    table = {}
    for caption, j in index.items():
        emb = dequantize(raw[f"t.{j}"], raw[f"ts.{j}"])[:TOKENS]
        out, mask = torch.zeros(TOKENS, emb.shape[1]), torch.zeros(TOKENS, dtype=torch.bool)
        out[: emb.shape[0]], mask[: emb.shape[0]] = emb, True
        table[caption] = (out, mask)
    return table


def load_items(folder: Path, text: dict) -> list[LatentItem]:
    """Training clips of every shard present in `folder`, twice (long and short caption)."""
    from safetensors.torch import load_file

    clips = json.loads((folder / "clips.json").read_text("utf-8"))["clips"]
    items = []
    for shard in sorted(folder.glob("lat-*.safetensors")):
        k = int(shard.stem.split("-")[1])
        raw = load_file(str(shard))
        for c in clips:
            if c["shard"] != k or c["split"] == "test":
                continue
            i = c["index"]
            z, vec = dequantize(raw[f"z.{i}"], raw[f"s.{i}"]), raw[f"c.{i}"].float()
            for caption in (c["caption"], c["short"]):
                emb, mask = text[caption]
                items.append(LatentItem(key=c["clip_id"], path=c["clip_id"], latents=z,
                                        embedding=emb, mask=mask, prompt=caption,
                                        clasp_audio=vec))
    return items


class NoTextEncoder:
    """Stands in for the frozen text encoder: captions arrive as tokens and there are no
    lyrics in these bundles, so it must never be called."""

    embedding_features = 384

    def __call__(self, *args, **kwargs):
        raise RuntimeError("the latent bundles carry caption tokens; no text encoder here")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bundles", nargs="+", required=True)
    p.add_argument("--text", required=True, help="bundle folder holding text.safetensors")
    p.add_argument("--out", required=True)
    p.add_argument("--run", required=True, help="checkpoint folder (resumed when present)")
    p.add_argument("--minutes", type=float, default=8.0)
    p.add_argument("--max-steps", type=int, default=14_000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--crop-frames", type=int, default=464)
    p.add_argument("--compile", action="store_true")
    p.add_argument("--init", default="", help="pack folder whose prior to continue")
    p.add_argument("--latent-scale", type=float, default=2.75,
                   help="from scratch: the prior's latent scale (1 / latent std)")
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch's default)")
    args = p.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    t0 = time.monotonic()
    text = load_text(Path(args.text))
    items = [it for b in args.bundles for it in load_items(Path(b), text)]
    short = [it for it in items if it.frames < args.crop_frames]
    items = [it for it in items if it.frames >= args.crop_frames]
    if short:
        print(f"{len(short) // 2} clips shorter than {args.crop_frames} frames left out", flush=True)
    print(f"{len(items)} items ({len(items) // 2} clips) in {time.monotonic() - t0:.0f} s",
          flush=True)

    if args.init:
        config, diffusion = load_component(args.init, "diffusion")
    else:
        config = load_config("prior_starter")
        config["config"]["latent_scale"] = args.latent_scale
        diffusion = create_model_from_config(config)
    diffusion.attach_text_encoder(NoTextEncoder())
    diffusion.train().requires_grad_(True)
    dataset = LatentCropDataset(items, crop_frames=args.crop_frames,
                                frame_rate=diffusion.frame_rate,
                                clasp_fn=lambda item, s, e: item.clasp_audio)
    train_config = TrainConfig(max_steps=args.max_steps, batch_size=args.batch, lr=args.lr,
                               warmup_steps=args.warmup, schedule="cosine", min_lr_ratio=0.1,
                               ema_decay=0.999, device=device, seed=0, compile=args.compile,
                               keep_last=1)
    trainer = Trainer(model=PriorObjective(diffusion), dataset=dataset, config=train_config,
                      collate_fn=collate_crops, out_dir=args.run, model_config=config,
                      ctx=deadline(args.minutes))
    resumed = trainer.resume()
    start = trainer.step
    losses, seconds = fit_recording(trainer)
    trainer.save_checkpoint()
    trainer.ema.copy_to(trainer.model)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_fp16_parts(diffusion.state_dict(), out, "prior", parts=2)
    (out / "config.json").write_text(json.dumps(config, indent=1))
    log = {"device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
           "resumed": resumed, "steps_before": start, "steps": trainer.step,
           "seconds": round(seconds, 1), "steps_per_s": round((trainer.step - start) / seconds, 2),
           "clips": len(items) // 2, "init": args.init, "latent_scale": diffusion.latent_scale,
           "bundles": args.bundles, "batch": args.batch, "lr": args.lr,
           "crop_frames": args.crop_frames, "first_loss": losses[:10],
           "last_loss": sum(losses[-100:]) / max(len(losses[-100:]), 1),
           "curve": losses[:: max(len(losses) // 80, 1)]}
    (out / "log.json").write_text(json.dumps(log, indent=1))
    print(json.dumps({k: v for k, v in log.items() if k != "curve"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
