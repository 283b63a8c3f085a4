"""Generate takes without the app, on the engine's code path (in this process).

Prints the path of every take written: its folder for a take made of parts (a pack with
stems), else its audio file (with --json: one JSON object per take, with its path, folder,
parts, sidecar, LRC and the Take record). Progress goes to stderr. Exit code 0 when every
take was written, 1 when generation failed, 2 for bad arguments, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import sys
import threading
import typing as tp
from pathlib import Path

from commands import generate_structure
from commands.generate_structure import UsageError
from engine.osc.addresses import DELIVERY_KINDS

TASKS = ("new", "variation", "repaint", "extend", "interpolate", "best-of")
FORMATS = ("wav24", "wav32f", "flac")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("what to generate")
    g.add_argument("--prompt", default="", help="text prompt (style, instruments, mood)")
    g.add_argument("--lyrics", metavar="F.lrc", help="synced lyrics to sing (LRC file)")
    g.add_argument("--reference", metavar="F.wav",
                   help="reference audio whose style conditions the take")
    g.add_argument("--duration", type=float, default=None, metavar="S",
                   help="length in seconds (default 10, or from --bars/--bpm)")
    g.add_argument("--seed", type=int, help="random seed (default: a random one, reported)")
    g.add_argument("--steps", type=int, metavar="N",
                   help="sampler steps (default: the model pack's, else 24)")
    g.add_argument("--guidance", type=float, metavar="X",
                   help="classifier-free guidance scale (default: the pack's, else 4.0)")
    g.add_argument("--sampler", metavar="NAME",
                   help="dpmpp-2m, euler, heun or v-ddim (default: the pack's, else dpmpp-2m)")
    g.add_argument("--variations", type=int, default=1, metavar="N",
                   help="how many takes (consecutive seeds)")
    g.add_argument("--model", default="starter", metavar="PACK",
                   help="model pack name or folder, or a training run folder (its pack/); "
                        "see `ainur-studio models`")
    g.add_argument("--style-strength", type=float, default=1.0, metavar="X",
                   help="a fine-tuned (LoRA) pack's pull toward its recordings: 0 = its base "
                        "pack, 1 = as trained (default), up to 2 to exaggerate")
    generate_structure.add_arguments(parser)
    t = parser.add_argument_group("task (default: new)")
    t.add_argument("--task", choices=TASKS, default="new", help="what to do")
    t.add_argument("--source", metavar="TAKE",
                   help="take to vary, repaint or extend: an audio file, or a take folder (or "
                        "its take.json or mix), whose stems a pack with stems edits; one stem "
                        "file of a take folder edits that part alone")
    t.add_argument("--strength", type=float, default=0.5, metavar="X",
                   help="variation: 0 keeps the source, 1 ignores it (0.5)")
    t.add_argument("--region", type=float, nargs=2, metavar=("START", "END"),
                   help="repaint: region in seconds")
    t.add_argument("--extend-s", type=float, default=10.0, metavar="S",
                   help="extend: seconds to add (10)")
    t.add_argument("--side", choices=("left", "right"), default="right",
                   help="extend: which side (right)")
    t.add_argument("--second-prompt", default="", metavar="TEXT", help="interpolate: the other prompt")
    t.add_argument("--second-seed", type=int, metavar="N", help="interpolate: the other seed")
    t.add_argument("--interpolation-steps", type=int, default=5, metavar="N",
                   help="interpolate: number of takes between the end points (5)")
    t.add_argument("--best-of", type=int, default=4, metavar="N",
                   help="best-of: candidates to rank with CLASP (4)")
    o = parser.add_argument_group("output")
    o.add_argument("-o", "--out", metavar="DIR",
                   help="folder for the takes (default: the takes folder in your user data "
                        "folder, as in the app)")
    o.add_argument("--format", choices=FORMATS, default="wav24",
                   help="wav24 (24-bit PCM, default), wav32f (32-bit float) or flac")
    o.add_argument("--loudness", type=float, default=-14.0, metavar="LUFS",
                   help="integrated-loudness target (-14)")
    o.add_argument("--no-loudness", action="store_true", help="do not normalise loudness")
    o.add_argument("--ceiling", type=float, default=-1.0, metavar="DBTP",
                   help="true-peak limiter ceiling (-1)")
    o.add_argument("--no-limiter", action="store_true", help="switch the limiter off")
    o.add_argument("--template", default="{date}_{prompt_slug}_{seed}_{n}",
                   help="file-name template; fields: date time prompt_slug seed n model task "
                        "take_id")
    o.add_argument("--json", action="store_true", help="one JSON object per take on stdout")
    s = parser.add_argument_group("delivery to a DAW (docs/daw-bridge.md)")
    s.add_argument("--send", action="append", default=[], metavar="URL",
                   help="after writing, deliver each take to osc.udp://HOST:PORT or "
                        "osc.tcp://HOST:PORT (repeatable)")
    s.add_argument("--as", dest="send_as", choices=DELIVERY_KINDS, default="notify",
                   help="how --send delivers: " + ", ".join(DELIVERY_KINDS) + " (notify)")
    d = parser.add_argument_group("device")
    d.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    d.add_argument("--precision", default="auto", help="auto, fp32, bf16 or fp16")


def _existing(path: str | None, what: str) -> str:
    if not path:
        return ""
    if not Path(path).is_file():
        raise UsageError(f"{what} {path!r} does not exist or is not a file")
    return str(Path(path).resolve())


def build_request(args: argparse.Namespace) -> tp.Any:
    """The `GenerationRequest` the arguments describe."""
    from ainur_studio.types import GenerationRequest, PromptFields, Task, TaskInputs

    if args.bars is not None and args.duration is not None and not args.add_to:
        raise UsageError("give either --duration or --bars/--bpm, not both")
    grid = generate_structure.build_grid(args)
    duration = args.duration if grid.duration_s is None else grid.duration_s
    if grid.base is not None and args.task != "new":
        raise UsageError(f"--add-to is the add-parts task; leave out --task {args.task}")
    source = source_take(args.source)
    if source.edit and not grid.structure.parts:
        grid.structure.parts = list(source.edit)
    inputs = TaskInputs(source_audio=source.audio,
                        strength=args.strength, extend_side=args.side, extend_s=args.extend_s,
                        second_prompt=args.second_prompt, second_seed=args.second_seed,
                        interpolation_steps=args.interpolation_steps, best_of=args.best_of,
                        reference_audio=_existing(args.reference, "--reference"),
                        part_audio=grid.part_audio or source.stems)
    if args.region:
        inputs.region_start_s, inputs.region_end_s = args.region
    if args.task in ("variation", "repaint", "extend") and not inputs.source_audio:
        raise UsageError(f"--task {args.task} needs --source TAKE (a take folder or an audio "
                         "file)")
    base = grid.base.request if grid.base is not None else None
    lyrics = _read_lyrics(args.lyrics) or (base.lyrics if base is not None else None)
    request = GenerationRequest(
        prompt=args.prompt or (base.prompt if base is not None else ""),
        fields=PromptFields(bpm=grid.structure.bpm), lyrics=lyrics,
        duration_s=10.0 if duration is None else duration,
        seed=random.randrange(2**31) if args.seed is None else args.seed,
        **_given_sampling(args), variations=args.variations,
        task=Task.ADD_PARTS if base is not None else Task(args.task), inputs=inputs,
        model=args.model, structure=grid.structure, style_strength=args.style_strength)
    check_arguments(request, bars=args.bars is not None)  # before the pack's defaults, which need the pack registry
    return dataclasses.replace(request, **_sampling(args))


@dataclasses.dataclass
class SourceTake:
    """What --source names: the audio to edit, a take's stems (role -> file) and the part to
    edit when one stem was named."""

    audio: str = ""
    stems: dict[str, str] = dataclasses.field(default_factory=dict)
    edit: list[str] = dataclasses.field(default_factory=list)


def source_take(path: str | None) -> SourceTake:
    """--source as the editing task's inputs: a take made of parts gives its mix and its
    stems (a pack with stems edits the stems, one without edits the mix); a stem of it gives
    that stem and every stem, editing that part; any other audio file is the source alone."""
    from ainur_studio.take_reader import TakeReadError, read_take

    if not path:
        return SourceTake()
    named = Path(path).expanduser()
    if not named.exists():
        raise UsageError(f"--source {path!r} does not exist")
    try:
        take = read_take(named)
    except TakeReadError as exc:
        if named.is_dir():
            raise UsageError(f"--source {path!r}: {exc}") from None
        return SourceTake(_existing(path, "--source"))
    real, mix = named.resolve(), Path(take.path).resolve()
    stems = {p.role: Path(p.path).resolve() for p in take.parts}
    whole = real.is_dir() or real.suffix == ".json" or real == mix
    if not whole and real not in stems.values():
        return SourceTake(_existing(path, "--source"))  # another file beside a take
    for role, stem in stems.items():
        if not stem.is_file():
            raise UsageError(f"--source {path!r}: the take's {role} stem {str(stem)!r} is "
                             "missing; restore it, or give the mix file alone")
    if not stems:
        return SourceTake(_existing(str(mix), "--source"))
    named_role = [role for role, stem in stems.items() if stem == real]
    return SourceTake(str(real if named_role else mix), {r: str(p) for r, p in stems.items()},
                      named_role)


# The request field each option sets, so a limit is reported in the option's words.
OPTION_OF = {"duration_s": "--duration", "steps": "--steps", "guidance": "--guidance",
             "variations": "--variations", "seed": "--seed", "sampler": "--sampler",
             "inputs.strength": "--strength", "inputs.extend_s": "--extend-s",
             "inputs.interpolation_steps": "--interpolation-steps",
             "inputs.best_of": "--best-of", "inputs.region_start_s": "--region",
             "inputs.region_end_s": "--region", "start_bar": "--start-bar",
             "style_strength": "--style-strength"}


def check_arguments(request: tp.Any, *, bars: bool = False) -> None:
    """Refuse a request outside `ainur_studio.limits` before any model loads (`bars`: the
    duration came from --bars)."""
    from ainur_studio.limits import audio_file_problems, request_problems

    problems = request_problems(request) or audio_file_problems(request)
    if problems:
        text = problems[0].plain
        options = {**OPTION_OF, "duration_s": "--bars" if bars else "--duration"}
        for field, option in options.items():
            if text.startswith(field + " "):
                text = f"{option} ({field}){text[len(field):]}"
                break
        raise UsageError(text)


BUILT_IN_SAMPLING = {"steps": 24, "guidance": 4.0, "sampler": "dpmpp-2m"}


def _given_sampling(args: argparse.Namespace) -> dict[str, tp.Any]:
    """Steps, guidance and sampler: as given, else the built-in defaults."""
    return {key: default if getattr(args, key) is None else getattr(args, key)
            for key, default in BUILT_IN_SAMPLING.items()}


def _sampling(args: argparse.Namespace) -> dict[str, tp.Any]:
    """Steps, guidance and sampler: as given, else the pack's defaults, else the built-in ones."""
    defaults = dict(BUILT_IN_SAMPLING)
    if None in (args.steps, args.guidance, args.sampler):
        defaults.update({k: v for k, v in pack_defaults(args.model).items() if k in defaults})
    return {key: default if getattr(args, key) is None else getattr(args, key)
            for key, default in defaults.items()}


