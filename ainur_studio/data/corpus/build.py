"""Build (or resume) a corpus folder: pick pieces, render them, append the manifest.

Layout of `out`::

    manifest.jsonl           one ClipRecord per line, in build order
    skipped.jsonl            pieces that gave no clip, with the reason
    build.json               the settings and tool versions of the last run
    audio/<collection>/<clip_id>.flac
    lrc/<collection>/<clip_id>.lrc

A build is resumable: pieces already in the manifest or the skipped list are not rendered
again, and ``limit`` counts the clips already there. Given the same seed, options, music21
corpus, SoundFont and FluidSynth version, the manifest and the audio bytes are the same.

The genre songs (``genres.build``) can be built into the same folder (``make corpus`` does):
they go under ``genres/``, append to the same manifest and are not counted here.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ainur_studio.data.corpus import manifest
from ainur_studio.data.corpus.deps import find_fluidsynth, find_soundfont, require_music21
from ainur_studio.data.corpus.piece import ClipSettings, PieceResult, render_piece
from ainur_studio.data.corpus.scores import PieceRef, list_pieces, order_pieces
from ainur_studio.fileio import atomic_write_text
from ainur_studio.progress import SILENT, Progress


@dataclass
class BuildConfig:
    out: str
    seed: int = 0
    limit: int | None = None            # stop once the manifest holds this many clips
    clip: ClipSettings = field(default_factory=ClipSettings)
    renders: int = 1                    # arrangements per piece
    workers: int = 1
    collections: list[str] | None = None
    soundfont: str | None = None


@dataclass
class BuildProgress:
    pieces: int = 0                     # rendered this run
    skipped: int = 0
    clips: int = 0                      # in the manifest, earlier runs included
    audio_s: float = 0.0                # rendered this run
    wall_s: float = 0.0
    last_piece: str = ""


def build(config: BuildConfig, *, progress: Progress = SILENT) -> BuildProgress:
    """Render pieces until the corpus is complete, `config.limit` clips exist or
    `progress.should_stop()`; `progress.report(clips, limit, stage="render", message=piece,
    pieces=, skipped=, audio_s=, wall_s=)` after every piece."""
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    require_music21()
    _write_build_info(out, config)
    pieces = order_pieces(list_pieces(set(config.collections or [])), config.seed)
    done = manifest.done_renders(out)
    tasks = [(ref, r) for ref in pieces for r in range(config.renders)
             if (ref.piece_id, r) not in done]
    state = BuildProgress(clips=len(manifest.kind_records(out, "scores")))
    if config.limit and state.clips >= config.limit:
        return state
    started = time.monotonic()
    for ref, render_index, result in _results(tasks, config):
        _record(out, ref, render_index, result, state)
        state.wall_s = time.monotonic() - started
        progress.report(state.clips, config.limit, stage="render", message=state.last_piece,
                        pieces=state.pieces, skipped=state.skipped, audio_s=state.audio_s,
                        wall_s=state.wall_s)
        if (config.limit and state.clips >= config.limit) or progress.should_stop():
            break
    return state


def _record(out: Path, ref: PieceRef, render_index: int, result: PieceResult,
            state: BuildProgress) -> None:
    if result.skipped:
        entry = {"piece_id": ref.piece_id, "render": render_index, "source": ref.source,
                 "number": ref.number, "reason": result.skipped}
        manifest.append_records(out, [json.dumps(entry)], manifest.SKIPPED)
        state.skipped += 1
    else:
        manifest.append_records(out, [r.to_json() for r in result.records])
        state.pieces += 1
    state.clips += len(result.records)
    state.audio_s += result.audio_s
    state.last_piece = ref.piece_id


def _work(args: tuple[PieceRef, int, str, int, ClipSettings, str | None]
          ) -> tuple[PieceRef, int, PieceResult]:
    ref, render_index, out, seed, clip, soundfont = args
    return ref, render_index, render_piece(ref, render_index, Path(out), seed=seed, clip=clip,
                                           soundfont=soundfont)


def _results(tasks: list[tuple[PieceRef, int]], config: BuildConfig
             ) -> Iterator[tuple[PieceRef, int, PieceResult]]:
    """Results in task order, from worker processes when `config.workers` > 1."""
    jobs = [(ref, r, config.out, config.seed, config.clip, config.soundfont) for ref, r in tasks]
    yield from in_order(_work, jobs, config.workers)


def in_order(work: Callable[[Any], Any], jobs: list[Any], workers: int) -> Iterator[Any]:
    """`work(job)` for every job, in job order: in this process, or in `workers` spawned
    worker processes (each render is its own FluidSynth run, so they parallelise well)."""
    if workers <= 1:
        yield from map(work, jobs)
        return
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        yield from pool.imap(work, jobs, chunksize=1)


def _write_build_info(out: Path, config: BuildConfig) -> None:
    info: dict[str, Any] = {"config": asdict(config), "music21": require_music21().__version__,
                            "fluidsynth": _fluidsynth_version(),
                            "soundfont": find_soundfont(config.soundfont).name}
    atomic_write_text(out / "build.json", json.dumps(info, indent=2) + "\n")


def _fluidsynth_version() -> str:
    proc = subprocess.run([find_fluidsynth(), "--version"], capture_output=True, text=True,
                          check=False)
    return (proc.stdout.splitlines() or ["unknown"])[0].strip()


def summarise(out: str | Path) -> dict[str, Any]:
    """Statistics of the score clips of a corpus folder: clips, hours, pieces, lyric
    coverage, splits, disk (of the whole folder)."""
    records = manifest.kind_records(out, "scores")
    pieces = {r["piece_id"] for r in records}
    by_collection: dict[str, int] = {}
    for r in records:
        by_collection[r["collection"]] = by_collection.get(r["collection"], 0) + 1
    disk = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    return {
        "clips": len(records),
        "hours": round(sum(r["duration_s"] for r in records) / 3600, 3),
        "pieces": len(pieces),
        "clips_with_lyrics": sum(1 for r in records if r["lrc_path"]),
        "pieces_with_lyrics": len({r["piece_id"] for r in records if r["lrc_path"]}),
        "test_clips": sum(1 for r in records if r["split"] == "test"),
        "test_pieces": len({r["piece_id"] for r in records if r["split"] == "test"}),
        "skipped_pieces": len(manifest.kind_records(out, "scores", manifest.SKIPPED)),
        "clips_by_collection": dict(sorted(by_collection.items(), key=lambda kv: -kv[1])),
        "disk_mb": round(disk / 2**20, 1),
    }
