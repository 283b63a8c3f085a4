"""The `generate` command's parts and grid options: --parts, --bpm, --metre, --bars,
--start-bar, --chords, --midi and --add-to, turned into the request's `Structure` (and, for
--add-to, the add-parts task's given parts).

Every value is checked here with the words of its option, before any model loads; the
checks themselves are `ainur_studio.structure`'s and `ainur_studio.midi_io`'s.
"""

from __future__ import annotations

import argparse
import typing as tp
from dataclasses import dataclass, field

from ainur_studio import structure as st

SAMPLE_RATE = 48_000


class UsageError(ValueError):
    """A command-line mistake, reported with exit code 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("parts and grid")
    g.add_argument("--parts", metavar="ROLES",
                   help="parts to generate, comma-separated from " + ", ".join(st.STEM_ROLES)
                        + ", or all (default: the pack's); a pack with stems writes each "
                          "take as a folder of parts")
    g.add_argument("--bpm", type=float, metavar="B",
                   help="tempo in beats (quarter notes) per minute")
    g.add_argument("--metre", metavar="N/D", help="metre of the bars, e.g. 4/4 (default), "
                                                  "3/4, 6/8")
    g.add_argument("--bars", type=int, metavar="N",
                   help="length in bars (needs --bpm); sets the duration to the sample")
    g.add_argument("--start-bar", type=int, metavar="N",
                   help="the DAW bar the take starts on (default 1)")
    g.add_argument("--chords", metavar="CHORDS",
                   help='one chord per bar, e.g. "Am F C G" (a shorter progression repeats)')
    g.add_argument("--midi", action="append", default=[], metavar="PART=FILE",
                   help="notes for a part to play, from a MIDI clip, e.g. bass=line.mid "
                        "(repeatable)")
    g.add_argument("--add-to", metavar="TAKE",
                   help="a take folder (or its take.json): keep its parts that are not in "
                        "--parts and generate --parts in time with them (adds a part, or "
                        "replaces one)")


@dataclass
class Grid:
    """What the parts and grid options ask for."""

    structure: tp.Any                  # ainur_studio.types.Structure
    duration_s: float | None           # None: the --duration option (or its default) decides
    part_audio: dict[str, str] = field(default_factory=dict)  # --add-to: role -> stem file
    base: tp.Any = None                # --add-to: the Take added to


def build_grid(args: argparse.Namespace) -> Grid:
    """The `Structure` (and the add-parts inputs) the options describe.

    Raises:
        UsageError: naming the option and what to write instead.
    """
    from ainur_studio.types import Structure

    parts = _checked("--parts", st.parse_parts, args.parts) if args.parts else []
    chords = _checked("--chords", st.parse_chords, args.chords) if args.chords else []
    if args.metre is not None:
        _checked("--metre", st.parse_metre, args.metre)
    if args.bpm is not None:
        _checked("--bpm", st.check_bpm, args.bpm)
    structure = Structure(parts=parts, bpm=args.bpm, metre=args.metre or "",
                          start_bar=1 if args.start_bar is None else args.start_bar,
                          bars=args.bars, chords=chords, notes=read_clips(args.midi, parts))
    if args.add_to:
        return _add_to(args, structure)
    return Grid(structure, _bars_seconds(structure))


def _checked(option: str, check: tp.Callable[[tp.Any], tp.Any], value: tp.Any) -> tp.Any:
    try:
        return check(value)
    except st.StructureError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _bars_seconds(structure: tp.Any) -> float | None:
    """The duration `--bars` sets: exactly `bars_samples` samples."""
    if structure.bars is None:
        return None
    if structure.bpm is None:
        raise UsageError("--bars needs --bpm to know how long a bar is")
    samples = _checked("--bars", lambda b: st.bars_samples(b, structure.bpm,
                                                           structure.metre or "4/4"),
                       structure.bars)
    return samples / SAMPLE_RATE


def read_clips(specs: tp.Sequence[str], parts: tp.Sequence[str]) -> dict[str, list[tp.Any]]:
    """``--midi PART=FILE`` options -> role -> the clip's notes (`midi_io.read_notes`)."""
    from ainur_studio.midi_io import MidiReadError, read_notes

    notes: dict[str, list[tp.Any]] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name.strip() or not path:
            raise UsageError(f"--midi {spec!r}: write PART=FILE, e.g. --midi bass=line.mid")
        if name.strip().lower() == "all":
            raise UsageError(f"--midi {spec!r}: name one part, not all")
        (role,) = _checked("--midi", st.parse_parts, name)
        if role in notes:
            raise UsageError(f"--midi: two clips for the {role} part; give one per part")
        if parts and role not in parts:
            raise UsageError(f"--midi {spec!r}: the {role} part is not in --parts "
                             f"({','.join(parts)}); add it there or leave the clip out")
        try:
            notes[role] = read_notes(path)
        except MidiReadError as exc:
            raise UsageError(f"--midi {role}: {exc}") from None
    return notes


def _add_to(args: argparse.Namespace, structure: tp.Any) -> Grid:
    """--add-to: the take's parts outside --parts are given; its grid, length and the given
    parts' notes are kept."""
    from ainur_studio.take_reader import TakeReadError, read_take

    try:
        take = read_take(args.add_to)
    except TakeReadError as exc:
        raise UsageError(f"--add-to: {exc}") from None
    if not take.parts:
        raise UsageError(f"--add-to: {args.add_to!r} is a single-file take without parts; "
                         "give a take folder written by a pack that makes stems")
    if not structure.parts:
        raise UsageError("--add-to needs --parts: the part(s) to add or replace, e.g. "
                         "--parts vocals")
    if args.duration is not None or args.bars is not None:
        raise UsageError("--add-to keeps the take's length; leave out --duration and --bars")
    given = {p.role: p.path for p in take.parts if p.role not in structure.parts}
    if not given:
        raise UsageError(f"--add-to: --parts {','.join(structure.parts)} would replace every "
                         "part of the take; leave at least one of its parts out of --parts")
    old = take.request.structure
    structure.bpm = structure.bpm if structure.bpm is not None else old.bpm
    structure.metre = structure.metre or old.metre
    structure.start_bar = structure.start_bar if args.start_bar is not None else old.start_bar
    structure.bars, structure.chords = old.bars, structure.chords or list(old.chords)
    kept = {role: list(notes) for role, notes in old.notes.items() if role in given and notes}
    structure.notes = {**kept, **structure.notes}  # a given part keeps the notes it played
    return Grid(structure, take.frames / take.sample_rate, part_audio=given, base=take)
