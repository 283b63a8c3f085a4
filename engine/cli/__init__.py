"""Headless `ainur-studio` subcommands. Each module: `add_arguments(parser)`, `run(args)`.

Modules import only the standard library at top level; heavy imports happen inside `run`.
"""
