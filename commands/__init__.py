"""The `ainur-studio` subcommands, one module each (`main.COMMANDS` names them).

Each module: `add_arguments(parser)`, `run(args) -> int`, and a docstring that is its
`--help` text. Modules import only the standard library (and constants of `engine`) at top
level; heavy imports (torch, the engine's jobs, Qt for `gui`) happen inside `run`. Commands
use `engine` and `ainur_studio`; only `gui` reaches the UI, lazily.
"""
