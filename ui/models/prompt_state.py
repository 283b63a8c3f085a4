"""The prompt being edited: a `GenerationRequest` plus what only the editor needs (seed lock,
Follow DAW, where imported notes came from). Widgets write into it; it emits `changed`.

One source of truth for the grid: `request.structure` holds the tempo (`bpm`), `metre`,
`start_bar` and the length in `bars`; `request.fields.bpm` / `time_signature` are copies of
`structure.bpm` / `metre`, written here on every change, so the caption (the descriptor)
and everything that reads the fields say the same. Setting the fields' tempo or metre sets
the structure's. A request from before the structure (an older take or project) brings its
fields' tempo and metre into the structure when it is loaded. The chord lane is its own
document (`ChordLane`): `to_request` adds it as `structure.chords`, as it adds the lyrics.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import random
import typing as tp

from PySide6.QtCore import QObject, Signal

from ainur_studio.limits import MAX_START_BAR
from ainur_studio.lyrics.grid import Grid
from ainur_studio.structure import (
    BPM_RANGE,
    STEM_ROLES,
    StructureError,
    bar_seconds,
    parse_metre,
    parse_parts,
)
from ainur_studio.types import (
    GenerationRequest,
    Lyrics,
    NoteEvent,
    PromptFields,
    Structure,
    Task,
    TaskInputs,
)

KEYS = tuple(f"{n} {m}" for m in ("major", "minor")
             for n in ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"))
TIME_SIGNATURES = ("4/4", "3/4", "6/8", "2/4", "5/4", "7/8", "12/8")
MAX_SEED = 2**31 - 1
# How a DAW counts `position_beats` in `daw_state`: REAPER and Bitwig send "bar.beat" read as
# four beats a bar, Ardour counts beats of the metre, AbletonOSC (and the rest) quarter notes.
_BEATS_PER_BAR = {"reaper": lambda num, den: 4.0, "bitwig": lambda num, den: 4.0,
                  "ardour": lambda num, den: float(num)}


class PromptState(QObject):
    changed = Signal()

    def __init__(self, request: GenerationRequest | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._request = _adopted(request or GenerationRequest())
        self.seed_locked = False
        self.follow_daw = False
        self.note_sources: dict[str, str] = {}  # role -> file the notes came from
        self._daw: dict[str, tp.Any] = {}       # the last `daw_state` heard

    @property
    def request(self) -> GenerationRequest:
        """A copy of the request as edited (lyrics and chords are added by `to_request`)."""
        return copy.deepcopy(self._request)

    def update(self, **changes: tp.Any) -> None:
        """Set request fields by name (`seed=3`, `task=Task.EXTEND`, ...); a duration in
        seconds ends a length in bars."""
        for name, value in changes.items():
            if not hasattr(self._request, name):
                raise AttributeError(f"a generation request has no field {name!r}")
            setattr(self._request, name, copy.deepcopy(value))
        if "duration_s" in changes and "structure" not in changes:
            self._request.structure.bars = None
        if "structure" in changes:
            _mirror(self._request)
        elif "fields" in changes:
            f = self._request.fields
            self._set_grid(bpm=f.bpm, metre=f.time_signature)
        self.changed.emit()

    def update_fields(self, **changes: tp.Any) -> None:
        """Set prompt fields; `bpm` and `time_signature` set the grid (`structure`)."""
        grid = {"bpm": changes.pop("bpm")} if "bpm" in changes else {}
        if "time_signature" in changes:
            grid["metre"] = changes.pop("time_signature")
        self._request.fields = dataclasses.replace(self._request.fields, **changes)
        self._set_grid(**grid)
        self.changed.emit()

    def update_inputs(self, **changes: tp.Any) -> None:
        """Set task inputs; another source drops the old source's stems (`part_audio`)
        unless they come with it (add-parts keeps its given parts)."""
        inputs = self._request.inputs
        if changes.get("source_audio", inputs.source_audio) != inputs.source_audio and \
                "part_audio" not in changes and self._request.task is not Task.ADD_PARTS:
            changes["part_audio"] = {}
        self._request.inputs = dataclasses.replace(inputs, **changes)
        self.changed.emit()

    @property
    def fields(self) -> PromptFields:
        return copy.deepcopy(self._request.fields)

    @property
    def inputs(self) -> TaskInputs:
        return copy.deepcopy(self._request.inputs)

    @property
    def structure(self) -> Structure:
        return copy.deepcopy(self._request.structure)

    def set_request(self, request: GenerationRequest) -> None:
        """Show `request` (a project's, or a take's settings); its chords stay with the take,
        the chord lane keeps its own."""
        self._request = _adopted(request)
        self._request.structure.chords = []
        self.note_sources = {r: s for r, s in self.note_sources.items()
                             if r in self._request.structure.notes}
        self.changed.emit()

    def randomise_seed(self, rng: random.Random | None = None) -> int:
        seed = (rng or random.Random()).randint(0, MAX_SEED)
        self.update(seed=seed)
        return seed

    # --- the grid ---------------------------------------------------------------------------
    def set_bpm(self, bpm: float | None) -> None:
        """A tempo typed by hand (None = free tempo); stops following the DAW."""
        self.follow_daw = False
        self._set_grid(bpm=bpm)
        self.changed.emit()

    def set_metre(self, metre: str) -> None:
        self.follow_daw = False
        self._set_grid(metre=metre)
        self.changed.emit()

    def set_start_bar(self, bar: int) -> None:
        self.follow_daw = False
        self._set_grid(start_bar=bar)
        self.changed.emit()

    def set_bars(self, bars: int | None) -> None:
        """Give the length in bars (None: in seconds again); needs a tempo."""
        if bars is not None and self.seconds_per_bar() is None:
            raise ValueError("set the BPM first to give the duration in bars")
        self._request.structure.bars = None if bars is None else max(1, int(bars))
        self._sync_duration()
        self.changed.emit()

    @property
    def duration_in_bars(self) -> bool:
        return self._request.structure.bars is not None

    def seconds_per_bar(self) -> float | None:
        """Length of one bar at the tempo and metre, if the tempo is known."""
        s = self._request.structure
        try:
            return bar_seconds(s.bpm, s.metre or "4/4") if s.bpm else None
        except StructureError:
            return None

    def grid(self) -> Grid | None:
        """The bar grid of the timeline (bar 1 at the take's start), when a tempo is set."""
        s = self._request.structure
        try:
            return Grid.from_signature(s.bpm, s.metre or "4/4") if s.bpm else None
        except ValueError:
            return None

    def _set_grid(self, **values: tp.Any) -> bool:
        """Write tempo / metre / start bar into the structure (and the fields' copies);
        returns whether anything changed."""
        s = self._request.structure
        before = (s.bpm, s.metre, s.start_bar, s.bars, self._request.duration_s)
        if "bpm" in values:
            s.bpm = float(values["bpm"]) if values["bpm"] else None
        if "metre" in values:
            s.metre = str(values["metre"] or "").strip()
        if "start_bar" in values:
            s.start_bar = int(values["start_bar"])
        _mirror(self._request)
        self._sync_duration()
        return before != (s.bpm, s.metre, s.start_bar, s.bars, self._request.duration_s)

    def _sync_duration(self) -> None:
        per_bar, bars = self.seconds_per_bar(), self._request.structure.bars
        if bars and per_bar:
            self._request.duration_s = round(bars * per_bar, 3)

    # --- following the DAW ------------------------------------------------------------------
    def set_follow_daw(self, on: bool) -> None:
        """Follow the DAW's tempo, metre and stopped transport position (from the last
        `daw_state` at once, if one was heard)."""
        self.follow_daw = on
        if on and self._set_grid(**daw_grid(self._daw, self._request.structure.metre)):
            self.changed.emit()

    def apply_daw_state(self, data: dict[str, tp.Any]) -> None:
        """A `daw_state` event from the engine; followed when Follow DAW is on."""
        self._daw = dict(data)
        if self.follow_daw and self._set_grid(**daw_grid(self._daw,
                                                         self._request.structure.metre)):
            self.changed.emit()

    # --- parts and notes --------------------------------------------------------------------
    def set_parts(self, parts: tp.Iterable[str]) -> None:
        """The parts to generate, in role order; none = the pack's default."""
        names = list(parts)
        self._request.structure.parts = parse_parts(names) if names else []
        self.changed.emit()

    def set_notes(self, role: str, notes: list[NoteEvent], source: str = "") -> None:
        """The notes part `role` plays (from a MIDI clip named `source`)."""
        if role not in STEM_ROLES:
            raise StructureError(f"unknown part {role!r}; use one of {', '.join(STEM_ROLES)}")
        self._request.structure.notes[role] = copy.deepcopy(list(notes))
        self.note_sources[role] = source
        self.changed.emit()

    def remove_notes(self, role: str) -> None:
        self._request.structure.notes.pop(role, None)
        self.note_sources.pop(role, None)
        self.changed.emit()

    def notes_summary(self) -> list[tuple[str, str]]:
        """(role, "bass: 24 notes from clip.mid") per part with notes, in role order."""
        notes = self._request.structure.notes
        return [(role, f"{role}: {len(notes[role])} note{'' if len(notes[role]) == 1 else 's'}"
                 + (f" from {self.note_sources[role]}" if self.note_sources.get(role) else ""))
                for role in STEM_ROLES if role in notes]

    # --- the request to send ----------------------------------------------------------------
    def to_request(self, lyrics: Lyrics | None = None,
                   chords: list[str] | None = None) -> GenerationRequest:
        """The request to send: the lyrics and the chord lane added, the prompt text the
        descriptor of the fields when empty."""
        request = self.request
        request.lyrics = copy.deepcopy(lyrics) if lyrics and lyrics.lines else None
        request.structure.chords = list(chords or [])[:request.structure.bars or None]
        if not request.prompt.strip():
            request.prompt = describe(request.fields)
        return request

    def after_generate(self) -> None:
        """Move to a fresh seed for the next take unless the seed is locked."""
        if not self.seed_locked:
            self.randomise_seed()

    def summary(self) -> str:
        return summarise(self._request)


def _adopted(request: GenerationRequest) -> GenerationRequest:
    """A copy whose structure holds the grid: an older request's field tempo and metre move
    into the structure (then the fields copy the structure's)."""
    request = copy.deepcopy(request)
    s, f = request.structure, request.fields
    if s.bpm is None and f.bpm:
        s.bpm = float(f.bpm)
    if not s.metre and f.time_signature:
        s.metre = f.time_signature.strip()
    _mirror(request)
    return request


def _mirror(request: GenerationRequest) -> None:
    """The fields' tempo and metre copy the structure's; a free tempo has no bars."""
    s = request.structure
    if s.bpm is None:
        s.bars = None
    request.fields = dataclasses.replace(request.fields, bpm=s.bpm, time_signature=s.metre)


def daw_grid(daw: dict[str, tp.Any], metre: str = "") -> dict[str, tp.Any]:
    """What a `daw_state` says of the grid: `bpm`, `metre`, and `start_bar` while the
    transport is stopped (where the take will go), each only when the DAW said it."""
    out: dict[str, tp.Any] = {}
    tempo = daw.get("tempo")
    if isinstance(tempo, (int, float)) and not isinstance(tempo, bool) and \
            BPM_RANGE[0] <= tempo <= BPM_RANGE[1]:
        out["bpm"] = round(float(tempo), 3)
    try:
        num, den = parse_metre(str(daw.get("time_signature") or ""))
        if daw.get("time_signature"):
            out["metre"] = f"{num}/{den}"
    except StructureError:
        pass
    bar = daw_start_bar(daw, out.get("metre", metre))
    if bar is not None:
        out["start_bar"] = bar
    return out


def daw_start_bar(daw: dict[str, tp.Any], metre: str) -> int | None:
    """The bar the DAW's stopped transport stands in (1-based), or None while it plays or
    when it did not say where it is."""
    if daw.get("playing"):
        return None
    try:
        num, den = parse_metre(metre or "4/4")
    except StructureError:
        num, den = 4, 4
    beats, seconds, tempo = (daw.get(k) for k in ("position_beats", "position_s", "tempo"))
    if isinstance(beats, (int, float)):
        per_bar = _BEATS_PER_BAR.get(str(daw.get("source", "")),
                                     lambda n, d: n * 4.0 / d)(num, den)
        bars = beats / per_bar
    elif isinstance(seconds, (int, float)) and isinstance(tempo, (int, float)) and tempo > 0:
        bars = seconds / (60.0 / tempo * 4.0 / den * num)
    else:
        return None
    return max(1, min(MAX_START_BAR, math.floor(bars + 1e-6) + 1))


def describe(fields: PromptFields) -> str:
    """Prompt text from the structured fields (the model core's descriptor when present)."""
    try:
        from ainur_studio.descriptor import describe_fields
    except ImportError:
        return _fallback_description(fields)
    return describe_fields(fields)


def _fallback_description(fields: PromptFields) -> str:
    parts = [", ".join(fields.genre), ", ".join(fields.instruments), ", ".join(fields.mood)]
    if fields.bpm:
        parts.append(f"{fields.bpm:g} BPM")
    parts += [fields.key, fields.time_signature]
    return ", ".join(p for p in parts if p)


def summarise(request: GenerationRequest, limit: int = 60) -> str:
    """One line for lists: the task and the start of the prompt."""
    text = request.prompt.strip() or describe(request.fields) or "(no prompt)"
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text if request.task is Task.NEW else f"{request.task.value}: {text}"
