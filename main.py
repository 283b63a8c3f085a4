"""`ainur-studio` command line: `python main.py ...` does the same as the installed command.

Subcommands are registered by name with their module in the `commands` package. Every
command module exposes `add_arguments(parser)` and `run(args) -> int` and imports heavy
libraries (torch, Qt) inside `run` only, so `--help` and the GUI start without loading torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

# name -> (module, one-line help). Order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "gui": ("commands.gui", "open the desktop app (the default)"),
    "generate": ("commands.generate", "generate takes headless, on the same code path as the app"),
    "models": ("commands.models", "list the installed model packs"),
    "engine": ("commands.engine", "run the background engine (stdio, or TCP with --listen)"),
    "train": ("commands.train", "fine-tune or train models on a folder of recordings"),
    "clasp": ("commands.clasp", "train, evaluate or use the CLASP embedder"),
    "send": ("commands.send", "deliver a take to a DAW or OSC receiver"),
    "receive": ("commands.receive", "reference OSC receiver for streamed takes"),
    "daw": ("commands.daw", "listen to a DAW's tempo and transport"),
    "lrc": ("commands.lrc", "validate a synced-lyrics (.lrc) file and print it parsed"),
    "midi": ("commands.midi", "write the MIDI of a take's parts (given notes, else transcribed)"),
    "corpus": ("commands.corpus", "build the starter training corpus"),
}


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(
        prog="ainur-studio",
        description="Ainur Studio: local music generation next to your DAW.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, ModuleType] = {}
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=help_text, description=module.__doc__)
        module.add_arguments(p)
        modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The engine runs as `python main.py --engine` in frozen builds, which have no `-m`.
    if argv[:1] == ["--engine"]:
        argv = ["engine", *argv[1:]]
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    if command not in modules:
        parser.error(f"unknown command {command!r}")
    if args.command is None:
        args = parser.parse_args(["gui"])
    if command == "gui":
        _start_qt()
    return int(modules[command].run(args) or 0)


def _start_qt() -> None:
    """Create the QApplication (the app reuses it) while a message handler stands by to
    explain a platform plugin that cannot load: which libraries are missing, and the fix."""
    from PySide6.QtCore import qInstallMessageHandler

    from ui.app import create_application
    from ui.platform_check import PlatformDiagnosis

    previous = qInstallMessageHandler(PlatformDiagnosis())
    try:
        create_application()
    finally:
        qInstallMessageHandler(previous)


if __name__ == "__main__":
    sys.exit(main())
