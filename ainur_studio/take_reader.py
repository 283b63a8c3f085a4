"""Open a take the engine wrote (`engine.takes`, `engine.take_folder`); stdlib only, so that the
app, the engine and the command line read takes the same way.

A take is either a folder of parts (``<name>/`` with ``take.json``, ``mix.wav`` and a file
per stem) or, as before parts, a single audio file with a ``<name>.json`` sidecar beside it.
`read_take` accepts the folder, any file in it, the sidecar, or the old take's audio file.
When a take was moved, its paths are taken from where the sidecar now is.
"""

from __future__ import annotations

import json
from pathlib import Path

from ainur_studio.types import GenerationRequest, Take

SIDECAR = "take.json"   # the sidecar inside a take folder
MIX = "mix"             # the mix's file name (without suffix) inside a take folder
DEFAULT_BPM = 120.0     # the MIDI tempo of a take without one (its notes are in seconds)


class TakeReadError(ValueError):
    """A path that is not a take this app wrote, or whose sidecar cannot be read."""


def midi_grid(request: GenerationRequest) -> tuple[float, str]:
    """(bpm, metre) the MIDI of a take is written at: the request's grid, else 120 and 4/4."""
    structure = request.structure
    return float(structure.bpm or request.fields.bpm or DEFAULT_BPM), structure.metre or "4/4"


def sidecar_of(path: str | Path) -> Path:
    """The sidecar JSON that describes the take at `path` (a take folder, a file in one, a
    sidecar, or an old single-file take's audio).

    Raises:
        TakeReadError: when `path` does not exist or there is no sidecar for it.
    """
    p = Path(path)
    if not p.exists():
        raise TakeReadError(f"the take {str(p)!r} does not exist")
    candidates = [p / SIDECAR] if p.is_dir() else [p] if p.suffix == ".json" else [
        p.with_name(SIDECAR), p.with_suffix(".json")]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise TakeReadError(f"{str(p)!r} is not a take: there is no {candidates[0].name} beside "
                        "it; give a take folder, its take.json, or a take's audio file with "
                        "its .json sidecar")


def read_take(path: str | Path) -> Take:
    """The `Take` at `path` (see `sidecar_of`), its paths made to point where it is now.

    Raises:
        TakeReadError: naming the file and what is wrong with it.
    """
    sidecar = sidecar_of(path)
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TakeReadError(f"the take sidecar {str(sidecar)!r} cannot be read: {exc}") from exc
    if not isinstance(data, dict) or not {"take_id", "path", "request"} <= set(data):
        raise TakeReadError(f"{str(sidecar)!r} is not a take sidecar (it has no take_id, path "
                            "and request)")
    try:
        take = Take.from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise TakeReadError(f"the take sidecar {str(sidecar)!r} is damaged: {exc}") from exc
    return relocate(take, sidecar)


def relocate(take: Take, sidecar: Path) -> Take:
    """`take` with its files found where `sidecar` is now (a moved take's files moved with it)."""
    here = sidecar.parent
    take.sidecar_path = str(sidecar)
    if not (take.parts or take.folder):  # a single-file take: its audio sits beside the sidecar
        if not Path(take.path).is_file():
            take.path = str(here / Path(take.path).name)
        if take.lrc_path and not Path(take.lrc_path).is_file():
            take.lrc_path = str(here / Path(take.lrc_path).name)
        return take
    take.folder = str(here)
    take.path = str(here / Path(take.path).name)
    if take.lrc_path:
        take.lrc_path = str(here / Path(take.lrc_path).name)
    for part in take.parts:
        part.path = str(here / Path(part.path).name)
        if part.midi_path:
            part.midi_path = str(here / Path(part.midi_path).name)
    return take
