"""General MIDI SoundFonts from Debian packages: where they are, their licences, their presets,
and a seeded pick per part.

Only SoundFonts with a full General MIDI melodic bank take part (``fluid-soundfont-gs`` holds
33 GS sound-effect variations and ``freepats`` ships GUS patches that FluidSynth cannot load,
so neither is used). ``$AINUR_SOUNDFONTS`` (paths joined by ``:``) replaces the catalogue.
"""

from __future__ import annotations

import os
import random
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ainur_studio.data.corpus.deps import INSTALL_HINT, MissingDependency

DRUM_BANK = 128


@dataclass(frozen=True)
class SoundFontInfo:
    name: str
    package: str           # Debian package
    licence: str
    paths: tuple[str, ...]  # candidate locations, first found wins


CATALOGUE = (
    SoundFontInfo("FluidR3_GM", "fluid-soundfont-gm", "MIT (Frank Wen, 2000-2002, 2008)",
                  ("/usr/share/sounds/sf2/FluidR3_GM.sf2",
                   "/usr/share/soundfonts/FluidR3_GM.sf2")),
    SoundFontInfo("MuseScore_General", "musescore-general-soundfont",
                  "MIT (S. Christian Collins; parts public domain or CC0)",
                  ("/usr/share/sounds/sf3/MuseScore_General_Full.sf3",
                   "/usr/share/sounds/sf3/MuseScore_General.sf3",
                   "/usr/share/sounds/sf2/MuseScore_General.sf2")),
    SoundFontInfo("TimGM6mb", "timgm6mb-soundfont", "GPL-2 (Tim Brechbill, David Bolton)",
                  ("/usr/share/sounds/sf2/TimGM6mb.sf2",)),
)
PACKAGES = " ".join(info.package for info in CATALOGUE)


@dataclass(frozen=True)
class SoundFont:
    name: str
    path: Path
    licence: str
    presets: frozenset[tuple[int, int]]   # (bank, program)

    def has(self, bank: int, program: int) -> bool:
        return (bank, program) in self.presets


def read_presets(path: str | Path) -> frozenset[tuple[int, int]]:
    """The (bank, program) pairs in a SoundFont's ``pdta/phdr`` chunk (SF2 or SF3).

    Raises:
        ValueError: the file is not a RIFF ``sfbk`` SoundFont or has no preset headers.
    """
    with Path(path).open("rb") as handle:
        riff, _size, form = struct.unpack("<4sI4s", handle.read(12))
        if riff != b"RIFF" or form != b"sfbk":
            raise ValueError(f"{path} is not a SoundFont (no RIFF sfbk header)")
        data = _find_chunk(handle, b"pdta", b"phdr")
    if data is None:
        raise ValueError(f"{path} has no preset headers (pdta/phdr chunk)")
    records = [struct.unpack("<20sHH", data[i:i + 24]) for i in range(0, len(data) - 38, 38)]
    return frozenset((bank, program) for _name, program, bank in records)


def _find_chunk(handle, list_kind: bytes, chunk_id: bytes) -> bytes | None:
    while head := handle.read(8):
        if len(head) < 8:
            return None
        cid, size = struct.unpack("<4sI", head)
        if cid == b"LIST":
            end = handle.tell() + size + (size & 1)
            if handle.read(4) == list_kind:
                while handle.tell() < end:
                    sid, sub = struct.unpack("<4sI", handle.read(8))
                    if sid == chunk_id:
                        return handle.read(sub)
                    handle.seek(sub + (sub & 1), 1)
            handle.seek(end)
        else:
            handle.seek(size + (size & 1), 1)
    return None


@cache
def _load(name: str, path: str, licence: str) -> SoundFont:
    return SoundFont(name, Path(path), licence, read_presets(path))


def installed_soundfonts() -> tuple[SoundFont, ...]:
    """The catalogue's SoundFonts that are installed (or those of ``$AINUR_SOUNDFONTS``), in
    catalogue order, so a seeded pick depends only on which are present."""
    override = os.environ.get("AINUR_SOUNDFONTS")
    if override:
        return tuple(_load(Path(p).stem, str(Path(p).resolve()), "see the file's own notice")
                     for p in override.split(os.pathsep) if p)
    found = []
    for info in CATALOGUE:
        path = next((p for p in info.paths if Path(p).is_file()), None)
        if path:
            found.append(_load(info.name, str(Path(path).resolve()), info.licence))
    return tuple(found)


def require_soundfonts() -> tuple[SoundFont, ...]:
    """`installed_soundfonts()` or `MissingDependency` naming the packages."""
    fonts = installed_soundfonts()
    if not fonts:
        raise MissingDependency(f"no General MIDI SoundFont found; install them with "
                                f"apt-get install {PACKAGES} ({INSTALL_HINT})")
    return fonts


def pick_soundfont(fonts: tuple[SoundFont, ...], bank: int, program: int,
                   rng: random.Random) -> SoundFont:
    """One of `fonts` holding preset (bank, program), drawn with `rng` (any font if none
    holds it: FluidSynth then falls back to its nearest preset)."""
    holding = [f for f in fonts if f.has(bank, program)]
    return rng.choice(holding or list(fonts))


# General MIDI drum kits (bank 128 presets), genre-typical first choices.
KIT_NAMES = {0: "Standard", 8: "Room", 16: "Power", 24: "Electronic", 25: "TR-808",
             32: "Jazz", 40: "Brush", 48: "Orchestra"}
DRUM_KITS = {
    "pop": (0, 8, 24), "rock": (16, 8, 0), "boom_bap": (0, 8), "lofi": (32, 40, 0),
    "trap": (25,), "house": (24, 25), "techno": (24, 25), "dnb": (0, 16, 24),
    "synthwave": (24, 16), "ambient": (24, 40), "funk": (0, 8), "jazz": (32, 40),
    "reggae": (0, 8), "folk": (40, 8, 0), "cinematic": (48,),
}


def drum_kit(genre: str, rng: random.Random) -> int:
    """A genre-typical GM drum kit program (a bank 128 preset)."""
    return rng.choice(DRUM_KITS.get(genre, (0,)))
