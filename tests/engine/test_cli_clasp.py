"""`ainur-studio clasp train|eval|embed` end to end with the debug config on a temp folder."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
import soundfile as sf
from safetensors.torch import load_file

from commands import clasp as clasp_cli

CAPTIONS = ("low sine drone", "high square beeps", "noise bursts", "sawtooth chords")


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    clasp_cli.add_arguments(parser)
    return clasp_cli.run(parser.parse_args(argv))


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    rng = np.random.default_rng(0)
    t = np.arange(24_000) / 24_000  # 1 s at 24 kHz: resampled on read
    for i, caption in enumerate(CAPTIONS):
        wav = 0.3 * np.sin(2 * np.pi * (110 * (i + 1)) * t) + 0.01 * rng.normal(size=t.size)
        sf.write(folder / f"clip{i}.wav", np.stack([wav, wav], 1), 24_000)
        (folder / f"clip{i}.txt").write_text(caption)
    (folder / "clip0.lrc").write_text("[00:00.00]la la la\n[00:00.50]oh oh\n")
    (folder / "broken.wav").write_bytes(b"not audio")
    return folder


def test_every_option_is_documented():
    parser = argparse.ArgumentParser()
    clasp_cli.add_arguments(parser)
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subs.choices.items():
        for action in sub._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"clasp {name}: {action.option_strings} has no help"


@pytest.mark.slow
def test_train_eval_embed(data, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--data", str(data), "--config", "debug", "--out", str(out), "--steps", "3",
            "--batch-size", "3", "--warmup", "1", "--crop-seconds", "0.8",
            "--checkpoint-every", "2", "--validate-every", "0", "--val-fraction", "0"]
    assert _run(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 3 and (out / "model" / "model.safetensors").is_file()
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-00000002",
                                                                      "step-00000003"]
    assert _run([*argv[:8], "5", *argv[9:]]) == 0  # resumes at 3, goes on to 5
    assert "resumed at step 3" in capsys.readouterr().err

    assert _run(["eval", "--model", str(out / "model"), "--data", str(data), "--json",
                 "--crop-seconds", "0.8"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert 0.0 <= figures["text->audio R@1"] <= 1.0 and "audio->text median_rank" in figures

    emb_json = tmp_path / "emb.json"
    assert _run(["embed", "--model", str(out / "model"), "--text", "a drone", "--text", "beeps",
                 "--lyrics-file", str(data / "clip0.lrc"), "--audio", str(data / "clip1.wav"),
                 "--out", str(emb_json)]) == 0
    stored = json.loads(emb_json.read_text())
    assert len(stored["text"]["embeddings"]) == 2 and stored["audio"]["inputs"][0].endswith("clip1.wav")
    emb_st = tmp_path / "emb.safetensors"
    assert _run(["embed", "--model", str(out / "model"), "--text", "x", "--out", str(emb_st)]) == 0
    assert load_file(str(emb_st))["text"].shape == (1, 32)


def test_bad_arguments_fail_with_a_reason(data, tmp_path, capsys):
    assert _run(["train", "--data", str(tmp_path / "nope"), "--config", "debug",
                 "--out", str(tmp_path / "o")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert _run(["train", "--data", str(data), "--config", "tiny", "--out", str(tmp_path)]) == 1
    assert "unknown config" in capsys.readouterr().err
    assert _run(["embed", "--model", str(tmp_path), "--out", str(tmp_path / "e.json")]) == 1
    assert "nothing to embed" in capsys.readouterr().err
