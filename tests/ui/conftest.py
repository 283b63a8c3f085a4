"""Fixtures for the UI tests: settings in a temp dir, a fake-engine bridge factory."""

from __future__ import annotations

import sys
import typing as tp
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from ui.engine_bridge import EngineBridge
from ui.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "engine_mode(mode, step_s): fake engine "
                            "behaviour for the `window` fixture")


class DialogLog(list):
    """(kind, text) of every message box shown; `answer` is what questions return."""

    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Discard


@pytest.fixture(autouse=True)
def dialogs(monkeypatch) -> DialogLog:
    """Modal message boxes answer at once in tests (a modal loop would hang offscreen)."""
    seen = DialogLog()

    def question(_parent, title, text, *args, **kwargs):
        seen.append(("question", text))
        return seen.answer

    def warning(_parent, title, text, *args, **kwargs):
        seen.append(("warning", text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda *a, **k: None))
    return seen


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "settings.ini")


@pytest.fixture
def make_bridge(qtbot, _isolated_user_dirs) -> tp.Iterator[tp.Callable[..., EngineBridge]]:
    """`make_bridge(mode="ok", **kwargs)`: a bridge running the engine with fake model
    functions (tests/fakes/fake_engine.py; modes ok, slow, crash, hang, ...)."""
    bridges: list[EngineBridge] = []

    def make(mode: str = "ok", step_s: float | None = None, **kwargs: tp.Any) -> EngineBridge:
        env = {"AINUR_ENGINE_FAKE": mode, "PYTHONPATH": str(ROOT),
               "AINUR_STUDIO_HOME": str(_isolated_user_dirs)}
        if step_s is not None:
            env["AINUR_ENGINE_FAKE_STEP_S"] = str(step_s)
        kwargs.setdefault("backoff_s", (0.05,))
        bridge = EngineBridge([sys.executable, "-m", "tests.fakes.fake_engine"], env=env,
                              **kwargs)
        bridges.append(bridge)
        return bridge

    yield make
    for bridge in bridges:
        bridge.stop(timeout_ms=2000)


@pytest.fixture
def three_line_document():
    """Lines at 1 s, 4 s and 7 s (the last with its own end at 9 s), for the timeline tests."""
    from ainur_studio.types import LyricLine, Lyrics
    from ui.models.lyric_document import LyricDocument

    return LyricDocument(Lyrics(lines=[LyricLine(1000, "first line here"),
                                       LyricLine(4000, "second line"),
                                       LyricLine(7000, "third line", end_ms=9000)]))
