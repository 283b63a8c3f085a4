"""`ainur-studio corpus build --out DIR [--seed N] [--limit N] [--clip-seconds S] [--workers N]`
renders the music21 corpus with FluidSynth into 48 kHz stereo FLAC clips with captions, synced
LRC and a manifest; `--kind genres [--genres pop,lofi,...]` renders the genre arranger's songs
as stems (drums, bass, harmony, melody, vocals) with their MIDI and labels instead. Both kinds
can share one folder and manifest (`make corpus` builds the score pieces, then the genre songs,
into `corpus/`); `--limit` counts only the clips of the kind being built.
`ainur-studio corpus stats DIR` summarises a corpus folder (hours per kind, per genre, per stem
role and of sung vocals); `ainur-studio corpus share DIR --out NEW [--max-mb 60]` copies whole
genre clips, balanced over the genres, that fit a size budget.

Building needs music21 (pip) and FluidSynth with a General MIDI SoundFont (Debian/Ubuntu:
apt-get install fluidsynth fluid-soundfont-gm); running the app does not. Builds resume where
they stopped; the same seed gives the same manifest and audio.
"""

from __future__ import annotations

import argparse
import json
import sys
import typing as tp

from ainur_studio.progress import Callbacks, throttled


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)
    build = sub.add_parser("build", help="render (or resume rendering) the starter corpus")
    build.add_argument("--out", required=True, help="corpus folder (created; resumed if present)")
    build.add_argument("--seed", type=int, default=0, help="arrangement / tempo seed")
    build.add_argument("--limit", type=int, default=None,
                       help="stop once the manifest holds this many clips of this --kind "
                            "(clips of the other kind in the same folder do not count)")
    build.add_argument("--clip-seconds", type=float, default=20.0,
                       help="target clip length; clips are cut at bar lines between half "
                            "and 1.2 times this")
    build.add_argument("--max-clips-per-piece", type=int, default=4,
                       help="clips kept from one render of a long piece")
    build.add_argument("--renders", type=int, default=1, help="arrangements per piece")
    build.add_argument("--workers", type=int, default=1, help="parallel render processes")
    build.add_argument("--collections", default="",
                       help="comma-separated music21 corpus folders (default: all)")
    build.add_argument("--soundfont", default=None, help="GM SoundFont (.sf2) to render with")
    build.add_argument("--kind", choices=("scores", "genres"), default="scores",
                       help="scores: the music21 corpus as mixed clips; genres: arranged "
                            "songs in 15 genres as stems")
    build.add_argument("--genres", default="",
                       help="comma-separated genres for --kind genres (default: all 15)")
    build.add_argument("--songs-per-genre", type=int, default=400,
                       help="songs per genre for --kind genres")
    stats = sub.add_parser("stats", help="print statistics of a corpus folder as JSON")
    stats.add_argument("folder")
    share = sub.add_parser("share", help="copy genre clips that fit a size budget, balanced "
                                         "over the genres, into a new folder")
    share.add_argument("folder", help="the corpus folder")
    share.add_argument("--out", required=True, help="the new folder for the share")
    share.add_argument("--max-mb", type=float, default=60.0,
                       help="size budget in MiB (default 60: fits a 64 MiB transfer)")
    share.add_argument("--split", choices=("train", "test"), default=None,
                       help="only clips of this split")


def run(args: argparse.Namespace) -> int:
    if args.corpus_command == "stats":
        print(json.dumps(_summary(args.folder), indent=2))
        return 0
    if args.corpus_command == "share":
        return _share(args)
    return _build_genres(args) if args.kind == "genres" else _build(args)


def _summary(folder: str) -> dict:
    from ainur_studio.data.corpus.stats import summarise_corpus

    return summarise_corpus(folder)


