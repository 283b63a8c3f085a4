"""No dead code in the process, command and UI layers: every module-level function and class
in engine/, commands/ and ui/ is used somewhere else in the project (code, scripts or tests)."""

from __future__ import annotations

import ast
import collections
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("engine", "commands", "ui")
USERS = ("ainur_studio", "engine", "commands", "ui", "tests", "scripts")


def definitions(path: Path) -> list[str]:
    """Names of the module-level functions and classes in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def unused(checked: list[Path], users: list[Path], root: Path) -> list[str]:
    """`path: name` of each definition in `checked` named nowhere in `users` but where it
    is defined."""
    words = collections.Counter(word for p in users
                                for word in re.findall(r"\w+", p.read_text(encoding="utf-8")))
    return [f"{path.relative_to(root)}: {name}" for path in checked
            for name in definitions(path) if words[name] < 2]


def python_files(root: Path, packages: tuple[str, ...]) -> list[Path]:
    return sorted(p for pkg in packages for p in (root / pkg).rglob("*.py"))


def test_every_definition_is_used():
    users = [*python_files(ROOT, USERS), ROOT / "main.py"]
    assert unused(python_files(ROOT, CHECKED), users, ROOT) == []


def test_the_finder_finds_an_unused_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def used():\n    pass\n\n\ndef forgotten():\n    pass\n\n\nused()\n")
    assert unused([module], [module], tmp_path) == ["m.py: forgotten"]