def pack_defaults(model: str) -> dict[str, tp.Any]:
    """The sampling defaults in a pack's pack.json ({} for unknown or built-in packs); `model`
    is a pack name, a pack folder or a training run folder."""
    from ainur_studio.models.pretrained import list_packs, pack_folder

    folder = pack_folder(model)
    if folder is None:
        found = [p.path for p in list_packs() if p.name == model and p.path is not None]
        if not found:
            return {}
        folder = found[0]
    try:
        return dict(json.loads((folder / "pack.json").read_text(encoding="utf-8"))
                    .get("defaults", {}))
    except (OSError, ValueError, AttributeError):
        return {}


def _read_lyrics(path: str | None) -> tp.Any:
    if not path:
        return None
    from ainur_studio.lyrics.lrc import read_lrc

    lyrics, problems = read_lrc(_existing(path, "--lyrics"))
    for problem in problems:
        sys.stderr.write(f"{path}: {problem}\n")
    return lyrics


def takes_folder(args: argparse.Namespace) -> Path:
    from ainur_studio.paths import takes_dir

    return Path(args.out).resolve() if args.out else takes_dir()


def output_options(args: argparse.Namespace) -> dict[str, tp.Any]:
    return {"dir": str(takes_folder(args)), "format": args.format,
            "template": args.template,
            "loudness_lufs": None if args.no_loudness else args.loudness,
            "true_peak_dbtp": None if args.no_limiter else args.ceiling}


