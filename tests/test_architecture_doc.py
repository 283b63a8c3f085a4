"""docs/architecture.md stays true: it opens with a module map that has a line for every
package, and every project file it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
TOPS = ("ainur_studio/", "engine/", "commands/", "ui/", "tests/", "docs/", "resources/")


def named_paths(text: str) -> list[str]:
    """Back-quoted project files (`engine/osc/delivery.py`, `models/prior.py`, `loop.py`)
    and folders of the project (`ainur_studio/audio/`; not folders inside packs), without
    placeholders or wildcards."""
    found = re.findall(r"`([\w./-]+\.(?:py|md)|[\w./-]+/)`", text)
    return [p for p in found if not p.startswith("../")
            and (not p.endswith("/") or p.startswith(TOPS))]


def exists(path: str) -> bool:
    if path.startswith(TOPS) or path == "main.py":
        return (ROOT / path).exists()
    # a path relative to its section's package: some project file ends with it
    return any(str(p.relative_to(ROOT)).endswith(path.rstrip("/"))
               for top in TOPS for p in (ROOT / top).rglob(Path(path).name))


def packages() -> list[str]:
    return sorted(".".join(p.parent.relative_to(ROOT).parts)
                  for top in ("ainur_studio", "engine", "commands", "ui")
                  for p in (ROOT / top).rglob("__init__.py"))


def test_every_file_the_architecture_names_exists():
    missing = [p for p in named_paths(DOC.read_text(encoding="utf-8")) if not exists(p)]
    assert missing == []


def test_the_module_map_has_a_line_for_every_package():
    text = DOC.read_text(encoding="utf-8")
    assert "## Module map" in text
    module_map = text.split("## Module map", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`((?:ainur_studio|engine|commands|ui)(?:\.\w+)*)`", module_map))
    assert [p for p in packages() if p not in listed] == []


def test_the_path_finder_reads_back_quoted_paths():
    text = "see `engine/osc/gone.py`, `loop.py`, `ainur_studio/audio/` and `<name>/x.json`"
    assert named_paths(text) == ["engine/osc/gone.py", "loop.py", "ainur_studio/audio/"]
    assert not exists("engine/osc/gone.py") and exists("loop.py")
