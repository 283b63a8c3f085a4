"""Bad training files (unreadable, NaN or infinite samples) are reported with their reason and
skipped, by `train --report` and by a training run over the same folder, which goes on."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.audio.io import AudioReadError, audio_info
from ainur_studio.data.ingest import scan_folder
from ainur_studio.training.train import train
from commands import train as cli
from tests.ainur_studio.test_finetune import make_clips, spec

RATE = 48_000
NON_FINITE = {"nan.wav": "contains NaN samples", "inf.wav": "contains infinite samples",
              "all_nan.wav": "contains NaN samples"}


def _write_float(path: Path, *, fill: float | None = None, poke: float | None = None) -> None:
    t = np.arange(RATE * 3) / RATE
    x = np.stack([0.3 * np.sin(2 * np.pi * 220 * t)] * 2, 1).astype(np.float32)
    if fill is not None:
        x[:] = fill
    if poke is not None:
        x[RATE, 0] = poke
    sf.write(path, x, RATE, subtype="FLOAT")


@pytest.fixture
def folder(tmp_path) -> Path:
    root = make_clips(tmp_path / "songs", count=2, broken=False)
    _write_float(root / "nan.wav", poke=np.nan)
    _write_float(root / "inf.wav", poke=np.inf)
    _write_float(root / "all_nan.wav", fill=np.nan)
    return root


@pytest.fixture
def locked(folder, monkeypatch) -> Path:
    """A WAV that opening raises PermissionError for (as chmod 000 does for a normal user)."""
    path = folder / "locked.wav"
    path.write_bytes((folder / "clip0.wav").read_bytes())
    real_open = pathlib.Path.open

    def guarded_open(self, *args, **kwargs):
        if self.name == path.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", guarded_open)
    return path


def _report(data: Path, capsys) -> dict:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert cli.run(parser.parse_args(["--data", str(data), "--report", "--json"])) == 0
    return json.loads(capsys.readouterr().out)


def _details(report: dict) -> dict[str, str]:
    return {s["path"]: f"{s['reason']}: {s['detail']}" for s in report["skipped"]}


def test_report_lists_each_bad_file_with_its_reason(folder, locked, capsys):
    report = _report(folder, capsys)
    assert report["usable_files"] == 2
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert reasons == {**NON_FINITE, "locked.wav": "unreadable"}
    details = _details(report)
    assert "permission" in details["locked.wav"].lower()
    assert "1 of" in details["nan.wav"] and "1 of" in details["inf.wav"]
    assert "all" in details["all_nan.wav"] and "silent" not in details["all_nan.wav"]


def test_permission_error_becomes_an_audio_read_error(folder, locked):
    with pytest.raises(AudioReadError, match="permission denied") as caught:
        audio_info(locked)
    assert caught.value.path == locked and "chmod" in str(caught.value)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_chmod_000_file_is_reported_unreadable(folder):
    path = folder / "private.wav"
    path.write_bytes((folder / "clip0.wav").read_bytes())
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop reading")
        reasons = {s.path: s.reason for s in scan_folder(folder).skipped}
    finally:
        path.chmod(0o644)
    assert reasons["private.wav"] == "unreadable"


def test_training_run_skips_non_finite_files_and_goes_on(folder, tmp_path):
    result = train(spec(folder, tmp_path / "run", steps=1, save_every=0, batch_size=2))
    assert result["steps"] == 1
    assert {s["path"]: s["reason"] for s in result["skipped"]} == NON_FINITE


def test_training_run_skips_the_bad_files_and_goes_on(folder, locked, tmp_path):
    result = train(spec(folder, tmp_path / "run", steps=2, save_every=0, batch_size=2))
    assert result["steps"] == 2 and result["pack"]
    assert {s["path"]: s["reason"] for s in result["skipped"]} == {
        **NON_FINITE, "locked.wav": "unreadable"}

