"""`make screenshots` (scripts/screenshots.py) renders every screenshot the README shows,
among them the stems view, the chord lane and the MIDI import dialog."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def test_the_script_renders_every_screenshot_the_readme_shows(tmp_path):
    shown = set(re.findall(r"docs/screenshots/([\w-]+\.png)",
                           (ROOT / "README.md").read_text(encoding="utf-8")))
    assert {"stems.png", "chord_lane.png", "midi_import.png"} <= shown
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "scripts/screenshots.py", "--out", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    written = {p.name for p in tmp_path.glob("*.png")}
    assert shown <= written, f"the README shows {sorted(shown - written)}, not rendered"
    for name in shown:
        image = QImage(str(tmp_path / name))
        assert image.width() >= 300 and image.height() >= 150, name
    dialog = QImage(str(tmp_path / "midi_import.png"))
    assert dialog.width() >= 460  # its path and track names fit
