"""Align the starter encoder with lossless input, keeping its latent space (and so the prior).

    python scripts/starter_align_encoder.py --bundle runs/bundle runs/bundle3 --minutes 5

The bundle-trained autoencoder only ever heard Ogg Vorbis audio, which has no energy above
~16 kHz; FLAC/WAV input (the faint top octave a renderer or microphone leaves) then lands far
from its log-mel training distribution and encodes to wrong latents. This distils the encoder:
student(lossless crop) is pulled to teacher(Vorbis crop of the same samples) with an MSE on the
tanh latents, the teacher being the frozen original encoder; decoder and prior are untouched.
The pack is rewritten in place with the step count recorded in pack.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def pairs(bundles: list[Path], manifest: Path, limit: int, seconds: float
          ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(lossless, Vorbis) stereo clips of up to `seconds`, for training clips of the bundles."""
    import soundfile as sf

    from ainur_studio.audio.io import audio_read
    from ainur_studio.data.corpus.manifest import read_manifest

    rows = {row["clip_id"]: row for row in read_manifest(manifest)}
    items = [(b, it) for b in bundles
             for it in json.loads((b / "items.json").read_text(encoding="utf-8"))
             if it["split"] != "test" and it["clip_id"] in rows]
    random.Random(0).shuffle(items)
    n, out = round(seconds * 48_000), []
    for bundle, it in items[:limit]:
        lossless = audio_read(manifest.parent / rows[it["clip_id"]]["audio_path"])[:, :n]
        data, _ = sf.read(str(bundle / it["file"]), dtype="float32", always_2d=True)
        vorbis = torch.from_numpy(data.T.copy())[:, :n]
        m = min(lossless.shape[-1], vorbis.shape[-1])
        out.append((lossless[:, :m], vorbis[:, :m]))
    return out


def batch(clips: list[tuple[torch.Tensor, torch.Tensor]], size: int, n: int
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Random aligned crops of `n` samples from both versions."""
    a, b = [], []
    for i in torch.randint(0, len(clips), (size,)).tolist():
        lossless, vorbis = clips[i]
        start = int(torch.randint(0, max(lossless.shape[-1] - n, 0) + 1, ()))
        a.append(lossless[:, start:start + n])
        b.append(vorbis[:, start:start + n])
    return torch.stack(a), torch.stack(b)


def align(ae: torch.nn.Module, clips: list, *, minutes: float, lr: float = 2e-4,
          size: int = 8, seconds: float = 2.0) -> dict[str, float]:
    """Distil `ae.encoder` for `minutes`; returns steps and first/last losses."""
    teacher = copy.deepcopy(ae).eval().requires_grad_(False)
    ae.encoder.train().requires_grad_(True)
    opt = torch.optim.AdamW(ae.encoder.parameters(), lr=lr, weight_decay=0.0)
    n, deadline, losses = round(seconds * 48_000), time.monotonic() + minutes * 60, []
    torch.manual_seed(0)
    while time.monotonic() < deadline:
        lossless, vorbis = batch(clips, size, n)
        with torch.no_grad():
            target = teacher.encode(vorbis)
        loss = (ae.encode(lossless) - target).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss))
        if len(losses) % 50 == 0:
            print(f"step {len(losses)} loss {sum(losses[-50:]) / 50:.5f}", flush=True)
    ae.eval().requires_grad_(False)
    head, tail = losses[:20], losses[-50:]
    return {"steps": len(losses), "first_loss": sum(head) / max(len(head), 1),
            "last_loss": sum(tail) / max(len(tail), 1), "batch": size, "seconds": seconds,
            "lr": lr}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bundle", nargs="+", default=["runs/bundle"])
    p.add_argument("--manifest", default="runs/starter/manifest.jsonl")
    p.add_argument("--pack", default="resources/models/starter")
    p.add_argument("--clips", type=int, default=96)
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    from ainur_studio.models.pretrained import load_pack
    from ainur_studio.training.recipes import starter_pack

    pack = load_pack(args.pack)
    clips = pairs([Path(b) for b in args.bundle], Path(args.manifest), args.clips, 12.0)
    print(f"{len(clips)} clip pairs", flush=True)
    result = align(pack.autoencoder, clips, minutes=args.minutes)
    print(json.dumps(result), flush=True)
    meta = json.loads((Path(args.pack) / "pack.json").read_text(encoding="utf-8"))
    training = {**meta["training"], "encoder_alignment": {
        **result, "recipe": "scripts/starter_align_encoder.py", "clips": len(clips)}}
    starter_pack.write_pack(pack, Path(args.pack), training=training, metrics=meta.get("metrics", {}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
