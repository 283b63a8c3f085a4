"""The engine's pack cache by (pack, style strength): one strength per pack, dropped before the
next one loads (no two merged copies of a base), at most a few packs, the least recently used
first; a pack that takes no strength fails the job by code; end to end, strength 0 of a tiny
fine-tune writes the base pack's take bit for bit."""

from __future__ import annotations

import gc
import weakref

import pytest
import soundfile as sf

from ainur_studio.errors import GenerationError
from engine.devices import DeviceChoice
from engine.handlers.runtime import PackCache
from engine.jobs import JobError

CPU = DeviceChoice("cpu", "fp32")


class Pack:
    def __init__(self, name: str, strength: float) -> None:
        self.name, self.strength = name, strength


class Loader:
    """Records each load with what the cache held while it ran."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict, list]] = []
        self.cache: PackCache | None = None

    def __call__(self, name: str, *, device: str, **extra: float) -> Pack:
        held = self.cache.loaded_keys() if self.cache else []
        self.calls.append((name, extra, held))
        return Pack(name, extra.get("strength", 1.0))


def cache_with(loader: Loader, **kwargs) -> PackCache:
    loader.cache = PackCache(load_pack=loader, device=CPU, **kwargs)
    return loader.cache


def test_a_strength_change_drops_the_old_strength_before_loading():
    loader = Loader()
    cache = cache_with(loader)
    first = cache.get("mine")
    alive = weakref.ref(first)
    del first
    assert cache.get("mine", 0.5).strength == 0.5
    assert loader.calls == [("mine", {}, []), ("mine", {"strength": 0.5}, [])]
    assert cache.loaded_keys() == [("mine", 0.5)] and cache.loaded() == ["mine"]
    gc.collect()
    assert alive() is None  # nothing keeps the dropped copy
    assert cache.get("mine", 0.5).strength == 0.5 and len(loader.calls) == 2  # kept


def test_at_most_max_loaded_packs_the_least_recently_used_dropped_first():
    loader = Loader()
    cache = cache_with(loader, max_loaded=2)
    cache.get("a")
    cache.get("b")
    cache.get("a")  # used again: b is now the least recently used
    cache.get("c", 0.3)
    assert cache.loaded_keys() == [("a", 1.0), ("c", 0.3)]
    assert loader.calls[-1] == ("c", {"strength": 0.3}, [("a", 1.0)])


def test_a_pack_that_takes_no_strength_is_a_generation_error_with_its_code():
    def load(name: str, *, device: str, **extra: float) -> Pack:
        raise GenerationError("no_style_strength", f"pack {name!r} is not a fine-tune "
                              "(LoRA pack); style strength needs one")

    with pytest.raises(JobError) as info:
        PackCache(load_pack=load, device=CPU).get("starter", 0.6)
    assert info.value.code == "generation_error"
    assert "not a fine-tune" in info.value.message
    assert info.value.detail == "code: no_style_strength"


@pytest.fixture(scope="module")
def lora(tmp_path_factory):
    from tests.ainur_studio.tiny_lora import tiny_lora_pack

    return tiny_lora_pack(tmp_path_factory.mktemp("style"))


def _take(engine, tmp_path, model: str, strength: float):
    from ainur_studio.types import GenerationRequest

    request = GenerationRequest(prompt="tone 1, warm synth pad", duration_s=1.0, seed=5,
                                steps=3, model=model, style_strength=strength)
    job = engine.generate(request, output={"dir": str(tmp_path), "format": "wav32f",
                                           "loudness_lufs": None, "true_peak_dbtp": None})
    return engine.wait_job(job, timeout=300)


def test_strength_zero_writes_the_base_packs_take_and_others_are_refused(lora, tmp_path):
    from engine.inprocess import InProcessEngine

    with InProcessEngine(takes_dir=tmp_path, device=CPU) as engine:
        takes = {}
        for model, strength in (("debug-mix", 1.0), (str(lora), 0.0), (str(lora), 0.5)):
            end = _take(engine, tmp_path / f"{strength}", model, strength)
            assert end.event == "job_done", end.data
            takes[strength] = sf.read(end.data["takes"][0], dtype="float32")[0]
        assert engine.runtime.packs.loaded_keys() == [("debug-mix", 1.0), (str(lora), 0.5)]
        refused = _take(engine, tmp_path / "x", "debug-mix", 0.5)
    assert (takes[0.0] == takes[1.0]).all()  # bit for bit the base pack's take
    assert abs(takes[0.5] - takes[1.0]).max() > 1e-5
    assert refused.event == "job_failed" and refused.data["code"] == "generation_error"
    assert refused.data["detail"] == "code: no_style_strength"
    assert "'debug-mix' is not a fine-tune (LoRA pack)" in refused.data["message"]


class _Ctx:
    def report(self, *args, **kwargs) -> None:
        pass


def test_load_model_takes_a_strength_and_refuses_one_out_of_range(tmp_path):
    from engine.handlers.generate import run_load_model
    from engine.handlers.runtime import Runtime

    runtime = Runtime(device=CPU, takes_dir=tmp_path, load_pack=Loader())
    assert run_load_model({"model": "mine", "style_strength": 0.25}, _Ctx(),
                          runtime=runtime) == {"model": "mine", "style_strength": 0.25}
    assert runtime.packs.loaded_keys() == [("mine", 0.25)]
    with pytest.raises(JobError) as info:
        run_load_model({"model": "mine", "style_strength": 5}, _Ctx(), runtime=runtime)
    assert info.value.code == "bad_params"
    assert "style_strength must be a number from 0 to 2, got 5" in info.value.message
