"""Does fine-tuning reach the prompt? Render recordings of an instrument the starter corpus
never had, fine-tune a pack on them with the default `train` settings, and measure how close
the takes for the training caption come to held-out recordings, beside the base pack's takes
and the recordings themselves (`ainur_studio.training.closeness`).

    python scripts/finetune_check.py --instrument sitar --out build/finetune/sitar
    python scripts/finetune_check.py --instrument sitar --out ... --set decoder=off

Writes OUT/report.json and prints the table; `--set KEY=VALUE` overrides a `RunSpec` field.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ainur_studio.data.corpus.genres.soundfonts import installed_soundfonts
from ainur_studio.inference.generate import generate
from ainur_studio.models.pretrained import load_pack
from ainur_studio.training.closeness import ClaspAudio, MelStats, closeness
from ainur_studio.training.export import load_any_pack
from ainur_studio.training.instrument_clips import INSTRUMENTS, write_recordings
from ainur_studio.training.spec import RunSpec
from ainur_studio.training.train import train
from ainur_studio.types import GenerationRequest


def takes(pack, caption: str, *, count: int, seconds: float) -> list[torch.Tensor]:
    out = []
    for seed in range(count):
        request = GenerationRequest(prompt=caption, duration_s=seconds, seed=seed,
                                    steps=int(pack.defaults.get("steps", 24)), model=pack.name)
        out.append(generate(request, pack).audio[0])
    return out


def windows(paths: list[Path], seconds: float) -> list[torch.Tensor]:
    """The recordings cut into windows as long as the takes (statistics depend on length)."""
    from ainur_studio.audio.io import audio_read

    n = round(seconds * 48_000)
    return [w[:, i:i + n] for w in map(audio_read, paths)
            for i in range(0, w.shape[-1] - n + 1, n)]


def reconstructions(pack, clips: list[torch.Tensor]) -> list[torch.Tensor]:
    """What the pack's autoencoder makes of `clips`: the closest its takes can come."""
    ae = pack.autoencoder
    with torch.no_grad():
        device = next(ae.parameters()).device
        return [ae.decode(ae.encode(c[None].to(device)))[0, :, :c.shape[-1]].cpu()
                for c in clips]


def overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        default = getattr(RunSpec(), key)
        out[key] = (value.split(",") if isinstance(default, list) else
                    type(default)(value) if default is not None else float(value))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instrument", choices=sorted(INSTRUMENTS), default="sitar")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--base", default="starter")
    parser.add_argument("--recordings", type=int, default=8)
    parser.add_argument("--held-out", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0, help="per recording")
    parser.add_argument("--takes", type=int, default=6)
    parser.add_argument("--take-seconds", type=float, default=10.0)
    parser.add_argument("--set", action="append", default=[], help="RunSpec KEY=VALUE")
    args = parser.parse_args()
    inst = INSTRUMENTS[args.instrument]
    font = next(f.path for f in installed_soundfonts() if "FluidR3" in f.path.name)
    train_paths = write_recordings(inst, args.out / "train", count=args.recordings,
                                   seconds=args.seconds, soundfont=font)
    held_paths = write_recordings(inst, args.out / "held-out", count=args.held_out,
                                  seconds=args.seconds, soundfont=font, first_seed=100)
    base = load_pack(args.base)
    base_takes = takes(base, inst.caption, count=args.takes, seconds=args.take_seconds)
    spec = RunSpec(data=str(args.out / "train"), out=str(args.out / "run"), base=args.base,
                   name=f"{args.base}-{inst.name.replace(' ', '-')}", **overrides(args.set))
    start = time.perf_counter()
    finished = args.out / "run" / "pack" / "pack.json"
    summary = {"pack": str(finished.parent)} if finished.is_file() else train(spec, device="cpu")
    minutes = (time.perf_counter() - start) / 60
    tuned = load_any_pack(summary["pack"])
    tuned_takes = takes(tuned, inst.caption, count=args.takes, seconds=args.take_seconds)
    held = windows(held_paths, args.take_seconds)
    recs = windows(train_paths, args.take_seconds)
    spaces = [MelStats(), ClaspAudio(base.clasp)]
    rebuilt = {"base": reconstructions(base, held[::4]), "tuned": reconstructions(tuned, held[::4])}
    report = {"instrument": inst.name, "caption": inst.caption, "spec": spec.to_dict(),
              "train_minutes": round(minutes, 2), "steps": summary.get("steps"),
              "closeness": [closeness(tuned_takes, held, recs, e, base=base_takes).to_dict()
                            for e in spaces],
              "reconstruction": {k: [closeness(v, held, recs, e).takes for e in spaces]
                                 for k, v in rebuilt.items()}}
    (args.out / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"{inst.name}: trained {minutes:.1f} min")
    for c in report["closeness"]:
        print(f"  {c['space']:12s} tuned {c['takes']:.3f}  base {c['base']:.3f}  "
              f"recordings {c['floor']:.3f}  ratio {c['ratio']:.2f}"
              + ("  VERBATIM" if c["verbatim"] else ""))
    for k, v in report["reconstruction"].items():
        print(f"  autoencoder of the {k} pack: reconstructions at " +
              ", ".join(f"{d:.3f}" for d in v))


if __name__ == "__main__":
    main()
