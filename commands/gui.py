"""`ainur-studio gui [PROJECT]`: open the desktop app."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", nargs="?", help="a .ainur project to open")


def run(args: argparse.Namespace) -> int:
    from ui.app import main

    return main(project=args.project)
