"""`ainur-studio daw listen --port N --seconds S [--json]`: print the DAW state observed
(tempo, time signature, transport, playhead) from REAPER, AbletonOSC, DrivenByMoss or Ardour."""

from __future__ import annotations

import argparse
import json
import sys
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="daw_command", metavar="ACTION", required=True)
    listen = sub.add_parser("listen", help="listen for DAW feedback and print the state")
    listen.add_argument("--port", type=int, default=None,
                        help="port the DAW sends feedback to (default: the DAW's usual port, "
                             "9000 for REAPER, Bitwig and auto; 11001 Ableton; 8000 Ardour)")
    listen.add_argument("--host", default="127.0.0.1", help="address to bind")
    listen.add_argument("--daw", default="auto",
                        choices=["auto", "reaper", "ableton", "bitwig", "ardour"])
    listen.add_argument("--subscribe", metavar="URL",
                        help="ask the DAW at this OSC URL to send feedback (AbletonOSC, Ardour)")
    listen.add_argument("--seconds", type=float, default=5.0, help="how long to listen")
    listen.add_argument("--json", action="store_true", help="print the final state as JSON")


def run(args: argparse.Namespace) -> int:
    from engine.osc.listener import DawListener
    from engine.osc.transport import parse_osc_url

    try:
        listener = DawListener(daw=args.daw, host=args.host, port=args.port).start()
    except OSError as exc:
        port = args.port if args.port is not None else "the DAW's default port"
        print(f"ainur-studio daw: cannot listen on {args.host}:{port}: {exc}",
              file=sys.stderr)
        return 1
    print(f"listening on {listener.server.where} for {args.seconds:g} s", file=sys.stderr,
          flush=True)
    try:
        if args.subscribe:
            listener.subscribe(args.daw, parse_osc_url(args.subscribe))
        time.sleep(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        listener.stop()
    state = listener.state()
    if args.json:
        print(json.dumps({**state.to_dict(), "summary": state.summary(),
                          "dropped": listener.dropped}))
    else:
        print(state.summary())
        if listener.dropped:
            print(f"{listener.dropped} messages dropped (malformed, or not DAW feedback)",
                  file=sys.stderr)
    return 0
