"""One training path: the command line, the engine's `train` job and a direct `train(spec)`
call run the same `ainur_studio.training.train.train` and write identical checkpoints for the
same spec and seed."""

from __future__ import annotations

import argparse

import pytest
from safetensors.torch import load_file

from tests.ainur_studio.test_finetune import make_clips, one_thread, spec  # noqa: F401


def _weights(run) -> dict:
    folder = run / "checkpoints" / "step-00000004"
    return {name: load_file(str(folder / name)) for name in ("model.safetensors",
                                                            "optimizer.safetensors")}


def _equal(a: dict, b: dict) -> bool:
    return all(a[f].keys() == b[f].keys() and all((a[f][k] == b[f][k]).all() for k in a[f])
               for f in a)


@pytest.mark.slow
def test_cli_engine_job_and_direct_call_write_identical_checkpoints(tmp_path, one_thread):  # noqa: F811
    from commands import train as cli
    from engine.devices import DeviceChoice
    from engine.inprocess import InProcessEngine

    data = make_clips(tmp_path / "songs", count=4, broken=False)
    settings = {"steps": 4, "save_every": 4, "seed": 3}

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    s = spec(data, tmp_path / "cli", **settings)
    args = parser.parse_args(["--data", s["data"], "--out", s["out"], "--base", "debug-mix",
                              "--decoder", "off",
                              "--steps", "4", "--batch-size", "2", "--lr", "1e-2",
                              "--warmup", "0", "--rank", "8", "--crop-seconds", "1.0",
                              "--save-every", "4", "--holdout", "0", "--ema-decay", "0",
                              "--lora-targets", "attention", "conv", "--seed", "3",
                              "--device", "cpu", "--quiet"])
    assert cli.run(args) == 0

    with InProcessEngine(takes_dir=tmp_path / "takes",
                         device=DeviceChoice("cpu", "fp32")) as engine:
        job = engine.request("train", {"spec": spec(data, tmp_path / "job", **settings)})["job"]
        end = engine.wait_job(job, timeout=300)
    assert end.event == "job_done", end.data

    from ainur_studio.training.train import train

    train(spec(data, tmp_path / "direct", **settings), device="cpu")

    cli_w, job_w, direct_w = (_weights(tmp_path / n) for n in ("cli", "job", "direct"))
    assert _equal(cli_w, job_w) and _equal(cli_w, direct_w)
    other = spec(data, tmp_path / "other", **{**settings, "seed": 4})
    train(other, device="cpu")
    assert not _equal(cli_w, _weights(tmp_path / "other"))  # the seed matters: not vacuous
