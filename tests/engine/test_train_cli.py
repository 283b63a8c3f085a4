"""`ainur-studio train`: the dataset report, argument errors, a short LoRA run with progress on
stderr and the summary on stdout; the engine's `train` job on the real trainer with
`training_progress` events and `stop_training`."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from commands import train as cli
from tests.ainur_studio.test_finetune import BROKEN, make_clips

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    return make_clips(tmp_path_factory.mktemp("recordings") / "songs", count=4)



def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_report_json_lists_broken_files_and_trains_nothing(clips, tmp_path):
    proc = subprocess.run([sys.executable, "main.py", "train", "--data", str(clips), "--report",
                           "--json", "--out", str(tmp_path / "run")], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["usable_files"] == 4
    assert {s["path"]: s["reason"] for s in report["skipped"]} == BROKEN
    assert not (tmp_path / "run").exists()


def test_bad_arguments_exit_2_with_the_setting_named(clips, capsys):
    assert cli.run(_args("--data", str(clips), "--steps", "0")) == 2
    assert "steps must be positive" in capsys.readouterr().err
    assert cli.run(_args("--data", str(clips), "--mode", "scratch")) == 2


def test_short_lora_run_prints_progress_and_summary(clips, tmp_path, capsys):
    args = _args("--data", str(clips), "--base", "debug-mix", "--steps", "3", "--batch-size", "2",
                 "--crop-seconds", "1", "--save-every", "2", "--out", str(tmp_path / "run"),
                 "--lr", "1e-3", "--decoder", "off", "--json")
    assert cli.run(args) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["steps"] == 3 and Path(summary["pack"], "pack.json").is_file()
    assert "3/3 loss" in captured.err
    assert {s["path"]: s["reason"] for s in summary["skipped"]} == BROKEN
    assert "encoded 4/4" in captured.err
    args.resume, args.steps = True, 4
    assert cli.run(args) == 0
    assert json.loads(capsys.readouterr().out)["steps"] == 4


def test_previews_default_to_a_quarter_of_a_fine_tune_and_never_elsewhere(clips):
    assert cli.spec_from_args(_args("--data", str(clips)))["preview_every"] == 150
    assert cli.spec_from_args(_args("--data", str(clips), "--steps", "3"))["preview_every"] == 0
    scratch = _args("--data", str(clips), "--mode", "scratch", "--component", "clasp")
    assert cli.spec_from_args(scratch)["preview_every"] == 0
    assert cli.spec_from_args(_args("--data", str(clips), "--preview-every", "7")
                              )["preview_every"] == 7
    with pytest.raises(SystemExit):
        _args("--data", str(clips), "--preview-every", "often")


def test_a_run_prints_its_plan_and_how_close_its_previews_get(clips, tmp_path, capsys):
    args = _args("--data", str(clips), "--base", "debug-mix", "--steps", "2", "--batch-size", "2",
                 "--crop-seconds", "1", "--save-every", "0", "--out", str(tmp_path / "run"),
                 "--decoder", "off", "--preview-every", "2", "--preview-seconds", "1",
                 "--quiet")
    assert cli.run(args) == 0
    err = capsys.readouterr().err
    assert "decoder: not adapted (lora prior, decoder 'off')" in err
    assert "previews: every 2 steps for 1 training caption(s), each measured against 1 " in err
    assert "prior: LoRA rank 16 on attention and conv layers (" in err
    assert "closeness to your held-out recordings, log-mel: previews " in err
    assert "closeness to your held-out recordings, CLASP audio: previews " in err


def test_engine_train_job_reports_progress_and_stops_with_a_checkpoint(clips, tmp_path):
    from engine.devices import DeviceChoice
    from engine.handlers import Runtime
    from engine.handlers.train import run as run_job
    from engine.jobs import Job, JobContext

    job = Job(kind="train", params={})
    events: list[tuple[str, dict]] = []

    def emit(name: str, data: dict) -> None:
        events.append((name, data))
        if name == "training_progress" and data["step"] == 2:
            job.stop_requested.set()

    spec = {"data_dir": str(clips), "base": "debug-mix", "component": "lora", "steps": 5,
            "batch_size": 2, "crop_seconds": 1.0, "out": str(tmp_path / "run"),
            "decoder": "off"}  # the prior's steps alone
    runtime = Runtime(device=DeviceChoice("cpu", "fp32"), takes_dir=tmp_path / "takes")
    result = run_job({"spec": spec}, JobContext(job=job, emit=emit), runtime=runtime)
    assert result["stopped"] and result["steps"] == 2
    progress = [d for name, d in events if name == "training_progress"]
    assert [d["step"] for d in progress] == [1, 2]
    assert all(isinstance(d["loss"], float) and d["lr"] is not None for d in progress)
    assert (tmp_path / "run" / "checkpoints" / "step-00000002").is_dir()
