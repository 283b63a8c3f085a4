"""Train, evaluate or use the CLASP embedder (lyrics / text / audio in one space).

  ainur-studio clasp train --data DIR|LIST.jsonl --config debug|small|base|F.json --out DIR
  ainur-studio clasp eval  --model DIR --data DIR|LIST.jsonl [--json]
  ainur-studio clasp embed --model DIR [--text T ...] [--lyrics-file F ...] [--audio F ...]
                           --out FILE.safetensors|FILE.json

Data: a folder of recordings with NAME.txt captions and/or NAME.lrc lyrics beside them, or a
JSON-lines manifest ({"path", "text", "lyrics" | "lrc"} per line). `train` is
`ainur-studio train --component clasp --mode scratch`: checkpoints in OUT/checkpoints (resumed
automatically), the final EMA weights in OUT/model. Progress goes
to stderr; results to stdout. Exit codes: 0 done, 1 failed, 2 bad arguments, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import typing as tp
from pathlib import Path

CONFIGS = ("debug", "small", "base", "ainur_compat")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="clasp_command", metavar="ACTION", required=True)
    train = sub.add_parser("train", help="train CLASP on paired audio and captions/lyrics")
    train.add_argument("--data", required=True, type=Path, help="folder or .jsonl manifest")
    train.add_argument("--config", default="small",
                       help=f"model config: {', '.join(CONFIGS)} or a JSON file (small)")
    train.add_argument("--out", required=True, type=Path, help="output folder")
    train.add_argument("--steps", type=int, default=10_000, help="optimizer steps (10000)")
    train.add_argument("--batch-size", type=int, default=16, help="clips per step (16)")
    train.add_argument("--grad-accum", type=int, default=1, help="micro-batches per step (1)")
    train.add_argument("--lr", type=float, default=1e-4, help="peak learning rate (1e-4)")
    train.add_argument("--warmup", type=int, default=500, help="warm-up steps (500)")
    train.add_argument("--crop-seconds", type=float, default=10.0, help="clip crop (10 s)")
    train.add_argument("--val-fraction", type=float, default=0.1,
                       help="share of recordings held out for retrieval checks (0.1)")
    train.add_argument("--validate-every", type=int, default=500, help="steps (500; 0 = never)")
    train.add_argument("--checkpoint-every", type=int, default=500, help="steps (500)")
    train.add_argument("--keep-last", type=int, default=3, help="checkpoints kept (3)")
    train.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"),
                       help="auto: bf16/fp16 on a GPU, fp32 on CPU")
    train.add_argument("--compile", action="store_true", help="use torch.compile")
    train.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: a GPU if present)")
    train.add_argument("--seed", type=int, default=0, help="data order and init seed (0)")
    train.add_argument("--fresh", action="store_true", help="ignore existing checkpoints")
    ev = sub.add_parser("eval", help="retrieval metrics on paired data")
    ev.add_argument("--model", required=True, type=Path, help="CLASP folder")
    ev.add_argument("--data", required=True, type=Path, help="folder or .jsonl manifest")
    ev.add_argument("--crop-seconds", type=float, default=10.0,
                    help="seconds from the start of each clip (10)")
    ev.add_argument("--device", default="cpu", help="cpu (default), cuda, ...")
    ev.add_argument("--json", action="store_true", help="print JSON")
    emb = sub.add_parser("embed", help="embed texts, lyrics or audio files")
    emb.add_argument("--model", required=True, type=Path, help="CLASP folder")
    emb.add_argument("--text", action="append", default=[], help="a descriptor text (repeat)")
    emb.add_argument("--lyrics-file", action="append", default=[], type=Path,
                     help="a lyrics file, .lrc or plain text (repeat)")
    emb.add_argument("--audio", action="append", default=[], type=Path, help="audio (repeat)")
    emb.add_argument("--out", required=True, type=Path, help=".safetensors or .json")
    emb.add_argument("--device", default="cpu", help="cpu (default), cuda, ...")


def run(args: argparse.Namespace) -> int:
    actions = {"train": _train, "eval": _eval, "embed": _embed}
    try:
        return actions[args.clasp_command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def train_spec(args: argparse.Namespace) -> dict[str, tp.Any]:
    """The training spec (`RunSpec` JSON) of `clasp train`: CLASP from scratch."""
    return {"data": str(args.data), "out": str(args.out), "component": "clasp",
            "mode": "scratch", "config": args.config, "steps": args.steps,
            "batch_size": args.batch_size, "grad_accum": args.grad_accum, "lr": args.lr,
            "warmup": args.warmup, "crop_seconds": args.crop_seconds,
            "holdout": args.val_fraction, "preview_every": args.validate_every,
            "save_every": args.checkpoint_every, "keep_last": args.keep_last,
            "compile": args.compile, "seed": args.seed, "resume": not args.fresh}


def _train(args: argparse.Namespace) -> int:
    """`train(spec)` for CLASP, the same run as `ainur-studio train --component clasp`."""
    from ainur_studio.training.train import train
    from commands.train import ProgressBar

    summary = train(train_spec(args), device=args.device, precision=args.precision,
                    progress=ProgressBar(enabled=True))
    print(json.dumps(summary))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from ainur_studio.models.clasp import load_clasp
    from ainur_studio.training.recipes.clasp import pairs, retrieval
    from ainur_studio.training.recipes.clasp_data import ClaspClipDataset
    from ainur_studio.training.sources import load_sources

    model = load_clasp(args.model, device=args.device)
    sources = load_sources(args.data, min_seconds=0.5)
    data = ClaspClipDataset(pairs(sources.train + sources.held_out),
                            crop_seconds=args.crop_seconds,
                            sample_rate=model.audio_sample_rate, random_crop=False)
    figures = retrieval(model, data)
    if not figures:
        raise ValueError("need at least 2 clips with captions or lyrics to measure retrieval")
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name:32s} {value:.4f}")
    return 0


def _read_lyrics(path: Path) -> str:
    if path.suffix.lower() == ".lrc":
        from ainur_studio.lyrics.lrc import read_lrc

        return read_lrc(path)[0].text
    return path.read_text(encoding="utf-8")


def _embed(args: argparse.Namespace) -> int:
    from ainur_studio.audio.io import audio_read
    from ainur_studio.models.clasp import load_clasp

    if not (args.text or args.lyrics_file or args.audio):
        raise ValueError("nothing to embed: give --text, --lyrics-file and/or --audio")
    if args.out.suffix not in (".safetensors", ".json"):
        raise ValueError(f"--out must end in .safetensors or .json, got {args.out.name}")
    model = load_clasp(args.model, device=args.device)
    out: dict[str, tp.Any] = {}
    if args.text:
        out["text"] = model.embed_text(args.text)
    if args.lyrics_file:
        out["lyrics"] = model.embed_lyrics([_read_lyrics(p) for p in args.lyrics_file])
    if args.audio:
        rate = model.audio_sample_rate
        out["audio"] = model.embed_audio([audio_read(p, sample_rate=rate) for p in args.audio])
    names = {"text": args.text, "lyrics": [str(p) for p in args.lyrics_file],
             "audio": [str(p) for p in args.audio]}
    _write_embeddings(args.out, out, {k: v for k, v in names.items() if k in out})
    print(str(args.out))
    return 0


def _write_embeddings(path: Path, tensors: dict[str, tp.Any], names: dict[str, list]) -> None:
    """Write atomically: a temporary file beside `path`, renamed into place."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix == ".json":
        data = {k: {"inputs": names[k], "embeddings": v.cpu().tolist()} for k, v in tensors.items()}
        tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    else:
        from safetensors.torch import save_file

        save_file({k: v.cpu().contiguous() for k, v in tensors.items()}, str(tmp),
                  metadata={"inputs": json.dumps(names)})
    os.replace(tmp, path)
