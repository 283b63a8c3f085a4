"""The fine-tuning experiment at debug size: a default-shaped run on a few recordings reports
its choices (the plan), renders the base pack's previews once, places each validation's
previews against the held-out recordings beside them, flags memorised previews, and installs a
pack the Model list shows. It proves the mechanism, not the quality (docs/training.md has the
starter-pack figures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ainur_studio.closeness_report import closeness_lines, is_verbatim
from ainur_studio.progress import Callbacks
from ainur_studio.training.recipes.prior_closeness import ClosenessProbe, metrics
from ainur_studio.training.recipes.prior_decoder import recording_windows
from ainur_studio.training.train import train
from tests.ainur_studio.test_finetune import make_clips, one_thread, spec  # noqa: F401


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    return make_clips(tmp_path_factory.mktemp("recordings") / "tones", count=6, seconds=2.5,
                      broken=False)


def test_a_run_with_previews_reports_its_plan_and_how_close_it_gets(clips, tmp_path, one_thread):  # noqa: F811 (fixture)
    from ainur_studio.models.pretrained import list_packs

    reports: list[dict] = []
    settings = spec(clips, tmp_path / "run", steps=4, preview_every=2, preview_seconds=1.0,
                    holdout=0.2, decoder="auto", decoder_steps=2, decoder_crop_seconds=1.0,
                    install=True, name="tones-lora", save_every=0)
    summary = train(settings, device="cpu", progress=Callbacks(report=reports.append))

    plan = [r["message"] for r in reports if r["stage"] == "plan"]
    assert plan == summary["plan"]
    assert [line.split(":")[0] for line in plan] == ["decoder", "previews", "prior",
                                                     "conditioning", "CLASP"]
    assert "against 1 held-out recording(s)" in plan[1]
    assert plan[2].startswith("prior: LoRA rank 8 on attention and conv layers (")
    assert "without the CLASP audio vector" in plan[3]  # captioned recordings

    previews = tmp_path / "run" / "previews"
    assert sorted(p.name for p in previews.glob("base-*.wav")) == ["base-0.wav"]
    validations = [r for r in reports if r["stage"] == "train" and r["event"] == "validation"]
    assert [r["step"] for r in validations] == [2, 4]
    for report in validations:
        figures = report["validation"]
        for space in ("log-mel", "CLASP audio"):
            key = f"closeness {space}"
            assert figures[key] > 0 and figures[f"{key} base"] > 0 and figures[f"{key} floor"] > 0
            assert figures[f"{key} ratio"] == pytest.approx(figures[key] / figures[f"{key} base"])
        assert figures["verbatim"] in (0.0, 1.0)
        assert len(closeness_lines(figures)) == 2
    history = [json.loads(line) for line in
               (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history if "validation" in h] == [2, 4]
    # the base pack's previews are the same at each validation: one rendering, one distance
    bases = {r["validation"]["closeness log-mel base"] for r in validations}
    assert len(bases) == 1

    listed = {p.name: p for p in list_packs()}
    assert "tones-lora" in listed


def test_a_resumed_run_reads_the_base_previews_back(clips, tmp_path, one_thread):  # noqa: F811 (fixture)
    settings = spec(clips, tmp_path / "run", steps=4, preview_every=2, preview_seconds=1.0,
                    holdout=0.2, save_every=2)
    first = train({**settings, "steps": 2})
    base = tmp_path / "run" / "previews" / "base-0.wav"
    stamp = base.stat().st_mtime_ns
    done = train({**settings, "resume": True})
    assert done["steps"] == 4 and first["steps"] == 2
    assert base.stat().st_mtime_ns == stamp


def test_without_previews_the_plan_says_so_and_nothing_is_held_out(clips, tmp_path, one_thread):  # noqa: F811 (fixture)
    summary = train(spec(clips, tmp_path / "run", steps=2, save_every=0))
    assert any(line.startswith("previews: off") for line in summary["plan"])
    assert not (tmp_path / "run" / "previews").exists()


def test_the_probe_flags_a_copy_of_a_training_recording_and_not_a_held_out_one(clips):
    paths = sorted(str(p) for p in clips.glob("*.wav"))
    held, train_paths = paths[:2], paths[2:]
    probe = ClosenessProbe.from_recordings(held, train_paths, seconds=1.0, clasp=None)
    assert probe is not None and [s.embed.name for s in probe.spaces] == ["log-mel"]
    copies = recording_windows(train_paths, sample_rate=48_000, seconds=1.0, count=2)
    fresh = recording_windows(held, sample_rate=48_000, seconds=1.0, count=2)
    probe.set_base(copies)
    assert is_verbatim(metrics(probe.measure(copies)))
    found = metrics(probe.measure(fresh))
    assert not is_verbatim(found)
    # held-out material lies nearer the held-out centroid than the training material does
    assert found["closeness log-mel"] < found["closeness log-mel base"]
    assert found["closeness log-mel ratio"] < 1.0


def test_no_probe_without_recordings_to_measure_against(clips, tmp_path):
    paths = sorted(str(p) for p in clips.glob("*.wav"))
    assert ClosenessProbe.from_recordings([], paths, seconds=1.0, clasp=None) is None
    missing = [str(tmp_path / "latent-only.wav")]
    assert ClosenessProbe.from_recordings(missing, paths, seconds=1.0, clasp=None) is None


def test_closeness_lines_read_as_a_person_reads_them():
    figures = {"held_out_loss": 0.3, "closeness log-mel": 14.2, "closeness log-mel base": 26.1,
               "closeness log-mel floor": 7.04, "closeness log-mel ratio": 0.544, "verbatim": 0.0}
    assert closeness_lines(figures) == [
        "log-mel: previews 14.2 · base pack 26.1 · your recordings 7.0 → 0.54 of the base "
        "pack's distance"]
    assert closeness_lines({"held_out_loss": 0.3}) == []
    assert not is_verbatim(figures) and is_verbatim({**figures, "verbatim": 1.0})
