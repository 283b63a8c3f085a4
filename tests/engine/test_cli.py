"""The headless commands: generate (in-process, fake model), models, engine options."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
import soundfile as sf

from commands import engine as engine_cli
from commands import generate as gen_cli
from commands import models as models_cli
from tests.fakes import fake_engine

SEAMS = {"generate_fn": fake_engine.fake_generate, "load_pack": fake_engine.fake_load_pack}


def parse(module, argv):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser, parser.parse_args(argv)


def test_every_option_is_documented():
    for module in (gen_cli, models_cli, engine_cli):
        parser = argparse.ArgumentParser()
        module.add_arguments(parser)
        for action in parser._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{module.__name__}: {action.option_strings} has no help"


def test_generate_writes_takes_and_prints_json(tmp_path, capsys, fake_mode):
    lrc = tmp_path / "song.lrc"
    lrc.write_text("[00:00.00]la la\n[00:01.00]la\n", encoding="utf-8")
    _, args = parse(gen_cli, ["--prompt", "tiny tune", "--bars", "2", "--bpm", "120",
                              "--variations", "2", "--seed", "9", "--steps", "3",
                              "--lyrics", str(lrc), "-o", str(tmp_path / "out"), "--json",
                              "--device", "cpu", "--format", "flac"])
    assert gen_cli.run(args, **SEAMS) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["seed"] for r in rows] == [9, 10]
    for row in rows:
        info = sf.info(row["path"])
        assert (info.samplerate, info.channels, info.duration) == (48_000, 2, 4.0)
        assert row["lrc"].endswith(".lrc") and row["take"]["request"]["fields"]["bpm"] == 120
    assert "sample" in err  # the progress bar


def test_generate_plain_output_is_one_path_per_line(tmp_path, capsys, fake_mode):
    _, args = parse(gen_cli, ["--prompt", "x", "--duration", "1", "--steps", "2",
                              "-o", str(tmp_path), "--device", "cpu", "--no-loudness"])
    assert gen_cli.run(args, **SEAMS) == 0
    (path,) = capsys.readouterr().out.split()
    assert path.endswith(".wav") and sf.info(path).frames == 48_000


@pytest.mark.parametrize("argv", [
    ["--bars", "4"],                                   # no --bpm
    ["--bars", "4", "--bpm", "90", "--duration", "3"],  # both lengths
    ["--lyrics", "missing.lrc"],
    ["--task", "variation"],                           # no --source
    ["--device", "quantum"],
])
def test_generate_rejects_bad_arguments_with_exit_2(tmp_path, capsys, argv):
    _, args = parse(gen_cli, ["--prompt", "x", "-o", str(tmp_path), *argv])
    assert gen_cli.run(args, **SEAMS) == 2
    assert "error" in capsys.readouterr().err


def test_generate_failure_exits_1_with_the_reason(tmp_path, capsys, fake_mode):
    _, args = parse(gen_cli, ["--prompt", "x", "--model", "missing", "-o", str(tmp_path),
                              "--device", "cpu"])
    assert gen_cli.run(args, **SEAMS) == 1
    assert "model_error" in capsys.readouterr().err


def test_listen_addresses():
    from engine.__main__ import parse_listen

    assert parse_listen("0.0.0.0:7781") == ("0.0.0.0", 7781)
    assert parse_listen(":0") == ("127.0.0.1", 0)
    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_listen("localhost:http")


def test_models_lists_packs_as_table_and_json(tmp_path, capsys, monkeypatch):
    pack = tmp_path / "models" / "mine"
    pack.mkdir(parents=True)
    (pack / "pack.json").write_text(json.dumps({"name": "mine", "version": "1",
                                                "sample_rate": 48000,
                                                "components": {"a": "00"}}))
    (pack / "weights.bin").write_bytes(b"\0" * 1000)
    monkeypatch.setattr("engine.handlers.default_list_models", lambda: [
        __import__("engine.handlers", fromlist=["x"]).pack_summary(
            {"name": "mine", "version": "1", "path": pack})])
    _, args = parse(models_cli, ["--json"])
    assert models_cli.run(args) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["name"] == "mine" and row["sample_rate"] == 48000
    assert row["size_bytes"] > 1000 and len(row["hash"]) == 64
    _, args = parse(models_cli, [])
    models_cli.run(args)
    assert "mine" in capsys.readouterr().out


def test_generate_sends_each_take_to_a_receiver(tmp_path, capsys, fake_mode):
    from engine.osc.server import OscServer
    from engine.osc.stream_receive import StreamReceiver

    rx = StreamReceiver(tmp_path / "received")
    with OscServer(rx.handle, port=0) as server:
        _, args = parse(gen_cli, ["--prompt", "sent tune", "--duration", "1", "--seed", "3",
                                  "--steps", "2", "--variations", "2", "-o", str(tmp_path / "out"),
                                  "--device", "cpu", "--send",
                                  f"osc.udp://127.0.0.1:{server.port}", "--as", "stream"])
        assert gen_cli.run(args, **SEAMS) == 0
    written = sorted(p.name for p in (tmp_path / "out").glob("*.wav"))
    assert len(written) == 2 and rx.stats.completed == 2


def test_generate_reports_a_failed_delivery_but_keeps_the_take(tmp_path, capsys, fake_mode):
    _, args = parse(gen_cli, ["--prompt", "x", "--duration", "1", "--steps", "2", "-o",
                              str(tmp_path / "out"), "--device", "cpu",
                              "--send", "osc.udp://nohost.invalid:9", "--as", "notify"])
    assert gen_cli.run(args, **SEAMS) == 1
    assert "was written to" in capsys.readouterr().err
    assert len(list((tmp_path / "out").glob("*.wav"))) == 1


def test_generate_defaults_to_the_user_takes_folder_and_the_packs_sampling(
        tmp_path, capsys, fake_mode, monkeypatch):
    pack = tmp_path / "mypack"
    pack.mkdir()
    (pack / "pack.json").write_text(json.dumps(
        {"name": "mypack", "defaults": {"steps": 5, "guidance": 2.5}}), encoding="utf-8")
    _, args = parse(gen_cli, ["--prompt", "x", "--duration", "1", "--model", str(pack),
                              "--device", "cpu", "--json"])
    request = gen_cli.build_request(args)
    assert (request.steps, request.guidance, request.sampler) == (5, 2.5, "dpmpp-2m")
    _, args = parse(gen_cli, ["--prompt", "x", "--steps", "3", "--model", str(pack)])
    assert gen_cli.build_request(args).steps == 3
    _, args = parse(gen_cli, ["--prompt", "x", "--duration", "1", "--steps", "2", "--device",
                              "cpu"])
    assert gen_cli.run(args, **SEAMS) == 0
    # tests/conftest.py points AINUR_STUDIO_HOME at a fresh folder for every test
    takes = list((Path(os.environ["AINUR_STUDIO_HOME"]) / "takes").glob("*.wav"))
    assert len(takes) == 1
