"""The import directions of STYLE §4 hold, statically and at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.import_rules import check_module, check_tree

ROOT = Path(__file__).resolve().parents[1]


def test_tree_respects_import_directions():
    violations = check_tree(ROOT)
    assert not violations, "\n".join(map(str, violations))


def test_checker_catches_forbidden_imports():
    assert check_module("ui.widgets.waveform_view", "import torch\n", "x")
    assert check_module("ui.app", "def f():\n    from torch import nn\n", "x")
    assert check_module("ui.app", "from engine.server import Server\n", "x")
    assert check_module("ui.app", "from ainur_studio.models import prior\n", "x")
    assert check_module("ainur_studio.models.unet", "from PySide6 import QtCore\n", "x")
    assert check_module("engine.jobs", "import PySide6.QtWidgets\n", "x")
    assert check_module("engine.protocol", "import torch\n", "x")
    assert check_module("ainur_studio.lyrics.lrc", "import torch\n", "x")
    # relative imports resolve to their absolute names
    assert check_module("ui.widgets.prompt_panel", "from ...engine import server\n", "x")
    # allowed ones pass
    assert not check_module("ui.app", "from engine.client import EngineClient\n", "x")
    assert not check_module("ui.app", "from ainur_studio.types import Take\n", "x")
    assert not check_module("engine.jobs", "import torch\n", "x")


def test_checker_keeps_the_command_line_out_of_the_layers_below_it():
    assert check_module("engine.server", "from commands import send\n", "x")
    assert check_module("ainur_studio.types", "import commands.generate\n", "x")
    assert check_module("ui.take_actions", "from commands.send import run\n", "x")
    assert check_module("commands.send", "from PySide6.QtCore import QObject\n", "x")
    assert check_module("commands.generate", "def run():\n    from ui.app import main\n", "x")
    # commands use the engine and the core; `gui` alone opens the app (lazily)
    assert not check_module("commands.send", "from engine.osc.delivery import deliver\n", "x")
    assert not check_module("commands.train", "import torch\n", "x")
    assert not check_module("commands.gui", "def run():\n    from ui.app import main\n", "x")


def test_checker_flags_a_forbidden_import_added_to_a_copy_of_the_tree(tmp_path):
    for package in ("ainur_studio", "engine", "ui"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "ui" / "bad.py").write_text("import torch\n")
    (tmp_path / "ainur_studio" / "bad.py").write_text("from PySide6.QtCore import QObject\n")
    found = check_tree(tmp_path)
    assert {v.path for v in found} == {str(Path("ui/bad")), str(Path("ainur_studio/bad"))}


def test_importing_every_ui_module_does_not_load_torch():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "ui").rglob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = [m for m in ('torch', 'torchaudio', 'transformers') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"UI import loaded {out.stdout.strip()}"