class ProgressBar:
    """A one-line progress bar on stderr (a line per stage when stderr is not a terminal)."""

    def __init__(self, stream: tp.TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = self.stream.isatty()
        self._stage = ""

    def update(self, data: dict[str, tp.Any]) -> None:
        step, total = int(data.get("step", 0)), max(1, int(data.get("total", 1)))
        stage = str(data.get("stage", ""))
        eta = data.get("eta")
        filled = int(self.width * min(step, total) / total)
        text = (f"{stage:<7} [{'#' * filled}{'.' * (self.width - filled)}] {step}/{total}"
                + (f"  eta {eta:.1f}s" if isinstance(eta, (int, float)) else ""))
        if self.tty:
            self.stream.write("\r" + text)
        elif stage != self._stage or step >= total:
            self.stream.write(text + "\n")
        self._stage = stage
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


@contextlib.contextmanager
def stdout_to_stderr() -> tp.Iterator[None]:
    """While generating, anything printed (by Python or native code) goes to stderr, so
    stdout carries only the take paths or JSON lines."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run(args: argparse.Namespace, **seams: tp.Any) -> int:
    """Generate; `seams` (generate_fn, load_pack) replace the model core in tests."""
    with stdout_to_stderr():
        code, printed = _generate(args, seams)
    for line in printed:
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return code


def _generate(args: argparse.Namespace, seams: dict[str, tp.Any]) -> tuple[int, list[str]]:
    try:
        request = build_request(args)
        from engine.devices import choose_device

        device = choose_device(args.device, args.precision)
    except (UsageError, ValueError, OSError) as exc:
        sys.stderr.write(f"ainur-studio generate: error: {exc}\n")
        return 2, []
    from engine.client import EngineError
    from engine.inprocess import InProcessEngine

    bar = ProgressBar()
    printed: list[str] = []
    lock = threading.Lock()

    def on_event(event: tp.Any) -> None:
        if event.event == "progress":
            bar.update(event.data)
        elif event.event == "take_ready":
            with lock:
                printed.append(_take_line(event.data, as_json=args.json))

    engine = InProcessEngine(takes_dir=takes_folder(args), device=device, on_event=on_event, **seams)
    try:
        job = engine.generate(request, output=output_options(args))
        end = engine.wait_job(job, timeout=None)
    except EngineError as exc:  # refused when submitted: a bad request or output option
        engine.close()
        sys.stderr.write(f"ainur-studio generate: error: {exc.message}\n")
        return (2 if exc.code == "bad_params" else 1), printed
    except KeyboardInterrupt:
        engine.close()
        sys.stderr.write("\ninterrupted\n")
        return 130, printed
    finally:
        bar.done()
    engine.close()
    if end.event == "job_done" and args.send:
        return _deliver_all(args, request, end.data.get("takes", [])), printed
    if end.event != "job_done":
        data = end.data
        sys.stderr.write(f"ainur-studio generate: {data.get('code', 'failed')}: "
                         f"{data.get('message', '')}\n")
        if data.get("detail"):
            sys.stderr.write(str(data["detail"]) + "\n")
        return 1, printed
    return 0, printed


def _deliver_all(args: argparse.Namespace, request: tp.Any, takes: list[str]) -> int:
    """Send every written take to every --send target; 1 when any delivery failed."""
    from engine.osc.delivery_requests import FAILURES, parse_delivery

    code = 0
    for url in args.send:
        for path in takes:
            try:
                parse_delivery({"take": path, "target": url, "kind": args.send_as,
                                "prompt": request.prompt, "bpm": request.fields.bpm,
                                "bars": float(args.bars or 0)}).run()
            except FAILURES as exc:
                sys.stderr.write(f"ainur-studio generate: the take was written to {path} but "
                                 f"sending it to {url} failed: {exc}\n")
                code = 1
    return code


def _take_line(data: dict[str, tp.Any], *, as_json: bool) -> str:
    paths = data.get("paths", {})
    if not as_json:
        return str(paths.get("folder") or paths.get("audio", ""))
    take = data.get("take", {})
    return json.dumps({"path": paths.get("audio", ""), "folder": paths.get("folder", ""),
                       "parts": paths.get("parts", {}), "sidecar": paths.get("sidecar", ""),
                       "lrc": paths.get("lrc", ""), "seed": data.get("seed"),
                       "duration_s": take.get("frames", 0) / take.get("sample_rate", 48000),
                       "take": take}, ensure_ascii=False)
