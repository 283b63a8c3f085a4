"""Optional build-time dependencies: music21 (pip) and FluidSynth with a GM SoundFont (apt)."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from types import ModuleType

SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
)
INSTALL_HINT = (
    "building the corpus needs music21 (pip install music21) and FluidSynth with a General MIDI "
    "SoundFont (Debian/Ubuntu: apt-get install fluidsynth fluid-soundfont-gm)"
)


class MissingDependency(RuntimeError):
    """A build-time dependency is not installed; the message names the package to install."""


def require_music21() -> ModuleType:
    """Import music21 or raise `MissingDependency` naming the pip package."""
    try:
        return importlib.import_module("music21")
    except ImportError as exc:
        raise MissingDependency(f"music21 is not installed; {INSTALL_HINT}") from exc


def find_fluidsynth() -> str:
    """Path of the `fluidsynth` program (``$FLUIDSYNTH`` wins) or `MissingDependency`."""
    exe = os.environ.get("FLUIDSYNTH") or shutil.which("fluidsynth")
    if not exe:
        raise MissingDependency(f"the fluidsynth program was not found; {INSTALL_HINT}")
    return exe


def find_soundfont(path: str | Path | None = None) -> Path:
    """The SoundFont to render with: `path`, ``$AINUR_SOUNDFONT``, or a Debian default."""
    candidates = [path] if path else [os.environ.get("AINUR_SOUNDFONT"), *SOUNDFONT_CANDIDATES]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    where = path or ", ".join(SOUNDFONT_CANDIDATES)
    raise MissingDependency(f"no General MIDI SoundFont found at {where}; {INSTALL_HINT}")
