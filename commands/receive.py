"""`ainur-studio receive --port N --out DIR`: the reference receiver for streamed takes.

Reassembles `/ainur/stream/*` chunks, verifies CRC32 and SHA-256, and writes each stream as a
32-bit float WAV atomically into DIR (never elsewhere, never over an existing file): a
single-file take as `DIR/<stream id>.wav`, a take sent with its stems as one folder
`DIR/<take>-<8 hex>/` with `<role>.wav` per stem and `mix.wav`. It prints each file written.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, required=True, help="UDP/TCP port to listen on")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for received takes")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; 0.0.0.0 for the network)")
    parser.add_argument("--tcp", action="store_true", help="OSC over TCP (SLIP) instead of UDP")
    parser.add_argument("--seconds", type=float, help="stop after this many seconds")


def run(args: argparse.Namespace) -> int:
    from engine.osc.server import OscServer
    from engine.osc.stream_receive import StreamReceiver

    def written(path: object) -> None:
        print(path, flush=True)

    receiver = StreamReceiver(args.out, on_written=written)
    try:
        server = OscServer(receiver.handle, host=args.host, port=args.port,
                           protocol="tcp" if args.tcp else "udp", tick=receiver.expire,
                           rejected=lambda: receiver.stats.dropped)
    except OSError as exc:
        print(f"ainur-studio receive: cannot listen on {args.host}:{args.port}: {exc}",
              file=sys.stderr)
        return 1
    print(f"receiving on osc.{'tcp' if args.tcp else 'udp'}://{args.host}:{server.port}, "
          f"writing to {args.out}", file=sys.stderr, flush=True)
    try:
        server.serve_forever(args.seconds)
    except KeyboardInterrupt:
        server.stop()
    stats = receiver.stats
    print(f"{stats.completed} files received, {stats.dropped + server.errors} messages dropped, "
          f"{stats.bad_chunks} corrupt chunks", file=sys.stderr)
    return 0
