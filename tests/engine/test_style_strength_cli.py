"""`generate --style-strength` reaches the pack loader and the take; out of range it is refused
in the option's words; `models` marks fine-tuned (LoRA) packs with their base."""

from __future__ import annotations

import json

from commands import generate as gen_cli
from commands import models as models_cli
from tests.engine.test_cli import parse
from tests.fakes import fake_engine


def test_style_strength_goes_to_the_loader_and_into_the_take(tmp_path, capsys, fake_mode):
    loads = []

    def load_pack(name, *, device, **extra):
        loads.append((name, extra))
        return fake_engine.FakePack(name=name)

    _, args = parse(gen_cli, ["--prompt", "x", "--duration", "1", "--steps", "2", "--json",
                              "--model", "my-lora", "--style-strength", "0.6", "-o",
                              str(tmp_path), "--device", "cpu"])
    assert gen_cli.run(args, generate_fn=fake_engine.fake_generate, load_pack=load_pack) == 0
    row = json.loads(capsys.readouterr().out)
    assert loads == [("my-lora", {"strength": 0.6})]
    assert row["take"]["request"]["style_strength"] == 0.6


def test_the_default_strength_loads_as_before(tmp_path, capsys, fake_mode):
    loads = []
    _, args = parse(gen_cli, ["--prompt", "x", "--duration", "1", "--steps", "2",
                              "-o", str(tmp_path), "--device", "cpu"])
    assert gen_cli.run(args, generate_fn=fake_engine.fake_generate,
                       load_pack=lambda name, *, device: loads.append(name)
                       or fake_engine.FakePack(name=name)) == 0
    assert loads == ["starter"]


def test_a_strength_out_of_range_names_the_option(tmp_path, capsys):
    _, args = parse(gen_cli, ["--prompt", "x", "--style-strength", "3", "-o", str(tmp_path)])
    assert gen_cli.run(args) == 2
    assert ("--style-strength (style_strength) must be a number from 0 to 2, got 3.0"
            in capsys.readouterr().err)


def test_models_marks_a_lora_pack_with_its_base(tmp_path, capsys):
    from ainur_studio.models.pretrained import load_pack
    from ainur_studio.training.export import export_lora_pack, install_pack
    from ainur_studio.training.lora import LoraSettings

    folder = export_lora_pack(load_pack("debug-mix"), {}, LoraSettings(targets=["to_q"]),
                              tmp_path / "run" / "pack", name="sitar-lora")
    install_pack(folder, "sitar-lora")
    _, args = parse(models_cli, ["--json"])
    assert models_cli.run(args) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert (rows["sitar-lora"]["kind"], rows["sitar-lora"]["base"]) == ("lora", "debug-mix")
    assert (rows["debug"]["kind"], rows["debug"]["base"]) == ("full", "")  # built in
    _, args = parse(models_cli, [])
    models_cli.run(args)
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["NAME", "VERSION", "KIND"]
    (line,) = [row for row in table if row.startswith("sitar-lora")]
    assert line.split()[2] == "lora"
    assert "fine-tune of debug-mix; takes --style-strength 0-2 (0 = debug-mix)" in line
    (plain,) = [row for row in table if row.startswith("debug ")]
    assert plain.split()[2] == "full" and "style-strength" not in plain
