"""Fine-tune a model pack on a folder of recordings, or train a component from scratch.

  ainur-studio train --data DIR --base PACK --mode lora|full --out DIR [--steps N ...]
                     (adapts the decoder first when the recordings need it: --decoder)
  ainur-studio train --data DIR --report [--json]          (prints the dataset report only)
  ainur-studio train --data LIST.jsonl --mode scratch --component clasp|autoencoder|prior
                     --config NAME --out DIR
  torchrun --nproc_per_node=N main.py train ...            (DDP, same code path)

Progress goes to stderr (a bar, and status lines); the summary to stdout (JSON with --json).
Exit codes: 0 done (or stopped with a checkpoint), 1 failed, 2 bad arguments, 130 interrupted
(a checkpoint is written first; continue with --resume).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import typing as tp

from ainur_studio.closeness_report import closeness_lines

MODES = ("lora", "full", "scratch")
COMPONENTS = ("prior", "clasp", "autoencoder", "decoder")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = parser.add_argument_group("data and model")
    d.add_argument("--data", required=True, help="folder of recordings or .jsonl manifest")
    d.add_argument("--report", action="store_true", help="print the dataset report; train nothing")
    d.add_argument("--base", default="starter", help="pack to start from (name or folder)")
    d.add_argument("--mode", choices=MODES, default="lora", help="lora (default), full, scratch")
    d.add_argument("--component", choices=COMPONENTS, default="prior",
                   help="what to train (prior; decoder = autoencoder with the encoder frozen)")
    d.add_argument("--config", default="", help="scratch: config name (small, prior_small) or "
                                                "JSON file")
    d.add_argument("--out", default="", help="run folder (default: under the user data folder)")
    d.add_argument("--resume", action="store_true", help="continue from the newest checkpoint")
    d.add_argument("--name", default="", help="name of the exported pack")
    d.add_argument("--install", action="store_true",
                   help="also install the exported pack in the user's models folder")
    t = parser.add_argument_group("training")
    t.add_argument("--steps", type=int, default=600, help="optimizer steps (600)")
    t.add_argument("--batch-size", type=int, default=0, help="per process; 0 = from memory")
    t.add_argument("--grad-accum", type=int, default=1, help="micro-batches per step (1)")
    t.add_argument("--lr", type=float, default=1e-4, help="peak learning rate (1e-4)")
    t.add_argument("--warmup", type=int, default=100, help="warm-up steps (100)")
    t.add_argument("--rank", type=int, default=16, help="LoRA rank (16)")
    t.add_argument("--alpha", type=float, default=None, help="LoRA alpha (= rank)")
    t.add_argument("--lora-targets", nargs="+", default=["attention", "conv"],
                   choices=("attention", "conv"),
                   help="modules with adapters (attention conv)")
    t.add_argument("--clasp-dropout", default="auto",
                   help="share of crops trained without a CLASP vector: auto (1.0 for a "
                        "fine-tune on captioned recordings, as a prompt alone has none; else "
                        "the prior's own), or a number in [0, 1]")
    t.add_argument("--decoder", choices=("auto", "on", "off"), default="auto",
                   help="fine-tune the decoder (encoder frozen) before the prior: auto (when "
                        "its reconstructions of the recordings are far from them), on, off")
    t.add_argument("--decoder-steps", type=int, default=300, help="decoder stage steps (300)")
    t.add_argument("--decoder-crop-seconds", type=float, default=2.0,
                   help="decoder stage crop (2 s)")
    t.add_argument("--crop-seconds", type=float, default=10.0, help="training crop (10 s)")
    t.add_argument("--holdout", type=float, default=0.1, help="share held out (0.1)")
    t.add_argument("--ema-decay", type=float, default=0.999, help="EMA decay (0 = off)")
    t.add_argument("--seed", type=int, default=0, help="data order and init seed (0)")
    t.add_argument("--compile", action="store_true", help="use torch.compile")
    t.add_argument("--cache-dir", default="", help="latent cache (default: OUT/cache)")
    c = parser.add_argument_group("checkpoints and validation")
    c.add_argument("--save-every", type=int, default=500, help="checkpoint interval (500)")
    c.add_argument("--keep-last", type=int, default=3, help="checkpoints kept (3)")
    c.add_argument("--preview-every", type=preview_interval, default="auto",
                   help="validation + preview clips interval in steps: auto (a quarter of "
                        "the steps for a LoRA or full fine-tune of the prior, with a share of "
                        "the recordings held out to measure the previews against; else never), "
                        "a number, 0 = never")
    c.add_argument("--preview-prompt", action="append", default=[], help="preview prompt (repeat)")
    c.add_argument("--preview-seconds", type=float, default=4.0, help="preview length (4 s)")
    r = parser.add_argument_group("run")
    r.add_argument("--device", default=None, help="cpu, cuda, cuda:N (default: GPU if present)")
    r.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"))
    r.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0 = default)")
    r.add_argument("--json", action="store_true", help="print the report or summary as JSON")
    r.add_argument("--quiet", action="store_true", help="no progress bar")


def spec_from_args(args: argparse.Namespace) -> dict[str, tp.Any]:
    """The training spec (`RunSpec` JSON) the arguments describe."""
    return {"data": args.data, "out": args.out, "base": args.base, "mode": args.mode,
            "component": args.component, "config": args.config, "steps": args.steps,
            "batch_size": args.batch_size, "grad_accum": args.grad_accum, "lr": args.lr,
            "warmup": args.warmup, "rank": args.rank, "alpha": args.alpha,
            "lora_targets": args.lora_targets, "crop_seconds": args.crop_seconds,
            "save_every": args.save_every, "keep_last": args.keep_last,
            "preview_every": _preview_every(args), "preview_prompts": args.preview_prompt,
            "preview_seconds": args.preview_seconds, "holdout": args.holdout,
            "ema_decay": args.ema_decay or None, "seed": args.seed, "compile": args.compile,
            "cache_dir": args.cache_dir, "name": args.name, "install": args.install,
            "resume": args.resume, "clasp_dropout": args.clasp_dropout,
            "decoder": args.decoder, "decoder_steps": args.decoder_steps,
            "decoder_crop_seconds": args.decoder_crop_seconds}


def preview_interval(text: str) -> str | int:
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a number of steps, got {text!r}")\
            from None


def _preview_every(args: argparse.Namespace) -> int:
    """`--preview-every`, with "auto" resolved for this run."""
    if args.preview_every != "auto":
        return int(args.preview_every)
    fine_tune = args.component == "prior" and args.mode in ("lora", "full")
    return args.steps // 4 if fine_tune else 0


def clock(seconds: float) -> str:
    """Seconds as H:MM:SS (hours not wrapped at a day)."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class ProgressBar:
    """The training's progress contract on a terminal: `[#####.....] step/total loss lr
    samples/s ETA` redrawn on stderr (main rank only), status lines, and stop requests from
    `should_stop` (Ctrl-C)."""

    def __init__(self, *, enabled: bool, should_stop: tp.Callable[[], bool] = lambda: False,
                 width: int = 28) -> None:
        self.enabled, self.width, self.drawn = enabled, width, False
        self._should_stop = should_stop

    def should_stop(self) -> bool:
        return self._should_stop()

    def report(self, step: int, total: int, *, stage: str = "", message: str = "",
               **data: tp.Any) -> None:
        if stage == "plan":
            self.log(message)
            return
        if stage != "train":
            return
        if self.enabled:
            total = max(int(total), 1)
            done = self.width * step // total
            line = (f"\r[{'#' * done}{'.' * (self.width - done)}] {step}/{total} "
                    f"loss {data['loss']:.4f} lr {data['lr']:.2e} "
                    f"{data['samples_per_s']:.1f} samples/s ETA {clock(data.get('eta') or 0.0)}")
            sys.stderr.write(line)
            sys.stderr.flush()
            self.drawn = True
        if data.get("event") == "validation":  # status lines: printed with --quiet too
            for path in data.get("previews") or []:
                self.log(f"preview: {path}")
            validation = data.get("validation") or {}
            self.log(f"validation at step {step}: {json.dumps(validation)}")
            for line in closeness_lines(validation):
                self.log(f"  closeness to your held-out recordings, {line}")

    def log(self, text: str) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            self.drawn = False
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def _report(args: argparse.Namespace) -> int:
    from ainur_studio.training.sources import load_sources

    sources = load_sources(args.data)
    if args.json:
        data = sources.report.to_dict()
        data["held_out"] = [it.path for it in sources.held_out]
        print(json.dumps(data, indent=2))
    else:
        print(sources.report.summary())
    return 0


