"""Build (or resume) the genre corpus: songs in every genre, rendered as stems, in a manifest.

Songs are taken round-robin over the genres (song 0 of every genre, then song 1, ...), so a
limited build is balanced. A build is resumable: clips already in ``manifest.jsonl`` (or
in ``skipped.jsonl``, with the reason they failed) are not rendered again, and ``limit``
counts the genre clips already there (score clips in the same folder, from ``corpus.build``,
are not counted). The same seed, genres and limit, with the same SoundFonts, libfluidsynth,
pedalboard and libsndfile, give the same manifest and the same file bytes; ``genres/build.json``
records their versions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ainur_studio.data.corpus import manifest
from ainur_studio.data.corpus.genres import storage
from ainur_studio.data.corpus.genres.clip_build import build_clip, clip_id
from ainur_studio.data.corpus.genres.effects import import_pedalboard
from ainur_studio.data.corpus.genres.soundfonts import require_soundfonts
from ainur_studio.data.corpus.genres.styles import GENRES, get_style
from ainur_studio.data.corpus.render import RenderError
from ainur_studio.fileio import atomic_write_text
from ainur_studio.progress import SILENT, Progress


@dataclass
class GenreBuildConfig:
    out: str
    seed: int = 0
    limit: int | None = None          # stop once the manifest holds this many clips
    genres: list[str] | None = None   # default: all of styles.GENRES
    songs_per_genre: int = 400        # about 70 h with every genre
    workers: int = 1
    quality: float = storage.VORBIS_QUALITY


@dataclass
class GenreBuildState:
    clips: int = 0                    # in the manifest, earlier runs included
    rendered: int = 0                 # this run
    skipped: int = 0                  # this run
    audio_s: float = 0.0              # this run
    wall_s: float = 0.0
    stopped: bool = False


def genre_tasks(config: GenreBuildConfig) -> list[tuple[str, int]]:
    """(genre, index) in build order, round-robin over the genres."""
    genres = config.genres or list(GENRES)
    for genre in genres:
        get_style(genre)      # an unknown genre fails here, naming the known ones
    return [(g, i) for i in range(config.songs_per_genre) for g in genres]


def _done(out: Path) -> set[str]:
    return ({r["clip_id"] for r in manifest.kind_records(out, "genres")}
            | {r["clip_id"] for r in manifest.kind_records(out, "genres", manifest.SKIPPED)})


def build_genres(config: GenreBuildConfig, *, progress: Progress = SILENT) -> GenreBuildState:
    """Render genre clips into `config.out` until every task is done, `config.limit` clips
    are in the manifest or `progress.should_stop()`."""
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    _write_build_info(out, config)
    done = _done(out)
    tasks = [t for t in genre_tasks(config) if clip_id(*t) not in done]
    state = GenreBuildState(clips=len(manifest.kind_records(out, "genres")))
    total = state.clips + len(tasks)
    if config.limit is not None:
        total = min(total, config.limit)
    started = time.monotonic()
    if state.clips >= total or progress.should_stop():
        state.stopped = state.clips < total
        return state
    for (genre, index), result in _results(tasks, config):
        _record(out, clip_id(genre, index), result, state, progress)
        state.wall_s = time.monotonic() - started
        progress.report(state.clips, total, stage="corpus", message=clip_id(genre, index),
                        audio_s=state.audio_s, wall_s=state.wall_s)
        if state.clips >= total:
            break
        if progress.should_stop():
            state.stopped = True
            break
    return state


def _record(out: Path, cid: str, result: dict[str, Any] | str, state: GenreBuildState,
            progress: Progress) -> None:
    if isinstance(result, str):
        entry = {"clip_id": cid, "kind": "genres", "reason": result}
        manifest.append_records(out, [json.dumps(entry, sort_keys=True)], manifest.SKIPPED)
        state.skipped += 1
        progress.log(f"{cid}: skipped ({result})")
        return
    manifest.append_records(out, [json.dumps(result, ensure_ascii=False, sort_keys=True)])
    state.clips += 1
    state.rendered += 1
    state.audio_s += result["duration_s"]
    progress.log(f"{cid}: {result['duration_s']:.1f} s, {result['sub_style']}, "
                 f"{result['bpm']} BPM, {result['key']}")


def _work(args: tuple[str, int, int, str, float]) -> tuple[tuple[str, int], dict | str]:
    genre, index, seed, out, quality = args
    try:
        record: dict | str = build_clip(genre, index, seed=seed, out=Path(out),
                                        fonts=require_soundfonts(), quality=quality)
    except RenderError as exc:
        record = f"{type(exc).__name__}: {exc}"[:300]
    return (genre, index), record


def _results(tasks: list[tuple[str, int]], config: GenreBuildConfig
             ) -> Iterator[tuple[tuple[str, int], dict | str]]:
    """Results in task order, from worker processes when `config.workers` > 1."""
    from ainur_studio.data.corpus.build import in_order

    jobs = [(g, i, config.seed, config.out, config.quality) for g, i in tasks]
    yield from in_order(_work, jobs, config.workers)


def _write_build_info(out: Path, config: GenreBuildConfig) -> None:
    import soundfile

    from ainur_studio.data.corpus.genres.fluid_lib import version

    fonts = require_soundfonts()
    settings = {k: v for k, v in asdict(config).items() if k != "out"}   # not where it is
    info = {"kind": "genres", "config": settings, "libfluidsynth": version(),
            "pedalboard": import_pedalboard().__version__, "libsndfile": soundfile.__libsndfile_version__,
            "soundfonts": [{"name": f.name, "file": f.path.name, "licence": f.licence,
                            "bytes": f.path.stat().st_size} for f in fonts]}
    (out / "genres").mkdir(exist_ok=True)
    atomic_write_text(out / "genres" / "build.json", json.dumps(info, indent=2) + "\n")
