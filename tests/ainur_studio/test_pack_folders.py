"""A training run folder (which holds its exported pack in `pack/`) is accepted wherever a pack
folder is: `load_pack`, `load_any_pack` (LoRA packs too) and the CLI's `--model`."""

from __future__ import annotations

import argparse
import json

import pytest

from ainur_studio.models.pretrained import PackError, load_pack, pack_folder, save_pack
from ainur_studio.training.export import export_lora_pack, load_any_pack
from ainur_studio.training.lora import LoraSettings, add_lora, lora_state_dict, lora_targets
from commands import generate as gen_cli
from tests.ainur_studio.debug_pack import shared_debug_pack


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A training run folder as `train` leaves it: checkpoints, spec.json and pack/."""
    run = tmp_path_factory.mktemp("runs") / "mine-full-prior"
    (run / "checkpoints").mkdir(parents=True)
    (run / "spec.json").write_text("{}", encoding="utf-8")
    save_pack(shared_debug_pack(), run / "pack", name="mine-full")
    return run


def test_pack_folder_resolves_a_run_folder_to_its_pack(run_folder, tmp_path):
    assert pack_folder(run_folder) == run_folder / "pack"
    assert pack_folder(run_folder / "pack") == run_folder / "pack"
    assert pack_folder(tmp_path) is None
    assert pack_folder("debug") is None


def test_load_pack_accepts_a_run_folder(run_folder):
    pack = load_pack(run_folder)
    assert pack.name == "mine-full" and pack.path == run_folder / "pack"
    assert load_any_pack(run_folder).hash == pack.hash


def test_a_folder_without_a_pack_names_both_places(tmp_path):
    with pytest.raises(PackError, match=r"pack\.json.*pack/pack\.json"):
        load_pack(tmp_path)


def test_load_any_pack_takes_a_lora_run_folder(tmp_path):
    base = load_pack("debug")
    prior = base.prior.unet
    settings = LoraSettings(rank=2, alpha=2, targets=lora_targets(prior)[:2])
    tuned = load_pack("debug")
    add_lora(tuned.prior.unet, settings)
    export_lora_pack(base, lora_state_dict(tuned.prior.unet), settings,
                     tmp_path / "run" / "pack", name="mine-lora")
    assert load_any_pack(tmp_path / "run").name == "mine-lora"


def test_generate_cli_reads_the_defaults_of_a_run_folder(run_folder, tmp_path):
    run = tmp_path / "run"
    (run / "pack").mkdir(parents=True)
    (run / "pack" / "pack.json").write_text(json.dumps(
        {"name": "x", "defaults": {"steps": 7}}), encoding="utf-8")
    assert gen_cli.pack_defaults(str(run)) == {"steps": 7}
    parser = argparse.ArgumentParser()
    gen_cli.add_arguments(parser)
    args = parser.parse_args(["--prompt", "x", "--duration", "1", "--model", str(run)])
    assert gen_cli.build_request(args).steps == 7
