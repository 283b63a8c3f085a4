"""Fixtures for the engine tests: an in-process engine with the fake model functions."""

from __future__ import annotations

import pytest

from engine.devices import DeviceChoice
from engine.inprocess import InProcessEngine
from tests.fakes import fake_engine


@pytest.fixture
def fake_mode(monkeypatch):
    """Set the fake engine's behaviour for in-process engines: ``fake_mode("slow")``."""
    def set_mode(mode: str) -> None:
        monkeypatch.setenv("AINUR_ENGINE_FAKE", mode)
    set_mode("ok")
    return set_mode


@pytest.fixture
def engine(tmp_path, fake_mode):
    eng = InProcessEngine(takes_dir=tmp_path / "takes", device=DeviceChoice("cpu", "fp32"),
                          generate_fn=fake_engine.fake_generate,
                          load_pack=fake_engine.fake_load_pack,
                          train_fn=fake_engine.fake_train,
                          list_models=fake_engine.fake_list_models)
    yield eng
    eng.close()


def small_request(**overrides):
    """A request the fake generator serves in milliseconds."""
    data = {"prompt": "test tune", "duration_s": 1.0, "steps": 4, "seed": 5}
    data.update(overrides)
    return data
