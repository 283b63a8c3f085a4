"""`ainur-studio send TAKE --to URL --as KIND`: deliver a take to a DAW or OSC receiver.

TAKE is a take folder, its take.json, its mix or one stem, an old take's audio file, or any
audio file. Kinds: notify (`/ainur/take`), stream (PCM with acks to `ainur-studio receive` or a
plugin), scsynth (load by path), scsynth-stream (`/b_alloc` + `/b_setn`), reaper (the shipped
ReaScript), bitwig (DrivenByMoss insertFile), ableton (AbletonOSC create_audio_clip). A take
with stems goes as its stems (DAWs) or its stems and mix (receivers); `--include` changes that.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.osc.addresses import DELIVERY_KINDS as KINDS
from engine.osc.take_files import INCLUDES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("take", help="the take (folder, take.json or audio file) to deliver")
    parser.add_argument("--to", required=True, metavar="URL",
                        help="osc.udp://HOST:PORT or osc.tcp://HOST:PORT")
    parser.add_argument("--as", dest="kind", choices=KINDS, default="notify",
                        help="how to deliver it (default: notify)")
    parser.add_argument("--include", choices=INCLUDES, default="auto",
                        help="for a take with stems: auto (stems to a DAW, stems and mix to a "
                             "receiver), stems, mix or all (default: auto)")
    parser.add_argument("--prompt", default="", help="prompt text for the notification")
    parser.add_argument("--bpm", type=float, default=0.0, help="tempo to announce")
    parser.add_argument("--bars", type=float, default=0.0, help="length in bars to announce")
    parser.add_argument("--track", type=int,
                        help="target track, the first of the stems' (bitwig 1-8, ableton "
                             "0-based)")
    parser.add_argument("--slot", type=int, help="bitwig clip slot (1-8)")
    parser.add_argument("--bank", type=int, default=8,
                        help="bitwig: tracks in DrivenByMoss's bank (its Bank Page Size)")
    parser.add_argument("--position", type=float, default=0.0,
                        help="ableton arrangement position in beats")
    parser.add_argument("--bufnum", type=int, default=0,
                        help="scsynth buffer number (the first of the stems')")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="give up after this many seconds without an answer")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from engine.osc.delivery_requests import FAILURES, parse_delivery

    params = {"take": args.take, "target": args.to, "kind": args.kind,
              "include": args.include, "prompt": args.prompt, "bpm": args.bpm,
              "bars": args.bars, "track": args.track, "slot": args.slot, "bank": args.bank,
              "position": args.position, "bufnum": args.bufnum, "timeout": args.timeout}
    try:
        delivery = parse_delivery(params)
        result = delivery.run()
    except FAILURES as exc:
        print(f"ainur-studio send: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
        return 0
    for role, path in result["files"].items():
        print(f"sent {path} ({role}) to {delivery.target} as {args.kind}")
    if result.get("note"):
        print(f"note: {result['note']}", file=sys.stderr)
    return 0
