"""Run the background engine: JSON lines on stdin/stdout (how the app starts it), or TCP with
`--listen HOST:PORT` for a remote app, which must send the token in its hello.

The protocol is described in docs/engine-protocol.md.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.__main__ import add_arguments as engine_arguments

    engine_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from engine.__main__ import run_engine

    return run_engine(args)
