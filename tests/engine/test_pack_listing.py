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