@contextlib.contextmanager
def _stop_on_interrupt() -> tp.Iterator[tp.Callable[[], bool]]:
    """First Ctrl-C: stop after the current step with a checkpoint; second: interrupt now.
    The previous SIGINT handler comes back afterwards."""
    requested: list[int] = []

    def handler(signum: int, frame: tp.Any) -> None:
        if requested:
            raise KeyboardInterrupt
        requested.append(signum)
        print("\nstopping after this step (Ctrl-C again to interrupt now)", file=sys.stderr)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: no signal handling
        yield lambda: False
        return
    try:
        yield lambda: bool(requested)
    finally:
        signal.signal(signal.SIGINT, previous)


def _train(args: argparse.Namespace) -> int:
    import os

    from ainur_studio.training.spec import RunSpec

    try:
        spec = RunSpec.from_dict(spec_from_args(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import torch

    from ainur_studio.training.train import train

    if args.threads:
        torch.set_num_threads(args.threads)
    main_rank = os.environ.get("RANK", "0") == "0"
    with _stop_on_interrupt() as should_stop:
        bar = ProgressBar(enabled=main_rank and not args.quiet, should_stop=should_stop)
        summary = train(spec, device=args.device, precision=args.precision, progress=bar)
    if main_rank:
        bar.log("stopped; continue with --resume" if summary.get("stopped") else "done")
        print(json.dumps(summary, indent=2) if args.json else _summary_text(summary))
    return 0


def _summary_text(summary: dict[str, tp.Any]) -> str:
    lines = [f"steps: {summary.get('steps')}   loss: {summary.get('first_loss')} -> "
             f"{summary.get('loss')}   {summary.get('steps_per_s', 0) or 0:.2f} steps/s",
             f"run folder: {summary.get('out')}",
             f"checkpoint: {summary.get('checkpoint')}"]
    if summary.get("pack") or summary.get("model"):
        lines.append(f"exported: {summary.get('pack') or summary.get('model')}")
    lines += [f"skipped {s['path']}: {s['reason']} ({s['detail']})"
              for s in summary.get("skipped", [])]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        return _report(args) if args.report else _train(args)
    except KeyboardInterrupt:
        print("\ninterrupted: the last checkpoint is kept; continue with --resume",
              file=sys.stderr)
        return 130
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
