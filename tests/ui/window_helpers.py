"""A main window without an engine process whose requests are recorded, and takes on disk
(sidecar takes, and take folders of five stems), for the tests that drive the controller with
hand-made replies and events."""

from __future__ import annotations

import json
import typing as tp
from pathlib import Path

import numpy as np
import soundfile as sf

from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import GenerationRequest, Structure, Take, TakePart
from engine.protocol import Event, Reply
from ui.main_window import MainWindow
from ui.player import Player, _SilentOutput
from ui.settings import Settings

RATE = 48_000
STEM_SECONDS = 0.25


class Sent(list):
    """(method, params, request id) of every request the window sent."""

    def of(self, method: str) -> list[tuple[str, dict, str]]:
        return [s for s in self if s[0] == method]


def recording_window(qtbot: tp.Any, settings: Settings) -> tuple[MainWindow, Sent]:
    win = MainWindow(settings=settings, start_engine=False,
                     player=Player(output=_SilentOutput()))
    qtbot.addWidget(win)
    sent = Sent()

    def send(method: tp.Any, params: dict | None = None) -> str:
        request_id = f"c-{len(sent) + 1}"
        sent.append((getattr(method, "value", method), dict(params or {}), request_id))
        return request_id

    win.bridge.send = send  # type: ignore[method-assign]
    return win, sent


def reply(win: MainWindow, request_id: str, **result: tp.Any) -> None:
    win.bridge.reply_received.emit(Reply(reply_to=request_id, result=result))


def event(win: MainWindow, name: str, job: str, **data: tp.Any) -> None:
    win.bridge.event_received.emit(Event(name, data, job=job))


def write_take(folder: Path, take_id: str, *, created: str, seconds: float = 0.2,
               **take_fields: tp.Any) -> Take:
    """A take as the engine leaves it: audio file plus sidecar JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    audio = folder / f"{take_id}.wav"
    sf.write(str(audio), np.zeros((int(48000 * seconds), 2), dtype=np.float32), 48000)
    take = Take(take_id=take_id, path=str(audio), frames=int(48000 * seconds),
                request=GenerationRequest(prompt=f"prompt of {take_id}", seed=3),
                created=created, sidecar_path=str(audio.with_suffix(".json")), **take_fields)
    sidecar = {**take.to_dict(), "seed": 3, "format": "wav24"}
    audio.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    return take


def stem_frames(role: str, seconds: float = STEM_SECONDS) -> np.ndarray:
    """A different tone per role, with a slow swell of its own, (T, 2) float32."""
    t = np.arange(int(RATE * seconds)) / RATE
    k = STEM_ROLES.index(role) + 1
    swell = 0.6 + 0.4 * np.sin(2 * np.pi * t * k / max(seconds, 1e-3)) if seconds > 1 else 1.0
    tone = 0.1 * swell * np.sin(2 * np.pi * (110 * k) * t)
    return np.stack([tone, tone * 0.5], axis=1).astype(np.float32)


def write_stem_take(folder: Path, take_id: str = "s1", *, given: tuple[str, ...] = ("vocals",),
                    bpm: float | None = None, seconds: float = STEM_SECONDS) -> Take:
    """A take folder as the engine writes it: mix.wav (the sum), one file per stem, a Take."""
    root = folder / take_id
    root.mkdir(parents=True)
    parts = []
    for role in STEM_ROLES:
        path = root / f"{role}.wav"
        sf.write(str(path), stem_frames(role, seconds), RATE, subtype="FLOAT")
        parts.append(TakePart(role=role, path=str(path), given=role in given))
    mix = root / "mix.wav"
    sf.write(str(mix), sum(stem_frames(r, seconds) for r in STEM_ROLES), RATE, subtype="FLOAT")
    request = GenerationRequest(prompt="five piece band", seed=9,
                                structure=Structure(bpm=bpm, bars=1 if bpm else None))
    return Take(take_id=take_id, path=str(mix), request=request, frames=int(RATE * seconds),
                parts=parts, folder=str(root))
