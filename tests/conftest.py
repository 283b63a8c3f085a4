"""Shared fixtures: headless Qt, settings and user folders redirected to a temp dir."""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory):
    """One app cache for the whole run: what the app builds once per install (the text
    backbone's ONNX export) is built once per test run, not once per test."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch, _session_cache):
    """Tests never touch the developer's real settings, takes or caches."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("AINUR_STUDIO_HOME", str(home))
    monkeypatch.setenv("AINUR_STUDIO_CACHE", str(_session_cache))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    yield home


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Test tensors are tiny: threads gain nothing, and on shared cores thread barriers are
    slow. Only when the test module already uses torch (the UI tests must not load it)."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
