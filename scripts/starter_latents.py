"""Encode the corpus into a compact latent bundle, to train the starter prior on a GPU machine
that has neither the corpus, the autoencoder's input pipeline nor the MiniLM package.

    python scripts/starter_latents.py --out runs/latents

With the shipped pack's autoencoder and CLASP, per clip: the latents as int8 with a per-channel
scale (~1.5 kB per second of audio, against ~13 kB for Ogg Vorbis, so the whole 14.7 h corpus
is ~80 MB), CLASP's audio embedding, and two captions: the corpus caption and a short one
("genre, instruments, key", the way people write prompts). Caption token embeddings (MiniLM,
as the prior's frozen text encoder gives them) are stored once per distinct caption, int8 with
a per-token scale. Training clips come first, one clip per piece in turn, so the first shards
cover the most pieces; held-out clips last. Shards of `--shard-clips` clips are written as they
fill and skipped when present, so an interrupted run resumes.

Files: `clips.json` (per clip: id, piece, split, caption, short, shard), `text.safetensors`,
`captions.json` (caption -> index into text.safetensors), `lat-NNN.safetensors`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def order_rows(rows: list[dict]) -> list[dict]:
    """Training clips one per piece in turn, then held-out clips."""
    from ainur_studio.training.recipes.starter import piece_round_robin

    return (piece_round_robin([r for r in rows if r.get("split") != "test"])
            + [r for r in rows if r.get("split") == "test"])


def short_caption(row: dict) -> str:
    """'genre, instruments, key': the fields people put in a prompt."""
    from ainur_studio.descriptor import build_prompt
    from ainur_studio.types import PromptFields

    return build_prompt(PromptFields(genre=[row["genre"]] if row.get("genre") else [],
                                     instruments=list(dict.fromkeys(row.get("instruments", []))),
                                     key=row.get("key") or ""))


def quantize(x, dim: int):
    """int8 values and fp16 scales (absmax / 127 along every axis but `dim`)."""
    import torch

    scale = x.abs().amax(dim=dim, keepdim=True).clamp_min(1e-8) / 127
    q = torch.round(x / scale).clamp(-127, 127).to(torch.int8)
    return q.contiguous(), scale.squeeze(dim).to(torch.float16).contiguous()


def encode_shard(pack, rows: list[dict], corpus: Path) -> dict:
    import soundfile as sf
    import torch

    tensors = {}
    for i, r in enumerate(rows):
        data, rate = sf.read(str(corpus / r["audio_path"]), dtype="float32", always_2d=True)
        if rate != pack.sample_rate:
            raise ValueError(f"{r['audio_path']}: {rate} Hz, the pack needs {pack.sample_rate}")
        wav = torch.from_numpy(data.T.copy())
        with torch.inference_mode():
            z = pack.autoencoder.encode(wav[None])[0].float()
            vec = pack.clasp.embed_audio([wav])[0].float()
        tensors[f"z.{i}"], tensors[f"s.{i}"] = quantize(z, dim=1)
        tensors[f"c.{i}"] = vec.to(torch.float16).contiguous()
    return tensors


def text_tensors(pack, captions: list[str]) -> dict:
    import torch

    tensors = {}
    with torch.inference_mode():
        for j, text in enumerate(captions):
            emb, mask = pack.text_encoder([text], max_length=64)
            n = int(mask[0].sum())
            tensors[f"t.{j}"], tensors[f"ts.{j}"] = quantize(emb[0, :n].float(), dim=1)
    return tensors


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--manifest", default="corpus/manifest.jsonl")
    p.add_argument("--pack", default="resources/models/starter")
    p.add_argument("--out", default="runs/latents")
    p.add_argument("--shard-clips", type=int, default=200)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    import torch
    from safetensors.torch import save_file

    from ainur_studio.data.corpus.manifest import read_manifest
    from ainur_studio.models.pretrained import load_pack

    torch.set_num_threads(args.threads)
    manifest, out = Path(args.manifest), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = order_rows(read_manifest(manifest))
    pack = load_pack(args.pack)
    clips = [{"clip_id": r["clip_id"], "piece_id": r.get("piece_id"), "split": r["split"],
              "caption": r["caption"], "short": short_caption(r),
              "instruments": r.get("instruments", []), "duration_s": r.get("duration_s"),
              "shard": i // args.shard_clips, "index": i % args.shard_clips}
             for i, r in enumerate(rows)]
    captions = sorted({c[k] for c in clips for k in ("caption", "short")})
    if not (out / "text.safetensors").is_file():
        save_file(text_tensors(pack, captions), str(out / "text.safetensors"))
    (out / "captions.json").write_text(json.dumps({c: j for j, c in enumerate(captions)}))
    (out / "clips.json").write_text(json.dumps({"pack_hash": pack.hash, "clips": clips}))
    t0 = time.monotonic()
    for k in range(0, len(rows), args.shard_clips):
        path = out / f"lat-{k // args.shard_clips:03d}.safetensors"
        if path.is_file():
            continue
        save_file(encode_shard(pack, rows[k:k + args.shard_clips], manifest.parent),
                  str(path.with_suffix(".tmp")))
        path.with_suffix(".tmp").rename(path)
        print(f"{path.name}: {min(k + args.shard_clips, len(rows))}/{len(rows)} clips, "
              f"{time.monotonic() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
