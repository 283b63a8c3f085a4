"""FluidSynth in this process: the few functions of ``libfluidsynth`` the stem renderer calls.

Rendering in process instead of running the ``fluidsynth`` program once per part saves the
program's start, its temporary WAV files and, above all, the presets it selects on every
channel when it loads a SoundFont (MuseScore_General's Vorbis-coded grand piano and drum kit
are decoded every time: about 2 s a run). Here a SoundFont is loaded without selecting any
preset, so only the presets the MIDI asks for are decoded.

``libfluidsynth`` (2.x) comes with the ``fluidsynth`` Debian package; ``$AINUR_LIBFLUIDSYNTH``
names another build.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache

from ainur_studio.data.corpus.deps import INSTALL_HINT, MissingDependency

_P, _I, _D, _S = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_char_p
FLUID_FAILED = -1
QUIET_LEVELS = (2, 3, 4)          # FLUID_WARN, FLUID_INFO, FLUID_DBG: not printed

PROTOTYPES = {
    "new_fluid_settings": (_P, []),
    "delete_fluid_settings": (None, [_P]),
    "fluid_settings_setint": (_I, [_P, _S, _I]),
    "fluid_settings_setnum": (_I, [_P, _S, _D]),
    "fluid_settings_setstr": (_I, [_P, _S, _S]),
    "new_fluid_synth": (_P, [_P]),
    "delete_fluid_synth": (None, [_P]),
    "fluid_synth_sfload": (_I, [_P, _S, _I]),
    "fluid_synth_program_select": (_I, [_P, _I, _I, _I, _I]),
    "fluid_synth_process": (_I, [_P, _I, _I, _P, _I, _P]),
    "new_fluid_player": (_P, [_P]),
    "delete_fluid_player": (None, [_P]),
    "fluid_player_add_mem": (_I, [_P, _P, ctypes.c_size_t]),
    "fluid_player_play": (_I, [_P]),
    "fluid_player_stop": (_I, [_P]),
    "fluid_set_log_function": (_P, [_I, _P, _P]),
    "fluid_version_str": (_S, []),
}


def _find() -> str:
    name = os.environ.get("AINUR_LIBFLUIDSYNTH") or ctypes.util.find_library("fluidsynth")
    if not name:
        raise MissingDependency(f"libfluidsynth was not found; {INSTALL_HINT}")
    return name


@cache
def library() -> ctypes.CDLL:
    """libfluidsynth with its prototypes declared and its warnings silenced.

    Raises:
        MissingDependency: the library is not installed (or lacks a function it needs).
    """
    try:
        lib = ctypes.CDLL(_find())
        for name, (restype, argtypes) in PROTOTYPES.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
    except (OSError, AttributeError) as exc:
        raise MissingDependency(f"libfluidsynth 2.x could not be loaded ({exc}); "
                                f"{INSTALL_HINT}") from exc
    for level in QUIET_LEVELS:
        lib.fluid_set_log_function(level, None, None)
    return lib


def version() -> str:
    """The loaded libfluidsynth's version, e.g. "2.3.1"."""
    return library().fluid_version_str().decode()
