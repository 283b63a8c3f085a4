"""Static check of the import directions in STYLE §4 (used by tests/test_import_directions.py).

Every `import` statement counts, including lazy ones inside functions: a lazy import of torch
in the UI still loads torch.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

# Pure, torch-free parts of the model core that the UI may use.
UI_ALLOWED_CORE = ("ainur_studio", "ainur_studio.types", "ainur_studio.lyrics",
                   "ainur_studio.project", "ainur_studio.descriptor", "ainur_studio.fileio",
                   "ainur_studio.errors", "ainur_studio.limits", "ainur_studio.structure",
                   "ainur_studio.midi_io", "ainur_studio.chord_estimate",
                   "ainur_studio.take_reader", "ainur_studio.closeness_report")
UI_ALLOWED_ENGINE = ("engine", "engine.protocol", "engine.client")
# The one lazy reach from the command line into the UI: `ainur-studio gui` opens the app.
COMMANDS_UI_ENTRY = ("commands.gui", "ui.app")
PACKAGES = ("ainur_studio", "engine", "commands", "ui")
HEAVY = ("torch", "torchaudio", "transformers", "safetensors", "peft", "einops")
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    module: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.module} ({self.rule})"


def _under(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == r or module.startswith(r + ".") for r in roots)


def imported_modules(source: str, module_name: str) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in `source`."""
    tree = ast.parse(source)
    package = module_name.rsplit(".", 1)[0] if "." in module_name else ""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1] if node.level > 1 else base
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
            # `from ainur_studio import types` names submodules too
            found += [(node.lineno, f"{mod}.{a.name}") for a in node.names if a.name != "*"]
    return found


def check_module(module_name: str, source: str, path: str) -> list[Violation]:
    top = module_name.split(".")[0]
    out = []
    for line, mod in imported_modules(source, module_name):
        rule = None
        if top == "ainur_studio":
            if _under(mod, QT) or _under(mod, ("engine", "commands", "ui")):
                rule = "ainur_studio must not import Qt, engine, commands or ui"
            elif _under(module_name, UI_ALLOWED_CORE[1:]) and _under(mod, HEAVY):
                rule = f"{module_name} is used by the UI and must stay torch-free"
        elif top == "engine":
            if _under(mod, QT) or _under(mod, ("commands", "ui")):
                rule = "engine must not import Qt, commands or ui"
            elif _under(module_name, ("engine.protocol", "engine.client")) and (
                    _under(mod, HEAVY) or (_under(mod, ("ainur_studio",))
                                           and not _under(mod, UI_ALLOWED_CORE))):
                rule = "engine.protocol/client are imported by the UI and must stay light"
        elif top == "commands":
            gui_entry = module_name == COMMANDS_UI_ENTRY[0] and \
                _under(mod, COMMANDS_UI_ENTRY[1:])
            if (_under(mod, QT) or _under(mod, ("ui",))) and not gui_entry:
                rule = "commands must not import Qt or ui (only commands.gui opens ui.app)"
        elif top == "ui":
            if _under(mod, ("commands",)):
                rule = "ui must not import the command line"
            elif _under(mod, HEAVY):
                rule = "ui must never load torch or other model libraries"
            elif _under(mod, ("ainur_studio",)) and not _under(mod, UI_ALLOWED_CORE[1:]) \
                    and mod != "ainur_studio":
                rule = "ui may use only the pure parts of ainur_studio"
            elif _under(mod, ("engine",)) and mod != "engine" \
                    and not _under(mod, UI_ALLOWED_ENGINE[1:]):
                rule = "ui talks to the engine only through engine.protocol/engine.client"
        if rule:
            out.append(Violation(path, line, mod, rule))
    return out


def check_tree(root: Path) -> list[Violation]:
    violations = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
                name = ".".join(parts) + ".__init__"
            else:
                name = ".".join(parts)
            violations += check_module(name, path.read_text(encoding="utf-8"), str(rel))
    return violations
