"""The limits of a `GenerationRequest`, defined once and checked before any model loads.

The command line, the engine (when a request is submitted), the app (before it queues a
request) and `generate` itself call `check_request`; the prompt panel takes its spin-box
ranges from `LIMITS`. Stdlib only, so the UI can import it. What depends on the loaded pack
(the window length of editing tasks, a pack without CLASP) is checked by `generate`.
"""

from __future__ import annotations

import math
import typing as tp
from dataclasses import dataclass
from pathlib import Path

from ainur_studio.errors import GenerationError
from ainur_studio.types import GenerationRequest, Task

# The samplers `ainur_studio.diffusion.samplers.SAMPLERS` implements (a test keeps them equal).
SAMPLER_NAMES = ("dpmpp-2m", "euler", "heun", "v-ddim")
EDITING_TASKS = (Task.VARIATION, Task.REPAINT, Task.EXTEND)
MIN_AUDIO_SECONDS = {"reference_audio": 1.0, "source_audio": 0.1}


@dataclass(frozen=True)
class Limit:
    """An allowed closed range for one numeric field of the request."""

    field: str        # attribute path on GenerationRequest, e.g. "inputs.strength"
    low: float
    high: float
    code: str         # the GenerationError code when it is out of range
    integer: bool = False
    unit: str = ""

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.field} must be {kind} from {self.low:g} to {self.high:g}{unit}"

    def holds(self, value: tp.Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.integer:
            return isinstance(value, int) and self.low <= value <= self.high
        return (isinstance(value, (int, float)) and math.isfinite(value)
                and self.low <= value <= self.high)


LIMITS: dict[str, Limit] = {limit.field: limit for limit in (
    Limit("duration_s", 1.0, 600.0, "duration_out_of_range", unit="s"),
    Limit("steps", 1, 1000, "bad_steps", integer=True),
    Limit("guidance", 0.0, 50.0, "bad_guidance"),
    Limit("variations", 1, 16, "bad_count", integer=True),
    Limit("seed", 0, 2**63 - 1, "bad_seed", integer=True),
    Limit("inputs.strength", 0.0, 1.0, "bad_strength"),
    Limit("inputs.extend_s", 1.0, 600.0, "bad_extend", unit="s"),
    Limit("inputs.crossfade_s", 0.0, 30.0, "bad_extend", unit="s"),
    Limit("inputs.interpolation_steps", 2, 64, "bad_count", integer=True),
    Limit("inputs.best_of", 1, 64, "bad_count", integer=True),
    Limit("inputs.region_start_s", 0.0, 36000.0, "bad_region", unit="s"),
    Limit("inputs.region_end_s", 0.0, 36000.0, "bad_region", unit="s"),
)}

# Which limits apply to which task (the rest of a request's fields are ignored by it).
_COMMON = ("steps", "guidance", "variations", "seed")
TASK_FIELDS: dict[Task, tuple[str, ...]] = {
    Task.NEW: (*_COMMON, "duration_s"),
    Task.BEST_OF: (*_COMMON, "duration_s", "inputs.best_of"),
    Task.INTERPOLATE: (*_COMMON, "duration_s", "inputs.interpolation_steps"),
    Task.VARIATION: (*_COMMON, "inputs.strength"),
    Task.REPAINT: (*_COMMON, "inputs.region_start_s", "inputs.region_end_s"),
    Task.EXTEND: (*_COMMON, "inputs.extend_s", "inputs.crossfade_s"),
}


def field_value(request: GenerationRequest, path: str) -> tp.Any:
    value: tp.Any = request
    for name in path.split("."):
        value = getattr(value, name)
    return value


def request_problems(request: GenerationRequest) -> list[GenerationError]:
    """Every way `request` breaks the limits, without touching files or models."""
    try:
        task = Task(request.task)
    except ValueError:
        known = ", ".join(t.value for t in Task)
        return [GenerationError("unknown_task", f"unknown task {request.task!r}; use one of "
                                                f"{known}")]
    problems = []
    if request.sampler not in SAMPLER_NAMES:
        problems.append(GenerationError("unknown_sampler", f"unknown sampler "
                                        f"{request.sampler!r}; use one of "
                                        f"{', '.join(SAMPLER_NAMES)}"))
    for path in TASK_FIELDS[task]:
        limit, value = LIMITS[path], field_value(request, path)
        if not limit.holds(value):
            problems.append(GenerationError(limit.code, f"{limit.describe()}, got {value!r}"))
    problems += _task_problems(request, task)
    return problems


def _task_problems(request: GenerationRequest, task: Task) -> list[GenerationError]:
    inputs = request.inputs
    problems = []
    if task in EDITING_TASKS and not inputs.source_audio:
        problems.append(GenerationError("no_source", f"the {task.value} task needs source "
                                        "audio: select a take or choose an audio file"))
    if task is Task.REPAINT and not _region_ordered(inputs.region_start_s, inputs.region_end_s):
        problems.append(GenerationError("bad_region", f"the repaint region "
                                        f"{inputs.region_start_s!r}-{inputs.region_end_s!r} s "
                                        "must start before it ends"))
    if task is Task.EXTEND and inputs.extend_side not in ("left", "right"):
        problems.append(GenerationError("bad_extend", f"extend_side must be 'left' or "
                                        f"'right', got {inputs.extend_side!r}"))
    return problems


def _region_ordered(start: tp.Any, end: tp.Any) -> bool:
    numbers = all(isinstance(v, (int, float)) and math.isfinite(v) for v in (start, end))
    return numbers and start < end


def check_request(request: GenerationRequest) -> None:
    """Raise the first `GenerationError` of `request_problems`, if any."""
    problems = request_problems(request)
    if problems:
        raise problems[0]


def audio_file_problems(request: GenerationRequest) -> list[GenerationError]:
    """The request's source and reference audio: each must be a readable audio file of at
    least its minimum length. Reads only the files' headers (milliseconds)."""
    task = Task(request.task) if request.task in {t.value for t in Task} else None
    named = {"reference_audio": ("reference audio", "reference")}
    if task in EDITING_TASKS:
        named["source_audio"] = ("source audio", "source")
    problems = []
    for attr, (what, code) in named.items():
        path = getattr(request.inputs, attr)
        if path:
            problem = _audio_problem(str(path), what, code, MIN_AUDIO_SECONDS[attr])
            if problem is not None:
                problems.append(problem)
    return problems


def _audio_problem(path: str, what: str, code: str, min_seconds: float
                   ) -> GenerationError | None:
    import soundfile  # light (cffi + libsndfile); only when a file is named

    if not Path(path).is_file():
        return GenerationError(f"{code}_unreadable", f"the {what} {path!r} does not exist or "
                                                     "is not a file")
    try:
        info = soundfile.info(path)
    except (RuntimeError, OSError, ValueError) as exc:  # soundfile.LibsndfileError is a RuntimeError
        return GenerationError(f"{code}_unreadable", f"the {what} {path!r} is not an audio "
                               f"file this app can read (WAV, FLAC, OGG, MP3, AIFF): {exc}")
    if info.samplerate <= 0 or info.frames < math.ceil(min_seconds * info.samplerate):
        seconds = info.frames / info.samplerate if info.samplerate > 0 else 0.0
        return GenerationError(f"{code}_too_short", f"the {what} {path!r} lasts "
                               f"{seconds:.2f} s; it must last at least {min_seconds:g} s")
    return None
