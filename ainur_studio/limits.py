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

from ainur_studio import structure as st
from ainur_studio.errors import GenerationError
from ainur_studio.types import GenerationRequest, Structure, Task

# The samplers `ainur_studio.diffusion.samplers.SAMPLERS` implements (a test keeps them equal).
SAMPLER_NAMES = ("dpmpp-2m", "euler", "heun", "v-ddim")
EDITING_TASKS = (Task.VARIATION, Task.REPAINT, Task.EXTEND)
MIN_AUDIO_SECONDS = {"reference_audio": 1.0, "source_audio": 0.1, "part_audio": 0.1}
MAX_NOTES = 20_000  # per part
MAX_START_BAR = 9999


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
    Limit("style_strength", 0.0, 2.0, "bad_style_strength"),
)}

# Which limits apply to which task (the rest of a request's fields are ignored by it).
_COMMON = ("steps", "guidance", "variations", "seed", "style_strength")
TASK_FIELDS: dict[Task, tuple[str, ...]] = {
    Task.NEW: (*_COMMON, "duration_s"),
    Task.BEST_OF: (*_COMMON, "duration_s", "inputs.best_of"),
    Task.INTERPOLATE: (*_COMMON, "duration_s", "inputs.interpolation_steps"),
    Task.VARIATION: (*_COMMON, "inputs.strength"),
    Task.REPAINT: (*_COMMON, "inputs.region_start_s", "inputs.region_end_s"),
    Task.EXTEND: (*_COMMON, "inputs.extend_s", "inputs.crossfade_s"),
    Task.ADD_PARTS: _COMMON,
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
    problems += structure_problems(request.structure)
    return problems


def structure_problems(structure: Structure) -> list[GenerationError]:
    """Every way the request's structure (parts, grid, chords, notes) cannot be used."""
    problems = []

    def check(code: str, fn: tp.Callable[[], tp.Any]) -> None:
        try:
            fn()
        except st.StructureError as exc:
            problems.append(GenerationError(code, str(exc)))

    if structure.parts:
        check("bad_parts", lambda: st.parse_parts(structure.parts))
    if structure.bpm is not None:
        check("bad_bpm", lambda: st.check_bpm(structure.bpm))
    if structure.metre:
        check("bad_metre", lambda: st.parse_metre(structure.metre))
    if structure.bars is not None:
        if structure.bpm is None:
            problems.append(GenerationError("bad_bars", f"a length of {structure.bars!r} bars "
                                            "needs a tempo: set bpm as well"))
        else:
            check("bad_bars", lambda: st.bars_samples(structure.bars, structure.bpm,
                                                      structure.metre or "4/4"))
    if not (isinstance(structure.start_bar, int) and not isinstance(structure.start_bar, bool)
            and 1 <= structure.start_bar <= MAX_START_BAR):
        problems.append(GenerationError("bad_bars", f"start_bar must be a whole number from 1 "
                                        f"to {MAX_START_BAR}, got {structure.start_bar!r}"))
    check("bad_chords", lambda: st.parse_chords(structure.chords))
    if (structure.chords and isinstance(structure.bars, int)
            and len(structure.chords) > structure.bars):
        problems.append(GenerationError("bad_chords", f"{len(structure.chords)} chords for "
                                        f"{structure.bars} bars: give at most one chord per bar "
                                        "(a shorter progression repeats)"))
    for role, notes in structure.notes.items():
        problems += _note_problems(role, notes)
    return problems


def _note_problems(role: str, notes: tp.Any) -> list[GenerationError]:
    if role not in st.STEM_ROLES:
        return [GenerationError("bad_notes", f"notes given for unknown part {role!r}; use one "
                                             f"of {', '.join(st.STEM_ROLES)}")]
    if len(notes) > MAX_NOTES:
        return [GenerationError("bad_notes", f"{len(notes)} notes for the {role} part; at most "
                                             f"{MAX_NOTES} fit one take")]
    for i, n in enumerate(notes, 1):
        ok = (isinstance(n.pitch, int) and 0 <= n.pitch <= 127
              and isinstance(n.velocity, int) and 1 <= n.velocity <= 127
              and all(isinstance(t, (int, float)) and math.isfinite(t)
                      for t in (n.start_s, n.end_s))
              and 0 <= n.start_s < n.end_s)
        if not ok:
            return [GenerationError("bad_notes", f"note {i} of the {role} part (pitch "
                                    f"{n.pitch!r}, {n.start_s!r}-{n.end_s!r} s, velocity "
                                    f"{n.velocity!r}) is not valid: pitch and velocity must be "
                                    "MIDI values (0-127, 1-127) and it must start at or after "
                                    "0 s and end after it starts")]
    return []


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
    if task is Task.ADD_PARTS:
        problems += _add_parts_problems(request)
    return problems


def _add_parts_problems(request: GenerationRequest) -> list[GenerationError]:
    given, wanted = request.inputs.part_audio, request.structure.parts
    if not given:
        return [GenerationError("no_source", "the add-parts task needs at least one given "
                                             "part: a stem of a take or an audio file")]
    unknown = [r for r in given if r not in st.STEM_ROLES]
    if unknown:
        return [GenerationError("bad_parts", f"given audio for unknown part(s) "
                                f"{', '.join(map(repr, unknown))}; use any of "
                                f"{', '.join(st.STEM_ROLES)}")]
    if not wanted:
        return [GenerationError("bad_parts", "the add-parts task needs the parts to "
                                             "generate: set structure.parts")]
    both = [r for r in wanted if r in given]
    if both:
        return [GenerationError("bad_parts", f"part(s) {', '.join(both)} are both given and "
                                "asked for; to replace a part, leave its audio out")]
    return []


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
    if task is Task.ADD_PARTS:
        for role, path in request.inputs.part_audio.items():
            problem = _audio_problem(str(path), f"{role} part audio", "source",
                                     MIN_AUDIO_SECONDS["part_audio"])
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
