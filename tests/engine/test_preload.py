"""`--preload PACK`: the engine loads the pack in the background as soon as it starts, and a
generate arriving meanwhile waits for that load instead of loading a second copy."""

from __future__ import annotations

import argparse
import logging
import sys
import threading

import pytest

from engine.__main__ import TailHandler, add_arguments, build_server
from engine.devices import DeviceChoice
from engine.handlers.runtime import Runtime

WAIT_S = 30.0  # only reached on failure


@pytest.fixture(autouse=True)
def _root_handlers():
    """build_server adds a log handler to the root logger; take it away again."""
    before = list(logging.getLogger().handlers)
    yield
    logging.getLogger().handlers[:] = before


class GatedLoader:
    """A `load_pack` that counts its calls and blocks until `release` is set."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, name: str, *, device: str) -> object:
        self.calls.append(name)
        self.started.set()
        assert self.release.wait(WAIT_S)
        return {"name": name}


def test_a_get_during_the_preload_waits_for_it_and_loads_once(tmp_path) -> None:
    loader = GatedLoader()
    runtime = Runtime(device=DeviceChoice("cpu", "fp32"), takes_dir=tmp_path, load_pack=loader)
    cache = runtime.packs
    preload = runtime.preload("debug")
    assert loader.started.wait(WAIT_S)
    got: list[object] = []
    generate = threading.Thread(target=lambda: got.append(cache.get("debug")))
    generate.start()
    generate.join(0.2)
    assert generate.is_alive() and not got  # waits for the running load
    loader.release.set()
    generate.join(WAIT_S)
    preload.join(WAIT_S)
    assert loader.calls == ["debug"]
    assert got == [{"name": "debug"}] and cache.loaded() == ["debug"]
    assert "engine.takes" in sys.modules  # the take writer is warm for the first take


def test_a_failed_preload_is_logged_and_left_to_the_job(tmp_path, caplog) -> None:
    def broken(name: str, *, device: str) -> object:
        raise OSError("no such pack")

    runtime = Runtime(device=DeviceChoice("cpu", "fp32"), takes_dir=tmp_path, load_pack=broken)
    runtime.preload("missing").join(WAIT_S)
    assert runtime.packs.loaded() == []
    assert "preloading model pack missing failed" in caplog.text


def test_the_engine_option_starts_the_preload() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--device", "cpu", "--preload", "starter"])
    loader = GatedLoader()
    loader.release.set()
    server = build_server(args, tail=TailHandler(), token=None, transport="stdio",
                          engine_id="e-test", load_pack=loader)
    assert loader.started.wait(WAIT_S)
    assert loader.calls == ["starter"]
    del server


def test_without_the_option_nothing_is_loaded_at_start() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--device", "cpu"])
    loader = GatedLoader()
    build_server(args, tail=TailHandler(), token=None, transport="stdio", engine_id="e-test",
                 load_pack=loader)
    assert not loader.started.wait(0.2) and loader.calls == []
