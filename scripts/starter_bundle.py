"""Pack the starter corpus into a small bundle for a GPU machine that has neither the corpus,
FluidSynth nor the MiniLM package (e.g. a rented accelerator reached with a size-limited copy).

    python scripts/starter_bundle.py --out runs/bundle --max-mb 55

Writes a caption bundle (`ainur_studio.training.caption_bundles`): `items.json` (caption,
split, piece, clip file), `audio/*.ogg` (Ogg Vorbis, about 100 kbit/s, so an hour of corpus
fits in ~50 MB) and `text.safetensors`: per clip the MiniLM token embeddings of the caption
(fp16, real tokens only), as the prior's text encoder gives them, and CLASP's pooled caption
features (the frozen text tower's output). With these the bundle trainer
(`scripts/starter_bundle_train.py`) needs no text model at all.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def to_ogg(job: tuple[str, str]) -> int:
    """Encode one clip to Ogg Vorbis; returns the file size."""
    import soundfile as sf

    src, dst = job
    data, rate = sf.read(src, dtype="float32", always_2d=True)
    sf.write(dst, data, rate, format="OGG", subtype="VORBIS", compression_level=0.7)
    return Path(dst).stat().st_size


def select(rows: list[dict], max_mb: float) -> list[dict]:
    """Held-out clips first (for evaluation), then training clips taking one clip per piece
    in turn (the most pieces for the size), within the size budget (~13.5 kB per second)."""
    from ainur_studio.training.recipes.starter import piece_round_robin

    ordered = ([r for r in rows if r.get("split") == "test"]
               + piece_round_robin([r for r in rows if r.get("split") != "test"]))
    out, total = [], 0.0
    for r in ordered:
        total += float(r.get("duration_s", 20.0)) * 0.0135
        if total > max_mb:
            break
        out.append(r)
    return out


def text_features(captions: list[str]) -> dict:
    """MiniLM token embeddings (prior) and pooled features (CLASP text tower) per caption."""
    from ainur_studio.models.factory import create_model_from_config, load_config
    from ainur_studio.training.caption_bundles import caption_features

    encoder = create_model_from_config({"type": "text_encoder", "source": None,
                                        "max_length": 64})
    clasp = create_model_from_config(load_config("clasp_starter")).eval()
    return caption_features(captions, encoder=encoder, tower=clasp.text_tower)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--manifest", default="runs/starter/manifest.jsonl")
    p.add_argument("--out", default="runs/bundle")
    p.add_argument("--max-mb", type=float, default=55.0, help="audio size budget (MB)")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    from ainur_studio.training.caption_bundles import write_bundle

    manifest, out = Path(args.manifest), Path(args.out)
    from ainur_studio.data.corpus.manifest import read_manifest

    rows = select(read_manifest(manifest), args.max_mb)
    (out / "audio").mkdir(parents=True, exist_ok=True)
    jobs, items = [], []
    for i, r in enumerate(rows):
        name = f"{i:05d}.ogg"
        dst = out / "audio" / name
        if not dst.is_file():
            jobs.append((str(manifest.parent / r["audio_path"]), str(dst)))
        items.append({"file": f"audio/{name}", "caption": r["caption"], "split": r["split"],
                      "piece_id": r.get("piece_id"), "clip_id": r.get("clip_id"),
                      "instruments": r.get("instruments", []),
                      "duration_s": r.get("duration_s")})
    with ProcessPoolExecutor(args.workers) as pool:
        sizes = list(pool.map(to_ogg, jobs))
    write_bundle(out, items, text_features([it["caption"] for it in items]))
    print(f"{len(items)} clips, {len(jobs)} encoded now ({sum(sizes) / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
