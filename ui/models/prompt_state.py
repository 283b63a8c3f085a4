"""The prompt being edited: a `GenerationRequest` plus what only the editor needs (seed lock,
duration unit). Widgets write into it with `update(...)`; it emits `changed`."""

from __future__ import annotations

import copy
import dataclasses
import random
import typing as tp

from PySide6.QtCore import QObject, Signal

from ainur_studio.types import GenerationRequest, Lyrics, PromptFields, Task, TaskInputs

KEYS = tuple(f"{n} {m}" for m in ("major", "minor")
             for n in ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"))
TIME_SIGNATURES = ("4/4", "3/4", "6/8", "2/4", "5/4", "7/8", "12/8")
MAX_SEED = 2**31 - 1


class PromptState(QObject):
    changed = Signal()

    def __init__(self, request: GenerationRequest | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._request = copy.deepcopy(request) if request else GenerationRequest()
        self.seed_locked = False
        self.duration_in_bars = False

    @property
    def request(self) -> GenerationRequest:
        """A copy of the request as edited (lyrics are added by `to_request`)."""
        return copy.deepcopy(self._request)

    def update(self, **changes: tp.Any) -> None:
        """Set request fields by name (`seed=3`, `task=Task.EXTEND`, ...)."""
        for name, value in changes.items():
            if not hasattr(self._request, name):
                raise AttributeError(f"a generation request has no field {name!r}")
            setattr(self._request, name, value)
        self.changed.emit()

    def update_fields(self, **changes: tp.Any) -> None:
        self._request.fields = dataclasses.replace(self._request.fields, **changes)
        self.changed.emit()

    def update_inputs(self, **changes: tp.Any) -> None:
        self._request.inputs = dataclasses.replace(self._request.inputs, **changes)
        self.changed.emit()

    @property
    def fields(self) -> PromptFields:
        return copy.deepcopy(self._request.fields)

    @property
    def inputs(self) -> TaskInputs:
        return copy.deepcopy(self._request.inputs)

    def set_request(self, request: GenerationRequest) -> None:
        self._request = copy.deepcopy(request)
        self.changed.emit()

    def randomise_seed(self, rng: random.Random | None = None) -> int:
        seed = (rng or random.Random()).randint(0, MAX_SEED)
        self.update(seed=seed)
        return seed

    def seconds_per_bar(self) -> float | None:
        """Length of one bar at the prompt's BPM and time signature, if both are known."""
        bpm = self._request.fields.bpm
        if not bpm:
            return None
        top, _, bottom = (self._request.fields.time_signature or "4/4").partition("/")
        try:
            beats = int(top) * 4 / int(bottom or 4)
        except ValueError:
            beats = 4.0
        return beats * 60.0 / bpm

    def set_duration_bars(self, bars: float) -> None:
        per_bar = self.seconds_per_bar()
        if per_bar is None:
            raise ValueError("set the BPM first to give the duration in bars")
        self.update(duration_s=round(bars * per_bar, 3))

    def to_request(self, lyrics: Lyrics | None = None) -> GenerationRequest:
        """The request to send: the prompt text defaults to the descriptor of the fields."""
        request = self.request
        request.lyrics = copy.deepcopy(lyrics) if lyrics and lyrics.lines else None
        if not request.prompt.strip():
            request.prompt = describe(request.fields)
        return request

    def after_generate(self) -> None:
        """Move to a fresh seed for the next take unless the seed is locked."""
        if not self.seed_locked:
            self.randomise_seed()

    def summary(self) -> str:
        return summarise(self._request)


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
