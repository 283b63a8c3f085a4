"""Train the starter components on a GPU from a bundle made by `starter_bundle.py`.

    python3 scripts/starter_bundle_train.py --bundle runs/bundle --out OUT \
        --minutes 3.5 1.5 4          # autoencoder, CLASP, prior

The same models, losses and trainer as `make starter`, with the data held in memory: the
autoencoder trains on random crops, then CLASP (audio tower and heads; the frozen MiniLM is
replaced by the bundle's pooled caption features), then the prior on latents encoded by the
new autoencoder, conditioned on the bundle's caption token embeddings and each clip's CLASP
audio vector (no lyrics). Writes the EMA weights in fp16 (files of at most 16 MB) and
`log.json` (steps, losses, seconds); `starter_bundle_import.py` turns them into the pack.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import typing as tp
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from torch import nn

from ainur_studio.data.datasets import LatentCropDataset, LatentItem, collate_crops, crop_length
from ainur_studio.models.factory import create_model_from_config, load_config
from ainur_studio.progress import Deadline
from ainur_studio.training.loop import TrainConfig, Trainer, TrainingStopped
from ainur_studio.training.recipes.prior_objective import PriorObjective
from ainur_studio.training.recipes.starter_pack import save_fp16_parts

ROOT = Path(__file__).resolve().parents[1]
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


class LookupTower(nn.Module):
    """CLASP's frozen text tower as a table: caption -> pooled MiniLM features [384]."""

    def __init__(self, pooled: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.pooled, self.width = pooled, 384

    def forward(self, texts: list[str], *, max_length: int) -> torch.Tensor:
        return torch.stack([self.pooled[t] for t in texts]).to(DEVICE)


class LookupEncoder(nn.Module):
    """The prior's frozen text encoder as a table: caption -> (tokens [64, 384], mask [64])."""

    embedding_features = 384

    def __init__(self, tokens: dict[str, torch.Tensor], length: int = 64) -> None:
        super().__init__()
        self.tokens, self.length = tokens, length

    def pad(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.tokens[text].float()
        out, mask = torch.zeros(self.length, emb.shape[1]), torch.zeros(self.length, dtype=bool)
        out[: emb.shape[0]], mask[: emb.shape[0]] = emb, True
        return out, mask

    def forward(self, texts: list[str], *, max_length: int | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        pairs = [self.pad(t) for t in texts]
        return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])


class Crops:
    """Random stereo crops of in-memory clips; `captions` adds CLASP's text pairs."""

    def __init__(self, clips: list[torch.Tensor], seconds: float,
                 captions: list[str] | None = None) -> None:
        self.clips, self.n, self.captions = clips, round(seconds * 48_000), captions

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int) -> tp.Any:
        wav = self.clips[i]
        start = int(torch.randint(0, max(wav.shape[-1] - self.n, 0) + 1, ()))
        crop = wav[:, start:start + self.n]
        crop = nn.functional.pad(crop, (0, self.n - crop.shape[-1]))
        if self.captions is None:
            return crop
        return {"audio": crop, "text": self.captions[i], "lyrics": ""}


def collate_audio(items: list[dict]) -> dict[str, tp.Any]:
    return {"audio": torch.stack([it["audio"] for it in items]), "text": [it["text"] for it in items],
            "lyrics": [it["lyrics"] for it in items]}


def load_bundle(folder: Path) -> tuple[list[dict], list[torch.Tensor], dict]:
    import soundfile as sf
    from safetensors.torch import load_file

    items = json.loads((folder / "items.json").read_text())

    def read(it: dict) -> torch.Tensor:
        data, rate = sf.read(str(folder / it["file"]), dtype="float32", always_2d=True)
        assert rate == 48_000, rate
        return torch.from_numpy(data.T.copy())

    with ThreadPoolExecutor(16) as pool:
        clips = list(pool.map(read, items))
    return items, clips, load_file(str(folder / "text.safetensors"))


