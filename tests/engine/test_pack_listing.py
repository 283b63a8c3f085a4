"""`ainur-studio models` lists a pack installed after training; the engine's status names the
pack it used last, not the last one it happened to load."""

from __future__ import annotations

import argparse
import json
import types

from ainur_studio.models.pretrained import save_pack
from ainur_studio.training.export import install_pack as install
from commands import models as models_cli
from engine.devices import DeviceChoice
from engine.handlers import Runtime
from tests.ainur_studio.debug_pack import shared_debug_pack


def test_models_lists_a_pack_installed_from_a_run_folder(tmp_path, capsys):
    folder = save_pack(shared_debug_pack(), tmp_path / "run" / "pack", name="songs-lora")
    install(folder, "songs-lora", log=lambda _m: None)
    parser = argparse.ArgumentParser()
    models_cli.add_arguments(parser)
    assert models_cli.run(parser.parse_args(["--json"])) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "songs-lora" in [r["name"] for r in rows]


def test_status_names_the_pack_used_last(tmp_path):
    runtime = Runtime(device=DeviceChoice(device="cpu", precision="fp32"), takes_dir=tmp_path,
                      load_pack=lambda name, device: types.SimpleNamespace(name=name))
    runtime.packs.get("starter")
    runtime.packs.get("/runs/mine/pack")
    assert runtime.status_info()["model"] == "/runs/mine/pack"
    runtime.packs.get("starter")  # already loaded: used again
    assert runtime.status_info()["model"] == "starter"


def test_the_listing_carries_a_packs_recommended_sampling(tmp_path):
    from engine.handlers.runtime import pack_summary, sampling_defaults

    starter = next(r for r in __import__("engine.handlers", fromlist=["x"])
                   .default_list_models() if r["name"] == "starter")
    meta = json.loads((__import__("pathlib").Path(starter["path"]) / "pack.json").read_text())
    assert starter["defaults"] == {k: meta["defaults"][k] for k in ("steps", "guidance",
                                                                   "sampler")}
    # out-of-range or unknown values are left out, so the app keeps its own
    assert sampling_defaults({"steps": 0, "guidance": 3.0, "sampler": "magic"}) == {
        "guidance": 3.0}
    assert sampling_defaults(["steps", 12]) == {}
    assert pack_summary({"name": "debug"})["defaults"] == {}
