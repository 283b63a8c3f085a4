"""Check a synced-lyrics (.lrc) file and print it parsed (JSON, the default) or normalised LRC.

Problems go to stderr as FILE:LINE:COLUMN: message. Exit status 1 when the file cannot be read
or decoded, when --strict finds any problem, or when it has no timed lyric lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import typing as tp

if tp.TYPE_CHECKING:
    from ainur_studio.lyrics.errors import LrcProblem
    from ainur_studio.types import Lyrics


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the .lrc file to check")
    parser.add_argument("--strict", action="store_true",
                        help="fail at the first problem instead of skipping bad lines")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", dest="output", action="store_const", const="json",
                        help="print tags and lines with start/end times as JSON (default)")
    output.add_argument("--lrc", dest="output", action="store_const", const="lrc",
                        help="print the lyrics as normalised LRC (A2 enhanced, centiseconds)")
    parser.add_argument("--milliseconds", action="store_true",
                        help="with --lrc: keep times that are not whole centiseconds exact "
                             "(mm:ss.xxx) instead of rounding them")
    parser.set_defaults(output="json")


def _as_json(lyrics: Lyrics, problems: list[LrcProblem]) -> dict[str, tp.Any]:
    """The parsed file as plain JSON data; end times are filled in (see `align`)."""
    from ainur_studio.lyrics.align import length_ms, line_spans, word_spans
    from ainur_studio.lyrics.timecode import parse_offset

    words_by_line: dict[int, list[dict[str, tp.Any]]] = {}
    for located in word_spans(lyrics):
        word = lyrics.lines[located.line].words[located.word]
        words_by_line.setdefault(located.line, []).append(
            {"start_ms": located.span.start_ms, "end_ms": located.span.end_ms, "text": word.text})
    try:
        offset = parse_offset(lyrics.tags.get("offset", "0"))
    except ValueError:
        offset = 0
    lines = [{"start_ms": span.start_ms, "end_ms": span.end_ms, "text": line.text,
              "words": words_by_line.get(index, [])}
             for index, (line, span) in enumerate(zip(lyrics.lines, line_spans(lyrics),
                                                      strict=True))]
    return {"tags": lyrics.tags, "offset_ms": offset, "length_ms": length_ms(lyrics),
            "lines": lines, "problems": [vars(p) for p in problems]}


def run(args: argparse.Namespace) -> int:
    from ainur_studio.lyrics.lrc import LrcError, format_lrc, read_lrc

    try:
        lyrics, problems = read_lrc(args.file, strict=args.strict)
    except OSError as exc:
        print(f"{args.file}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except LrcError as exc:
        print(f"{args.file}:{exc.line}:{exc.column}: {exc.message}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"{args.file}:{problem.line}:{problem.column}: {problem.message}", file=sys.stderr)
    if args.output == "lrc":
        sys.stdout.write(format_lrc(lyrics, milliseconds=args.milliseconds))
    else:
        sys.stdout.write(json.dumps(_as_json(lyrics, problems), ensure_ascii=False, indent=2)
                         + "\n")
    if not lyrics.lines:
        print(f"{args.file}: no timed lyric lines found; nothing to use", file=sys.stderr)
        return 1
    return 0