def fit(model: nn.Module, dataset: tp.Any, *, minutes: float, lr: float, batch: int,
        collate: tp.Any = None, log: dict, name: str) -> Trainer:
    """Train for `minutes` (constant LR after warm-up, EMA 0.999); EMA weights end up in place."""
    config = TrainConfig(max_steps=10**7, batch_size=batch, lr=lr, warmup_steps=200,
                         schedule="constant", ema_decay=0.999, device=DEVICE, seed=0)
    trainer = Trainer(model=model, dataset=dataset, config=config, collate_fn=collate,
                      progress=Deadline(minutes * 60))
    losses: list[float] = []
    trainer.add_callback("on_batch_end", lambda t: losses.append(t.last_losses["loss"]))
    t0 = time.monotonic()
    with contextlib.suppress(TrainingStopped):
        trainer.fit()
    seconds = time.monotonic() - t0
    trainer.ema.copy_to(trainer.model)
    trainer.model.eval()
    log[name] = {"steps": trainer.step, "seconds": round(seconds, 1),
                 "batch": batch, "lr": lr, "first_loss": losses[:20],
                 "last_loss": sum(losses[-50:]) / max(len(losses[-50:]), 1),
                 "curve": losses[:: max(len(losses) // 60, 1)]}
    print(name, log[name]["steps"], "steps", log[name]["last_loss"], flush=True)
    return trainer


def init(module: nn.Module, folder: str, stem: str) -> None:
    """Continue from a model pack folder (e.g. the shipped starter pack) when `folder` is set.
    Weights the pack leaves out (CLASP's text tower, aliases of shared tensors) stay."""
    if not folder:
        return
    from safetensors.torch import load_file

    from ainur_studio.models.pretrained import component_dir

    state = load_file(str(component_dir(Path(folder), stem) / "model.safetensors"))
    _, unexpected = module.load_state_dict(state, strict=False)
    if unexpected or not state:
        raise ValueError(f"{folder}: {stem} weights do not fit: {unexpected[:3]}")
    print(f"{stem}: continuing from {folder} ({len(state)} tensors)", flush=True)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--bundle", default="runs/bundle")
    p.add_argument("--out", required=True)
    p.add_argument("--minutes", type=float, nargs=3, default=[3.5, 1.5, 4.0])
    p.add_argument("--batch-div", type=int, default=1, help="divide batch sizes (smoke tests)")
    p.add_argument("--init", default="", help="folder of earlier output to continue from")
    args = p.parse_args()
    div = args.batch_div
    out, log = Path(args.out), {"device": torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu"}
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    items, clips, text = load_bundle(Path(args.bundle))
    train = [i for i, it in enumerate(items) if it["split"] != "test"]
    log["clips"] = {"train": len(train), "test": len(items) - len(train)}
    print("loaded", len(items), "clips", flush=True)

    ae = create_model_from_config(load_config("autoencoder_starter"))
    init(ae, args.init, "autoencoder")
    fit(ae, Crops([clips[i] for i in train], 1.5), minutes=args.minutes[0], lr=4e-4, batch=32 // div,
        collate=lambda items: torch.stack(items).to(DEVICE),
        log=log, name="autoencoder")
    save_fp16_parts(ae.state_dict(), out, "autoencoder")

    cfg = load_config("clasp_starter")
    cfg["config"]["text"] = {"scratch": {"hidden_size": 384, "num_layers": 1, "num_heads": 2},
                             "freeze": True}
    clasp = create_model_from_config(cfg)
    pooled = {it["caption"]: text[f"pooled.{i}"] for i, it in enumerate(items)}
    clasp.text_tower = LookupTower(pooled)
    init(clasp, args.init, "clasp")
    fit(clasp, Crops([clips[i] for i in train], 6.0, [items[i]["caption"] for i in train]),
        minutes=args.minutes[1], lr=3e-4, batch=64 // div, collate=collate_audio, log=log, name="clasp")
    save_fp16_parts({k: v for k, v in clasp.state_dict().items() if not k.startswith("text_tower")},
              out, "clasp")

    tokens = {it["caption"]: text[f"emb.{i}"] for i, it in enumerate(items)}
    latent_items = []
    with torch.no_grad():
        for i, it in enumerate(items):
            wav = clips[i][None].to(DEVICE)
            z = ae.encode(wav)[0].float().cpu()
            vec = clasp.embed_audio([clips[i]])[0].float().cpu()
            emb, mask = LookupEncoder(tokens).pad(it["caption"])
            latent_items.append(LatentItem(key=str(i), path=it["file"], latents=z, embedding=emb,
                                           mask=mask, prompt=it["caption"], clasp_audio=vec))
    torch.save({"latents": [x.latents.half() for x in latent_items]}, out / "latents.pt")
    diffusion = create_model_from_config(load_config("prior_starter"))
    diffusion.attach_text_encoder(LookupEncoder(tokens))
    init(diffusion, args.init, "prior")
    diffusion.train().requires_grad_(True)
    objective = PriorObjective(diffusion)
    data = [latent_items[i] for i in train]
    frames = crop_length(data, wanted=min(round(10 * diffusion.frame_rate), diffusion.max_frames),
                         multiple=diffusion.length_multiple)
    dataset = LatentCropDataset(data, crop_frames=frames, frame_rate=diffusion.frame_rate,
                                clasp_fn=lambda item, s, e: item.clasp_audio)
    log["prior_crop_frames"] = frames
    fit(objective, dataset, minutes=args.minutes[2], lr=3e-4, batch=32 // div, collate=collate_crops,
        log=log, name="prior")
    save_fp16_parts(diffusion.state_dict(), out, "prior", parts=2)
    (out / "log.json").write_text(json.dumps(log, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
