"""Plain records shared by every layer: lyrics, generation requests, takes.

Dependency-free (stdlib only) so the UI, the engine protocol and the model core can all use
them. Times in lyrics are integer milliseconds, the resolution LRC can express; durations of
audio are float seconds.
"""

from __future__ import annotations

import dataclasses
import functools
import types as _pytypes
import typing as tp
from dataclasses import dataclass, field
from enum import Enum


class Task(str, Enum):
    """What a generation request asks for."""

    NEW = "new"                  # text / lyrics / reference -> music
    VARIATION = "variation"      # audio2audio from a source take, `strength` in [0, 1]
    REPAINT = "repaint"          # regenerate a time region of a source take, keep the rest
    EXTEND = "extend"            # continue a source take to the left or right
    INTERPOLATE = "interpolate"  # N steps between two prompts or two seeds
    BEST_OF = "best-of"          # generate N, keep them ranked by CLASP similarity
    ADD_PARTS = "add-parts"      # generate parts in time with given ones (add / replace a part)


@dataclass
class LyricWord:
    start_ms: int
    text: str
    end_ms: int | None = None


@dataclass
class LyricLine:
    """One LRC line. `end_ms` is None when the file does not say (the next line's start
    is then the natural end). An instrumental/blank line has empty `text`."""

    start_ms: int
    text: str
    words: list[LyricWord] = field(default_factory=list)
    end_ms: int | None = None


@dataclass
class Lyrics:
    """A synced lyrics document: ID tags (`ar`, `ti`, `al`, `by`, `length`, `offset`, ...)
    and lines sorted by start time. Offsets from `[offset:]` are already applied to the times."""

    lines: list[LyricLine] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class PromptFields:
    """Structured prompt fields; `ainur_studio.descriptor` turns them into prompt text."""

    genre: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)
    mood: list[str] = field(default_factory=list)
    artist: str = ""
    bpm: float | None = None
    key: str = ""              # e.g. "G major", "F# minor"
    time_signature: str = ""   # e.g. "4/4"


@dataclass
class TaskInputs:
    """Inputs that only some tasks use; the rest stay at their defaults."""

    source_audio: str = ""        # path of the take to vary / repaint / extend
    strength: float = 0.5         # variation: 0 keeps the source, 1 ignores it
    region_start_s: float = 0.0   # repaint region
    region_end_s: float = 0.0
    extend_side: str = "right"    # "left" | "right"
    extend_s: float = 10.0
    crossfade_s: float = 1.0
    second_prompt: str = ""       # interpolate: other end point (prompt and/or seed)
    second_seed: int | None = None
    interpolation_steps: int = 5
    best_of: int = 4              # best-of-N candidates
    reference_audio: str = ""     # CLASP audio conditioning
    # add-parts: the given parts, role -> audio file (a stem of an earlier take or a
    # recording); the parts to generate are `structure.parts`
    part_audio: dict[str, str] = field(default_factory=dict)


@dataclass
class NoteEvent:
    """One note of a part, in seconds from the take's start (a MIDI clip's note)."""

    pitch: int                    # MIDI note number 0-127 (a GM drum key for drums)
    start_s: float
    end_s: float
    velocity: int = 100           # 1-127


@dataclass
class Structure:
    """The musical structure a take is locked to; every field is optional.

    Names and checks live in `ainur_studio.structure` (roles, chord symbols, metres)."""

    parts: list[str] = field(default_factory=list)   # stem roles to generate; [] = the pack's
    bpm: float | None = None      # quarter notes per minute; None = free tempo
    metre: str = ""               # "4/4", "3/4", "6/8"; "" = 4/4 when bpm is set
    start_bar: int = 1            # the DAW bar the take starts on (1-based)
    bars: int | None = None       # length in bars (needs bpm); sets the duration
    chords: list[str] = field(default_factory=list)  # one symbol per bar from the take start
    notes: dict[str, list[NoteEvent]] = field(default_factory=dict)  # role -> notes to play


@dataclass
class GenerationRequest:
    """Everything needed to reproduce a take, apart from the model pack's weights."""

    prompt: str = ""
    fields: PromptFields = field(default_factory=PromptFields)
    lyrics: Lyrics | None = None
    duration_s: float = 10.0
    seed: int = 0
    steps: int = 24
    guidance: float = 4.0
    sampler: str = "dpmpp-2m"
    variations: int = 1
    task: Task = Task.NEW
    inputs: TaskInputs = field(default_factory=TaskInputs)
    model: str = "starter"
    structure: Structure = field(default_factory=Structure)
    # how strongly a fine-tuned (LoRA) pack pulls toward its recordings: 0 = its base pack,
    # 1 = as trained, up to 2 to exaggerate; any other pack takes only 1
    style_strength: float = 1.0

    def to_dict(self) -> dict[str, tp.Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, tp.Any]) -> GenerationRequest:
        return from_jsonable(cls, data)


@dataclass
class TakePart:
    """One stem of a take: a role's audio file, its MIDI when it has notes, and whether it was
    given (add-parts context) rather than generated."""

    role: str                     # one of ainur_studio.structure.STEM_ROLES
    path: str
    midi_path: str = ""
    loudness_lufs: float | None = None
    given: bool = False


@dataclass
class Take:
    """A generated audio file (the mix) and how it was made; a take made of stems lists them
    in `parts` (their sum is the mix) and keeps them in the folder `folder`."""

    take_id: str
    path: str
    request: GenerationRequest
    model_id: str = ""
    model_hash: str = ""
    sample_rate: int = 48_000
    channels: int = 2
    frames: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    # this output among the request's: seed, score, rank, label, t (generate's per-output meta)
    meta: dict[str, tp.Any] = field(default_factory=dict)
    created: str = ""            # ISO 8601
    lrc_path: str = ""
    sidecar_path: str = ""
    deleted: bool = False        # in the project's trash, recoverable
    parts: list[TakePart] = field(default_factory=list)  # [] = a single-file take
    folder: str = ""             # the take's folder when it has parts

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    def to_dict(self) -> dict[str, tp.Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, tp.Any]) -> Take:
        return from_jsonable(cls, data)


# --- (de)serialisation of the records above -------------------------------------------------

def to_jsonable(obj: tp.Any) -> tp.Any:
    """Dataclasses -> dicts, enums -> values, recursively."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    return obj


T = tp.TypeVar("T")


def from_jsonable(cls: type[T], data: tp.Any) -> T:
    """Inverse of `to_jsonable` for the dataclasses in this module. Unknown keys are ignored
    (newer files opened by older code), missing keys take their defaults."""
    if not isinstance(data, dict):
        raise TypeError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
    hints = _type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


@functools.cache
def _type_hints(cls: type) -> dict[str, tp.Any]:
    return tp.get_type_hints(cls)


def _convert(hint: tp.Any, value: tp.Any) -> tp.Any:
    if value is None:
        return None
    origin = tp.get_origin(hint)
    args = tp.get_args(hint)
    if origin in (tp.Union, _pytypes.UnionType):
        non_none = [a for a in args if a is not type(None)]
        return _convert(non_none[0], value) if len(non_none) == 1 else value
    if origin is list:
        return [_convert(args[0], v) for v in value]
    if origin is dict:
        return {k: _convert(args[1], v) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_jsonable(hint, value)
    if hint is float and isinstance(value, int):
        return float(value)
    return value
