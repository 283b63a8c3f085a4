"""Takes made of parts: one folder per take with the mix, a file per stem, the MIDI of the
parts that were given notes, the lyrics and the sidecar.

    <name>/mix.wav      the mix, the sum of the stems
    <name>/drums.wav    one file per part, named by role (`STEM_ROLES` order)
    <name>/bass.mid     the notes a part was given (`structure.notes`) at the take's tempo
    <name>/mix.lrc      the lyrics, when the request has some
    <name>/take.json    the `Take` record with its `parts` and `folder`

Every file gets the same gain, so the stems still sum to the mix: the mix is normalised to the
loudness target, and where its true peak (or a stem's) would pass the ceiling the common gain
is lowered instead of limiting (a limiter's varying gain would break the sum).

The folder is built as ``.<name>.<8 hex>.take-part/`` in the destination and renamed to
``<name>/`` when complete, so a reader never sees half a take and an existing folder is never
replaced (a clash moves on to ``<name>-2``, ...). Such temporaries left by a killed write are
removed the next time a take folder is written there.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import errno
import logging
import math
import os
import re
import shutil
import stat
import time
import typing as tp
import uuid
from pathlib import Path

import numpy as np

from ainur_studio.fileio import atomic_write_bytes, fsync_dir
from ainur_studio.midi_io import write_notes
from ainur_studio.structure import STEM_ROLES
from ainur_studio.take_reader import MIX, SIDECAR, midi_grid, relocate
from ainur_studio.types import GenerationRequest, Take, TakePart
from engine.loudness import MAX_GAIN_DB, LoudnessReport, integrated_loudness, true_peak
from engine.takes import (
    FORMATS,
    MAX_CLASHES,
    SAMPLE_RATE,
    STALE_PART_S,
    TakeOptions,
    finite,
    format_lyrics,
    remove_stale_parts,
    render_name,
    sidecar_bytes,
    take_tags,
    to_frames,
    write_audio_file,
)

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".take-part"
_TEMP_FOLDER = re.compile(r"^\..+\.[0-9a-f]{8}\.take-part$")
MARGIN_DB = 0.25       # under the ceiling, as `engine.loudness.normalize` keeps its limiter


def part_frames(stems: tp.Mapping[str, tp.Any]) -> dict[str, np.ndarray]:
    """Role -> (T, 2) float32 for every stem, in `STEM_ROLES` order (views of float32 input:
    a long take's five stems are large).

    Raises:
        ValueError: for no stems, an unknown role, or stems of different lengths.
    """
    if not stems:
        raise ValueError("a take folder needs at least one stem")
    unknown = [r for r in stems if r not in STEM_ROLES]
    if unknown:
        raise ValueError(f"unknown stem role(s) {', '.join(map(repr, unknown))}; the roles "
                         f"are {', '.join(STEM_ROLES)}")
    frames = {role: to_frames(stems[role], np.float32) for role in STEM_ROLES if role in stems}
    lengths = {role: len(x) for role, x in frames.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"the stems of a take must all be as long; got {lengths} frames")
    return frames


def mix_of(parts: dict[str, np.ndarray]) -> np.ndarray:
    """The sum of the stems, added in `STEM_ROLES` order in float32 (as
    `ainur_studio.models.stems.mix_stems` does, so it equals the generated mix)."""
    frames = iter(parts.values())
    mix = next(frames).copy()
    for x in frames:
        mix += x
    return mix


def common_gain(mix: np.ndarray, stems: tp.Iterable[np.ndarray], sample_rate: int, *,
                target_lufs: float | None, ceiling_dbtp: float | None,
                margin_db: float = MARGIN_DB) -> tuple[LoudnessReport, bool]:
    """The one gain for the mix and its stems: the mix at `target_lufs`, lowered where the
    true peak of the mix or of any stem would pass `ceiling_dbtp` less `margin_db`.

    Returns:
        The mix's loudness report (``limited`` is always False: nothing is limited) and
        whether the ceiling, not the loudness target, set the gain.
    """
    before = integrated_loudness(mix, sample_rate)
    gain_db = 0.0
    if target_lufs is not None and math.isfinite(before):
        gain_db = min(target_lufs - before, MAX_GAIN_DB)
    peak = max(true_peak(x) for x in (mix, *stems))
    peak_bound = False
    if ceiling_dbtp is not None and math.isfinite(peak) and \
            peak + gain_db > ceiling_dbtp - margin_db:
        gain_db, peak_bound = ceiling_dbtp - margin_db - peak, True
    after = integrated_loudness(mix * 10 ** (gain_db / 20), sample_rate)
    return LoudnessReport(before, after, gain_db, peak + gain_db, False), peak_bound


def remove_stale_folders(folder: str | Path, *,
                         older_than_s: float = STALE_PART_S) -> list[Path]:
    """Delete the temporary take folders (``.NAME.<8 hex>.take-part/``) a killed write left
    in `folder`: only real folders named like ours, untouched for `older_than_s` and holding
    nothing but regular files.

    Returns:
        The folders removed.
    """
    try:
        with os.scandir(folder) as found:
            entries = [e for e in found if _TEMP_FOLDER.match(e.name)]
    except OSError:  # missing or unreadable: nothing of ours to clean
        return []
    cutoff, removed = time.time() - older_than_s, []
    for entry in entries:
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode) and info.st_mtime < cutoff and _only_files(entry.path):
                shutil.rmtree(entry.path)
                removed.append(Path(entry.path))
    return removed


def _only_files(path: str) -> bool:
    with os.scandir(path) as found:
        return all(e.is_file(follow_symlinks=False) for e in found)


def write_take_folder(stems: tp.Mapping[str, tp.Any], *, request: GenerationRequest,
                      options: TakeOptions, given: tp.Iterable[str] = (), index: int = 0,
                      seed: int | None = None, model_id: str = "", model_hash: str = "",
                      timings: tp.Mapping[str, float] | None = None,
                      meta: tp.Mapping[str, tp.Any] | None = None,
                      sample_rate: int = SAMPLE_RATE, now: _dt.datetime | None = None) -> Take:
    """Write one take made of stems as a folder (see the module docstring).

    Args:
        stems: role -> [C, T] samples at `sample_rate` (torch tensors or numpy arrays); the
            mix written is their sum.
        given: the roles that were given (add-parts), not generated.
        The rest: as `engine.takes.write_take`.

    Returns:
        The `Take`, with `folder`, `parts`, `path` (the mix), `sidecar_path` and `lrc_path`.
    """
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"takes are written at {SAMPLE_RATE} Hz, got audio at {sample_rate} "
                         "Hz; resample before writing")
    parts = part_frames(stems)
    mix = mix_of(parts)
    report, peak_bound = common_gain(mix, parts.values(), sample_rate,
                                     target_lufs=options.loudness_lufs,
                                     ceiling_dbtp=options.true_peak_dbtp)
    _warn_if_off_target(report, options, peak_bound)
    scale = 10 ** (report.gain_db / 20)
    now = now or _dt.datetime.now().astimezone()
    seed = request.seed + index if seed is None else int(seed)
    take_id = uuid.uuid4().hex[:12]
    name = render_name(options.template, request=request, seed=seed, n=index + 1,
                       take_id=take_id, now=now)
    out_dir = Path(options.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in (*remove_stale_parts(out_dir), *remove_stale_folders(out_dir)):
        log.info("removed %s, left by an interrupted write", stale.name)
    tmp = out_dir / f".{name}.{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}"
    tmp.mkdir()
    try:
        take = Take(take_id=take_id, path="", request=request, model_id=model_id,
                    model_hash=model_hash, sample_rate=sample_rate, channels=2,
                    frames=len(mix), timings=dict(timings or {}),
                    meta={**dict(meta or {}), "seed": seed}, created=now.isoformat())
        tags = take_tags(request, seed=seed, model_id=model_id, now=now)
        _fill(tmp, take, np.float32(scale), mix, parts, set(given), options, tags)
        return _publish(tmp, out_dir, name, take,
                        lambda t: sidecar_bytes(t, seed=seed, options=options, report=report,
                                                common_gain=True, peak_bound=peak_bound))
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _warn_if_off_target(report: LoudnessReport, options: TakeOptions, peak_bound: bool) -> None:
    target = options.loudness_lufs
    if target is not None and abs(report.output_lufs - target) > 0.5:
        why = ("the ceiling left no more headroom (its stems stay a true sum of the mix)"
               if peak_bound else "near-silent audio")
        log.warning("take reached %.1f LUFS instead of %.1f: %s", report.output_lufs, target,
                    why)


def _fill(folder: Path, take: Take, scale: np.float32, mix: np.ndarray,
          parts: dict[str, np.ndarray], given: set[str], options: TakeOptions,
          tags: dict[str, str]) -> None:
    """Write the audio (each file times `scale`, one at a time), MIDI and LRC into `folder`
    and record them (and `parts`) in `take`."""
    container, subtype, suffix = FORMATS[options.format]
    mix *= scale  # our own copy
    take.path = str(write_audio_file(folder / f"{MIX}{suffix}", mix, take.sample_rate,
                                     container, subtype, tags))
    midi = _write_midi(folder, take.request, roles=list(parts))
    for role, stem in parts.items():
        part_tags = {**tags, "title": f"{tags['title']} ({role})"[:200]}
        frames = stem * scale
        path = write_audio_file(folder / f"{role}{suffix}", frames, take.sample_rate,
                                container, subtype, part_tags)
        take.parts.append(TakePart(role=role, path=str(path), midi_path=midi.get(role, ""),
                                   loudness_lufs=finite(integrated_loudness(
                                       frames, take.sample_rate)),
                                   given=role in given))
    lyrics = take.request.lyrics
    if lyrics is not None and lyrics.lines:
        take.lrc_path = str(atomic_write_bytes(folder / f"{MIX}.lrc",
                                               format_lyrics(lyrics).encode("utf-8")))


def _write_midi(folder: Path, request: GenerationRequest, *, roles: list[str]) -> dict[str, str]:
    """``<role>.mid`` for every part of the take that was given notes: role -> path."""
    bpm, metre = midi_grid(request)
    written = {}
    for role, notes in request.structure.notes.items():
        if not notes:
            continue
        if role not in roles:
            log.warning("notes were given for the %s part, which this take does not have; "
                        "they are kept in the sidecar only", role)
            continue
        path = write_notes(folder / f"{role}.mid", notes, bpm=bpm, metre=metre, name=role,
                           drums=role == "drums")
        written[role] = str(path)
    return written


def _publish(tmp: Path, out_dir: Path, name: str, take: Take,
             sidecar: tp.Callable[[Take], bytes]) -> Take:
    """Claim the first free ``name[-k]`` folder for `tmp`, with the sidecar written for it."""
    for k in range(1, MAX_CLASHES):
        target = out_dir / (name if k == 1 else f"{name}-{k}")
        if target.exists() or target.is_symlink():
            continue
        final = relocate(copy.deepcopy(take), target / SIDECAR)
        atomic_write_bytes(tmp / SIDECAR, sidecar(final))
        fsync_dir(tmp)
        if _claim_folder(tmp, target):
            fsync_dir(out_dir)
            return final
    raise FileExistsError(f"no free folder name for {name!r} in {out_dir}")


def _claim_folder(tmp: Path, target: Path) -> bool:
    """Rename folder `tmp` to `target` unless `target` exists; True on success.

    On POSIX a rename replaces an empty folder, so an empty placeholder is created first
    (``mkdir`` fails if anything is there) and the rename goes over it; on Windows the rename
    itself refuses an existing target.
    """
    if os.name == "nt":
        try:
            os.rename(tmp, target)
            return True
        except FileExistsError:
            return False
    try:
        os.mkdir(target)
    except FileExistsError:
        return False
    try:
        os.rename(tmp, target)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):  # someone wrote into it meanwhile
            return False
        with contextlib.suppress(OSError):
            os.rmdir(target)
        raise
    return True
