"""The compiled mode's wiring: inductor's caches go to the app cache (or the folder the user
set), the prior's U-Net is compiled once, and the engine compiles packs only when asked.
(What compiling gains and costs is measured by scripts/bench_compile.py, not here.)"""

from __future__ import annotations

import types

import pytest
import torch

from ainur_studio.inference import compiled
from engine.devices import DeviceChoice
from engine.handlers.runtime import PackCache


@pytest.fixture
def no_user_cache_dir(monkeypatch):
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)


def fake_pack() -> types.SimpleNamespace:
    return types.SimpleNamespace(prior=types.SimpleNamespace(unet=torch.nn.Linear(2, 2)))


def test_the_caches_go_to_the_app_cache(tmp_path, monkeypatch, no_user_cache_dir):
    monkeypatch.setenv("AINUR_STUDIO_CACHE", str(tmp_path))
    folder = compiled.use_compile_cache()
    assert folder == tmp_path / "torch-compile" and folder.is_dir()
    import os

    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(folder)
    import torch._inductor.config as inductor_config

    assert inductor_config.fx_graph_cache


def test_a_folder_the_user_set_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "mine"))
    assert compiled.use_compile_cache(tmp_path / "other") == tmp_path / "mine"


def test_the_unet_is_compiled_once(tmp_path, monkeypatch, no_user_cache_dir):
    calls = []
    monkeypatch.setattr(torch, "compile", lambda fn, **kw: calls.append(kw) or fn)
    pack = fake_pack()
    compiled.compile_prior(pack, cache=tmp_path)
    compiled.compile_prior(pack, cache=tmp_path)
    assert calls == [{"fullgraph": True, "dynamic": False}]
    assert pack.prior.unet._ainur_compiled


@pytest.mark.parametrize("asked", [False, True])
def test_the_engine_compiles_only_when_asked(monkeypatch, asked):
    seen = []
    monkeypatch.setattr(compiled, "compile_prior", lambda pack: seen.append(pack) or pack)
    cache = PackCache(load_pack=lambda name, device: fake_pack(),
                      device=DeviceChoice(device="cpu", precision="fp32"), compile_prior=asked)
    pack = cache.get("starter")
    assert seen == ([pack] if asked else [])