def _share(args: argparse.Namespace) -> int:
    from ainur_studio.data.corpus.share import write_share

    try:
        result = write_share(args.folder, args.out, max_bytes=int(args.max_mb * 2**20),
                             split=args.split)
    except (FileExistsError, ValueError) as exc:
        print(f"ainur-studio corpus share: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


def _build_genres(args: argparse.Namespace) -> int:
    from ainur_studio.data.corpus.deps import MissingDependency
    from ainur_studio.data.corpus.genres.build import GenreBuildConfig, build_genres
    from ainur_studio.data.corpus.genres.stats import summarise_genres

    if args.workers < 1 or args.songs_per_genre < 1:
        print("ainur-studio corpus: need --workers >= 1 and --songs-per-genre >= 1",
              file=sys.stderr)
        return 2
    config = GenreBuildConfig(out=args.out, seed=args.seed, limit=args.limit,
                              genres=[g for g in args.genres.split(",") if g] or None,
                              songs_per_genre=args.songs_per_genre, workers=args.workers)
    return _run_build(lambda: build_genres(config, progress=_genre_printer()),
                      lambda s: f"{s.rendered} clips ({s.skipped} skipped)",
                      lambda: summarise_genres(args.out), (MissingDependency, ValueError))


def _build(args: argparse.Namespace) -> int:
    from ainur_studio.data.corpus.build import BuildConfig, build, summarise
    from ainur_studio.data.corpus.deps import MissingDependency
    from ainur_studio.data.corpus.piece import ClipSettings

    if args.clip_seconds < 4 or args.workers < 1 or args.renders < 1:
        print("ainur-studio corpus: need --clip-seconds >= 4, --workers >= 1, --renders >= 1",
              file=sys.stderr)
        return 2
    clip = ClipSettings(target_s=args.clip_seconds, min_s=args.clip_seconds / 2,
                        max_s=args.clip_seconds * 1.2, max_clips=args.max_clips_per_piece)
    config = BuildConfig(out=args.out, seed=args.seed, limit=args.limit, clip=clip,
                         renders=args.renders, workers=args.workers, soundfont=args.soundfont,
                         collections=[c for c in args.collections.split(",") if c] or None)
    return _run_build(lambda: build(config, progress=_printer()),
                      lambda s: f"{s.pieces} pieces ({s.skipped} skipped)",
                      lambda: summarise(args.out), (MissingDependency,))


def _run_build(run: tp.Callable[[], tp.Any], rendered: tp.Callable[[tp.Any], str],
               summary: tp.Callable[[], dict], refused: tuple[type[Exception], ...]) -> int:
    """Run a corpus build: its outcome on stdout, a refusal or an interruption on stderr."""
    try:
        state = run()
    except refused as exc:
        print(f"ainur-studio corpus: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ainur-studio corpus: interrupted; run the same command again to resume",
              file=sys.stderr)
        return 130
    print(f"rendered {rendered(state)}, {state.audio_s / 3600:.2f} h of audio in "
          f"{state.wall_s / 60:.1f} min")
    print(json.dumps(summary(), indent=2))
    return 0


def _printer(every_s: float = 5.0) -> Callbacks:
    """Progress lines at most every few seconds."""
    def line(info: dict) -> None:
        speed = info["audio_s"] / info["wall_s"] if info["wall_s"] else 0.0
        print(f"{info['step']} clips | {info['pieces']} pieces, {info['skipped']} skipped this "
              f"run | {info['audio_s'] / 3600:.2f} h at {speed:.1f}x real time | "
              f"{info['message']}", flush=True)

    return Callbacks(report=throttled(line, every_s, stage="render"), log=print)


def _genre_printer(every_s: float = 5.0) -> Callbacks:
    """Genre build progress lines at most every few seconds."""
    def line(info: dict) -> None:
        speed = info["audio_s"] / info["wall_s"] if info["wall_s"] else 0.0
        print(f"{info['step']}/{info['total']} clips | {info['audio_s'] / 3600:.2f} h this run "
              f"at {speed:.1f}x real time | {info['message']}", flush=True)

    return Callbacks(report=throttled(line, every_s, stage="corpus"))
