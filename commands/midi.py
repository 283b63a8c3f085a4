"""Write the MIDI of a take's parts: one .mid per part (drums on the GM percussion channel).

A part that was given notes when the take was generated (--midi, or the app's MIDI clips)
gets exactly those notes; any other pitched part is transcribed from its stem. Drums without
given notes get no file: the transcriber hears pitches, which mean nothing on the drum channel.
Files go into the take's folder (or --out DIR) as PART.mid; an existing different file is never
overwritten (PART-2.mid, ...). Written into the take's folder, each part's file is recorded in
the take's take.json (`parts[*].midi_path`, replaced atomically). Prints one path per line (with
--json: one object per part). Exit code 0 when every part was written (drums without notes
are skipped unless --parts names them), 1 when some could not be, 2 for a bad take or option.
"""

from __future__ import annotations

import argparse
import json
import sys
import typing as tp
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("take", metavar="TAKE",
                        help="a take folder (or its take.json) written by a pack with stems")
    parser.add_argument("--out", metavar="DIR", help="folder for the .mid files (default: the "
                                                     "take's folder)")
    parser.add_argument("--parts", metavar="ROLES",
                        help="only these parts, comma-separated (default: every part)")
    parser.add_argument("--json", action="store_true", help="one JSON object per part on stdout")


def _fail(message: str) -> int:
    sys.stderr.write(f"ainur-studio midi: error: {message}\n")
    return 2


def run(args: argparse.Namespace) -> int:
    from ainur_studio.structure import StructureError, parse_parts
    from ainur_studio.take_reader import TakeReadError, read_take

    try:
        take = read_take(args.take)
        wanted = parse_parts(args.parts) if args.parts else None
    except (TakeReadError, StructureError) as exc:
        return _fail(str(exc))
    if not take.parts:
        return _fail(f"{args.take!r} is a single-file take without parts; MIDI is written for "
                     "takes made of parts (a pack with stems)")
    parts = [p for p in take.parts if wanted is None or p.role in wanted]
    if not parts:
        return _fail(f"the take has no {', '.join(wanted or [])} part; it has "
                     f"{', '.join(p.role for p in take.parts)}")
    out = Path(args.out) if args.out else Path(take.folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(f"cannot create the folder {str(out)!r}: {exc.strerror or exc}")
    code, written = 0, {}
    for part in parts:
        try:
            row = write_part_midi(take, part, out)
        except PartNotTranscribed as exc:
            sys.stderr.write(f"ainur-studio midi: {part.role}: {exc}\n")
            if wanted is not None or not isinstance(exc, NoDrumNotes):
                code = 1  # skipped drums fail the run only when --parts asked for them
            continue
        written[part.role] = row["path"]
        sys.stdout.write((json.dumps(row, ensure_ascii=False) if args.json else row["path"])
                         + "\n")
    return max(code, _record_in_sidecar(take, out, written))


def _record_in_sidecar(take: tp.Any, out: Path, written: dict[str, str]) -> int:
    """Record the files written into the take's own folder in its take.json; 1 when the
    sidecar could not be updated (the MIDI files are kept)."""
    if not written or out.resolve() != Path(take.folder).resolve():
        return 0  # a file elsewhere is not part of the take (a moved take would lose it)
    try:
        record_midi_paths(take.sidecar_path, written)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"ainur-studio midi: the MIDI files were written, but the take's "
                         f"sidecar {take.sidecar_path!r} could not be updated: {exc}\n")
        return 1
    return 0


class PartNotTranscribed(RuntimeError):
    """A part without given notes whose stem could not be transcribed; says why."""


class NoDrumNotes(PartNotTranscribed):
    """Drums without given notes: the pitch transcriber has nothing for the drum channel."""

    def __init__(self) -> None:
        super().__init__("no notes given; drum transcription is not available")


def write_part_midi(take: tp.Any, part: tp.Any, out: Path) -> dict[str, tp.Any]:
    """Write `part`'s MIDI into `out`: its given notes, else its stem transcribed.

    Returns:
        ``{"role", "path", "source" ("given" | "transcribed"), "notes"}``.
    """
    from ainur_studio.midi_io import midi_bytes
    from ainur_studio.take_reader import midi_grid

    notes = take.request.structure.notes.get(part.role)
    source = "given" if notes else "transcribed"
    if not notes and part.role == "drums":
        raise NoDrumNotes()
    if not notes:
        notes = transcribe(part.path)
    bpm, metre = midi_grid(take.request)
    data = midi_bytes(notes, bpm=bpm, metre=metre, name=part.role, drums=part.role == "drums")
    path = write_unique(out / f"{part.role}.mid", data)
    return {"role": part.role, "path": str(path), "source": source, "notes": len(notes)}


def transcribe(path: str) -> list[tp.Any]:
    """The notes of the stem at `path` (`ainur_studio.transcribe`, imported here: it is
    heavy and optional)."""
    try:
        from ainur_studio import transcribe as transcription
    except ImportError as exc:
        raise PartNotTranscribed("this installation has no transcription "
                                 f"(ainur_studio.transcribe: {exc}); only parts that were "
                                 "given notes have MIDI") from exc
    try:
        return list(transcription.transcribe_file(path))
    except transcription.TranscriptionUnavailable as exc:
        raise PartNotTranscribed(str(exc)) from exc
    except (OSError, ValueError) as exc:
        raise PartNotTranscribed(f"the stem {path!r} could not be transcribed: {exc}") from exc


def record_midi_paths(sidecar: str | Path, paths: dict[str, str]) -> bool:
    """Set `parts[*].midi_path` of the parts in `paths` (role -> file) in the take.json at
    `sidecar`, every other key kept; replaced atomically, so a crash leaves the old one.
    Returns whether anything changed. Raises ValueError for a sidecar without parts."""
    from ainur_studio.fileio import atomic_write_bytes

    path = Path(sidecar)
    data = json.loads(path.read_text(encoding="utf-8"))
    parts = data.get("parts") if isinstance(data, dict) else None
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise ValueError("it has no list of parts")
    changed = False
    for part in parts:
        new = paths.get(part.get("role"))
        if new is not None and part.get("midi_path") != str(Path(new).resolve()):
            part["midi_path"], changed = str(Path(new).resolve()), True
    if changed:
        atomic_write_bytes(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n")
                           .encode("utf-8"))
    return changed


def write_unique(path: Path, data: bytes) -> Path:
    """`data` at `path`, or at the first free ``stem-k`` name beside it; a file that already
    holds exactly `data` is kept as it is and returned."""
    from engine.takes import MAX_CLASHES, write_new

    for k in range(1, MAX_CLASHES):
        target = path if k == 1 else path.with_name(f"{path.stem}-{k}{path.suffix}")
        if target.is_file() and target.read_bytes() == data:
            return target
        try:
            return write_new(target, data)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free file name for {path.name} in {path.parent}")
