"""`main.py`'s command table: every subcommand lives in the top-level `commands` package, each
module exists (no silent filtering of missing ones), and none loads Qt or torch at import."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import main

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ("gui", "generate", "models", "engine", "train", "clasp", "send", "receive", "daw",
            "lrc", "midi", "corpus")


def test_every_command_is_a_module_of_the_commands_package():
    assert tuple(main.COMMANDS) == EXPECTED
    for name, (module, _help) in main.COMMANDS.items():
        assert module == f"commands.{name}"
        assert (ROOT / "commands" / f"{name}.py").is_file()


def test_a_missing_command_module_is_an_error_not_a_hidden_command(monkeypatch):
    monkeypatch.setitem(main.COMMANDS, "ghost", ("commands.ghost", "not written yet"))
    try:
        main.build_parser()
    except ModuleNotFoundError as exc:
        assert "commands.ghost" in str(exc)
    else:
        raise AssertionError("a command whose module is missing was silently dropped")


def test_every_command_module_has_the_command_interface():
    for module_name, _help in main.COMMANDS.values():
        module = importlib.import_module(module_name)
        assert callable(module.add_arguments) and callable(module.run), module_name
        assert module.__doc__, f"{module_name} needs a docstring (it is the --help text)"


def test_building_the_parser_loads_neither_qt_nor_torch():
    code = ("import sys, main\n"
            "main.build_parser()\n"
            "print(','.join(m for m in ('PySide6', 'torch', 'ui') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_the_engine_package_holds_no_commands():
    assert not (ROOT / "engine" / "cli").exists()
    assert not (ROOT / "ui" / "cli.py").exists()
