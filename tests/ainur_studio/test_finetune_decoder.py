"""A prior fine-tune adapts the decoder too when the recordings need it: the measurement, the
"auto" decision, the decoder stage in OUT/decoder (resumable), the LoRA pack carrying the
fine-tuned autoencoder, old LoRA packs loading as before, and the new defaults."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import torch

from ainur_studio.progress import Callbacks
from ainur_studio.training.recipes import prior_decoder
from ainur_studio.training.sources import load_sources
from ainur_studio.training.spec import RunSpec
from ainur_studio.training.train import train
from tests.ainur_studio.test_finetune import make_clips, spec


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    return make_clips(tmp_path_factory.mktemp("recordings") / "tones", count=4, seconds=1.5,
                      broken=False)


def _run(clips: Path, out: Path, **overrides) -> dict:
    settings = {"steps": 3, "save_every": 0, "lr": 5e-2, "decoder": "auto", "decoder_steps": 2,
                "decoder_crop_seconds": 1.0}
    return spec(clips, out, **{**settings, **overrides})


class _Identity(torch.nn.Module):
    """An autoencoder that gives its input back: reconstructions are the recordings."""

    sample_rate = 48_000

    def __init__(self) -> None:
        super().__init__()
        self.unused = torch.nn.Parameter(torch.zeros(1))

    def encode(self, wav: torch.Tensor) -> torch.Tensor:
        return wav

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z


def test_the_measurement_sets_reconstructions_against_the_recordings_spread(clips):
    from ainur_studio.models.pretrained import load_pack

    paths = sorted(str(p) for p in clips.glob("*.wav"))
    windows = prior_decoder.recording_windows(paths, sample_rate=48_000)
    assert len(windows) == 4 and {w.shape for w in windows} == {(2, 72_000)}
    recon, floor = prior_decoder.reconstruction_gap(load_pack("debug-mix").autoencoder, paths)
    assert floor > 0 and recon > 2 * floor  # random weights reproduce nothing
    same, floor_again = prior_decoder.reconstruction_gap(_Identity(), paths)
    # perfect reconstructions lie where the recordings lie: at the floor
    assert same == pytest.approx(floor_again, rel=1e-4) and floor_again > 0


def test_auto_adapts_when_reconstructions_are_far_and_keeps_them_when_close(clips,
                                                                            monkeypatch):
    sources = load_sources(clips, min_seconds=1.0)
    run = RunSpec.from_dict(_run(clips, Path("unused")))
    monkeypatch.setattr(prior_decoder, "reconstruction_gap", lambda ae, paths: (26.7, 7.1))
    far = prior_decoder.decide(run, sources, None)
    assert far.adapt and far.message() == ("decoder: reconstructions at 26.7 against 7.1 "
                                           "between the recordings: adapting")
    monkeypatch.setattr(prior_decoder, "reconstruction_gap", lambda ae, paths: (11.1, 7.1))
    near = prior_decoder.decide(run, sources, None)
    assert not near.adapt and near.message().endswith(": kept")

    def never(*_args):
        raise AssertionError("measured although the setting decides")

    monkeypatch.setattr(prior_decoder, "reconstruction_gap", never)
    for setting, adapt in (("on", True), ("off", False)):
        run.decoder = setting
        assert prior_decoder.decide(run, sources, None).adapt is adapt
    run.decoder, run.mode, run.config = "auto", "scratch", "prior_debug_mix"
    assert not prior_decoder.decide(run, sources, None).adapt  # a fresh prior: not a fine-tune


def _state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_lora_run_adapts_the_decoder_and_its_pack_carries_it(clips, tmp_path, one_thread,
                                                            monkeypatch):
    from ainur_studio.models.pretrained import load_component, load_pack
    from ainur_studio.training.export import load_any_pack

    monkeypatch.setattr(prior_decoder, "GAP", 0.0)  # any distance is far
    plan: list[str] = []
    result = train(_run(clips, tmp_path / "run"), progress=Callbacks(
        report=lambda i: i["stage"] == "plan" and plan.append(i["message"])))
    assert result["decoder"]["decision"]["adapt"] and result["decoder"]["steps"] == 2
    assert plan[0].startswith("decoder: reconstructions at ") and plan == result["plan"]
    assert (tmp_path / "run" / "decoder" / "checkpoints").is_dir()
    folder = Path(result["pack"])
    meta = json.loads((folder / "pack.json").read_text())
    assert set(meta["components"]) == {"prior_lora", "autoencoder"}
    base = load_pack("debug-mix")
    _, tuned_ae = load_component(tmp_path / "run" / "decoder" / "pack", "autoencoder")
    for strength in (1.0, 0.0):
        tuned = load_any_pack(folder, strength=strength)
        got = tuned.autoencoder.state_dict()
        assert all(torch.equal(v, got[k]) for k, v in tuned_ae.state_dict().items())
        assert all(torch.equal(v, tuned.autoencoder.encoder.state_dict()[k])
                   for k, v in base.autoencoder.encoder.state_dict().items())
        assert not all(torch.equal(v, tuned.autoencoder.decoder.state_dict()[k])
                       for k, v in base.autoencoder.decoder.state_dict().items())
        prior_same = all(torch.equal(v, tuned.prior.state_dict()[k])
                         for k, v in base.prior.state_dict().items())
        assert prior_same is (strength == 0.0)  # strength scales the adapters only
    assert load_any_pack(folder).hash != tuned.hash != base.hash


def test_decoder_off_trains_no_decoder_and_the_pack_loads_as_before(clips, tmp_path,
                                                                   one_thread):
    from ainur_studio.models.pretrained import load_pack
    from ainur_studio.training.export import load_any_pack

    result = train(_run(clips, tmp_path / "run", decoder="off"))
    assert not result["decoder"]["decision"]["adapt"]
    assert not (tmp_path / "run" / "decoder").exists()
    meta = json.loads(Path(result["pack"], "pack.json").read_text())
    assert set(meta["components"]) == {"prior_lora"}  # an old-style LoRA pack
    base, tuned = load_pack("debug-mix"), load_any_pack(result["pack"])
    assert all(torch.equal(v, tuned.autoencoder.state_dict()[k])
               for k, v in base.autoencoder.state_dict().items())


def test_a_full_finetune_exports_the_new_autoencoder_in_its_pack(clips, tmp_path,
                                                                 one_thread):
    from ainur_studio.models.pretrained import load_component, load_pack

    result = train(_run(clips, tmp_path / "run", mode="full", decoder="on", lr=1e-3))
    _, stage_ae = load_component(tmp_path / "run" / "decoder" / "pack", "autoencoder")
    packed = load_pack(result["pack"]).autoencoder.state_dict()
    assert all(torch.equal(v, packed[k]) for k, v in stage_ae.state_dict().items())


def test_a_stopped_decoder_stage_resumes_and_the_run_finishes(clips, tmp_path, one_thread):
    out = tmp_path / "run"
    seen: list[int] = []
    first = train(_run(clips, out, decoder="on", decoder_steps=4, save_every=2),
                  progress=Callbacks(report=lambda i: i["stage"] == "train"
                                     and seen.append(i["step"]),
                                     should_stop=lambda: len(seen) >= 2))
    assert first["stopped"] and first["pack"] is None and first["decoder"]["stopped"]
    assert (out / "decoder" / "checkpoints" / "step-00000002").is_dir()
    assert not (out / "checkpoints").exists()  # the prior stage never started
    logs: list[str] = []
    done = train(_run(clips, out, decoder="on", decoder_steps=4, save_every=2, resume=True),
                 progress=Callbacks(log=logs.append))
    assert done["decoder"]["steps"] == 4 and done["steps"] == 3
    assert any("resumed at step 2" in line for line in logs)
    history = [json.loads(x) for x in (out / "decoder" / "history.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history] == [1, 2, 3, 4]
    again = train(_run(clips, out, decoder="on", decoder_steps=4, save_every=2, resume=True),
                  progress=Callbacks(log=logs.append))
    assert again["decoder"]["pack"] == str(out / "decoder" / "pack")  # finished: reused


def test_the_command_line_defaults_are_the_measured_ones():
    from commands.train import add_arguments, spec_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    run = RunSpec.from_dict(spec_from_args(parser.parse_args(["--data", "songs"])))
    assert (run.mode, run.steps, run.lora_targets) == ("lora", 600, ["attention", "conv"])
    assert (run.decoder, run.decoder_steps, run.decoder_crop_seconds) == ("auto", 300, 2.0)
    assert run.prior_clasp_dropout(captioned=True) == 1.0
    assert run.prior_clasp_dropout(captioned=False) is None
    # the command previews a quarter of the run (measured against held-out recordings); a
    # spec (the engine's `train` job) previews only when it asks to
    assert run.preview_every == 150
    assert RunSpec.from_dict({"data": "d"}).to_dict() == run.to_dict() | {"data": "d",
                                                                          "preview_every": 0}
    scratch = RunSpec.from_dict({"data": "d", "mode": "scratch", "config": "small"})
    assert scratch.prior_clasp_dropout(captioned=True) is None  # the prior's own
    args = parser.parse_args(["--data", "songs", "--clasp-dropout", "0.5", "--decoder", "off"])
    run = RunSpec.from_dict(spec_from_args(args))
    assert run.prior_clasp_dropout(captioned=True) == 0.5 and not run.adapts_decoder()
    with pytest.raises(ValueError, match="clasp_dropout must be 'auto', null or a number"):
        RunSpec.from_dict({"data": "d", "clasp_dropout": "often"})
    with pytest.raises(ValueError, match="unknown decoder setting 'yes'"):
        RunSpec.from_dict({"data": "d", "decoder": "yes"})
