"""Fine-tuning the debug pack on a folder of generated clips with broken files mixed in:
report, training, loss going down, LoRA pack written, loaded and changing the output; stop;
resume rules; spec validation."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from ainur_studio.progress import Callbacks
from ainur_studio.training.spec import RunSpec
from ainur_studio.training.train import train

RATE = 48_000
BROKEN = {"empty.wav": "unreadable", "truncated.wav": "unreadable", "notes.wav": "unreadable",
          "one_sample.wav": "too short", "silent.wav": "silent"}


def make_clips(root: Path, *, count: int = 6, seconds: float = 2.5, broken: bool = True) -> Path:
    """`count` generated stereo clips (harmonic tones, each its own pitch and tremolo) with
    caption sidecars and one synced-lyrics file; plus the broken files of `BROKEN`."""
    root.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(RATE * seconds)) / RATE
    for i in range(count):
        f0 = 110.0 * (i + 2)
        x = sum(0.2 / k * np.sin(2 * np.pi * f0 * k * t) for k in (1, 2, 3))
        x = x * (1 + 0.5 * np.sin(2 * np.pi * (1 + i) * t))
        sf.write(root / f"clip{i}.wav", np.stack([x, 0.8 * x], 1).astype(np.float32), RATE)
        (root / f"clip{i}.txt").write_text(f"tone {i}, warm synth pad\n")
    (root / "clip0.lrc").write_text("[00:00.20]hello there\n[00:01.30]second line\n")
    if broken:
        (root / "empty.wav").write_bytes(b"")
        full = root / "clip0.wav"
        (root / "truncated.wav").write_bytes(full.read_bytes()[: full.stat().st_size // 2])
        (root / "notes.wav").write_text("not audio, only text\n" * 20)
        sf.write(root / "one_sample.wav", np.zeros((1, 2), np.float32) + 0.1, RATE)
        sf.write(root / "silent.wav", np.zeros((RATE * 3, 2), np.float32), RATE)
    return root


def spec(data: Path, out: Path, **overrides) -> dict:
    """A small, fast LoRA run on the debug pack."""
    base = {"data": str(data), "out": str(out), "base": "debug-mix", "mode": "lora", "steps": 8,
            "batch_size": 2, "lr": 1e-2, "warmup": 0, "rank": 8, "crop_seconds": 1.0,
            "save_every": 4, "holdout": 0.0, "ema_decay": None,
            "lora_targets": ["attention", "conv"], "decoder": "off"}
    return {**base, **overrides}


@pytest.fixture
def one_thread():
    """Two shared cores: one torch thread keeps the runs fast and reproducible."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    return make_clips(tmp_path_factory.mktemp("recordings") / "my songs")


def test_lora_finetune_end_to_end(clips, tmp_path, one_thread):
    before = {p: p.read_bytes() for p in clips.rglob("*")}
    losses: list[float] = []
    out = tmp_path / "run"
    result = train(spec(clips, out, steps=40, batch_size=4, preview_every=40,
                        preview_seconds=1.0, preview_prompts=["tone 1, warm synth pad"],
                        holdout=0.2),
                   progress=Callbacks(report=lambda info: info.get("event") == "step"
                                      and losses.append(info["loss"])))
    assert {s["path"]: s["reason"] for s in result["skipped"]} == BROKEN
    assert result["steps"] == 40 and not result["stopped"]
    assert len(losses) == 40
    assert statistics.mean(losses[-10:]) < 0.85 * statistics.mean(losses[:10])
    preview = Path(result["previews"][0])
    assert preview.is_file() and preview.parent == out / "previews"
    history = [json.loads(x) for x in (out / "history.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history if "loss" in h] == list(range(1, 41))
    assert "held_out_loss" in next(h for h in history if "validation" in h)["validation"]
    assert {p: p.read_bytes() for p in clips.rglob("*")} == before  # never written to
    _check_lora_pack(Path(result["pack"]))


def _check_lora_pack(folder: Path) -> None:
    from ainur_studio.inference.generate import generate
    from ainur_studio.models.pretrained import load_pack
    from ainur_studio.training.export import load_lora_pack
    from ainur_studio.types import GenerationRequest

    meta = json.loads((folder / "pack.json").read_text())
    base = load_pack("debug-mix")
    assert meta["kind"] == "lora" and meta["base"] == {"name": "debug-mix", "hash": base.hash,
                                                       "path": None}
    tuned = load_lora_pack(folder)
    assert tuned.hash != base.hash and tuned.name == meta["name"]
    request = GenerationRequest(prompt="tone 1, warm synth pad", duration_s=1.0, seed=5,
                                steps=4, model="x")
    a, b = generate(request, base).audio[0], generate(request, tuned).audio[0]
    assert a.shape == b.shape
    assert (a - b).abs().max() > 1e-3 * a.abs().max()


def test_stop_request_checkpoints_and_resume_finishes(clips, tmp_path, one_thread):
    out = tmp_path / "run"
    seen: list[int] = []
    result = train(spec(clips, out, steps=6, save_every=0),
                   progress=Callbacks(report=lambda i: i["stage"] == "train"
                                      and seen.append(i["step"]),
                                      should_stop=lambda: len(seen) >= 3))
    assert result["stopped"] and result["steps"] == 3 and result["pack"] is None
    assert (out / "checkpoints" / "step-00000003" / "state.json").is_file()
    with pytest.raises(RuntimeError, match="already holds checkpoints"):
        train(spec(clips, out, steps=6))
    done = train(spec(clips, out, steps=6, resume=True))
    assert done["steps"] == 6 and Path(done["pack"], "pack.json").is_file()


def test_full_finetune_writes_a_loadable_full_pack(clips, tmp_path, one_thread):
    from ainur_studio.models.pretrained import load_pack

    result = train(spec(clips, tmp_path / "run", mode="full", steps=3, lr=1e-3, install=True,
                        name="mine"))
    assert load_pack(result["pack"]).name == "mine"
    assert load_pack("mine").hash == load_pack(result["pack"]).hash  # installed by name
    assert result["trainable_parameters"] > 100_000


class _FakeTrainer:
    """Stands in for `Trainer` in the out-of-memory retry: batches above 2 run out."""

    def __init__(self, batch: int, error: Exception | None = None) -> None:
        self.batch, self.step, self.last_losses, self.error = batch, 0, {}, error
        self.optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)

    def fit(self) -> dict:
        if self.error is not None:
            raise self.error
        if self.batch > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        self.step = 1
        return {"steps": 1}


def test_out_of_memory_halves_the_batch_until_it_fits():
    from ainur_studio.training.batch_size import batch_for_memory, pick_batch_size
    from ainur_studio.training.runs import fit

    built: list[int] = []
    messages: list[str] = []
    trainer, summary, stopped = fit(lambda b: built.append(b) or _FakeTrainer(b), 8,
                                    log=messages.append)
    assert built == [8, 4, 2] and trainer.batch == 2 and not stopped
    assert messages == ["out of memory: retrying with batch size 4",
                        "out of memory: retrying with batch size 2"]
    with pytest.raises(RuntimeError, match="boom"):  # other errors are not retried
        fit(lambda b: built.append(b) or _FakeTrainer(b, RuntimeError("boom")), 8)
    assert built[-1] == 8
    assert batch_for_memory(free_bytes=10_000, per_item_bytes=1_000, base_bytes=0) == 8
    assert batch_for_memory(free_bytes=10_000, per_item_bytes=1_000, limit=5) == 5
    assert batch_for_memory(free_bytes=100, per_item_bytes=1_000) == 1
    assert pick_batch_size(0, torch.device("cpu"), limit=3) == 3
    assert pick_batch_size(6, torch.device("cpu"), limit=4) == 4



@pytest.mark.parametrize(("overrides", "message"), [
    ({"mode": "nope"}, "unknown mode"),
    ({"mode": "lora", "component": "clasp"}, "LoRA trains the prior only"),
    ({"steps": 0}, "steps must be positive"),
    ({"holdout": 1.0}, "holdout"),
    ({"mode": "scratch"}, "needs config"),
    ({"colour": "red"}, "unknown training setting"),
    ({"preview_seconds": 0.5}, "preview_seconds"),
])
def test_bad_specs_are_refused_with_the_setting_named(overrides, message):
    with pytest.raises(ValueError, match=message):
        RunSpec.from_dict({"data": "somewhere", **overrides})


def test_ui_spec_keys_are_understood():
    run = RunSpec.from_dict({"data_dir": "d", "component": "lora", "steps": 10,
                             "learning_rate": 3e-4, "batch_size": 2, "lora_rank": 4,
                             "resume": True})
    assert (run.data, run.mode, run.component, run.lr, run.rank) == ("d", "lora", "prior",
                                                                      3e-4, 4)
    assert RunSpec.from_dict({"data": "d", "component": "clasp"}).mode == "full"


def test_no_usable_recordings_is_a_clear_error(tmp_path):
    data = tmp_path / "nothing"
    data.mkdir()
    (data / "notes.wav").write_text("text")
    with pytest.raises(ValueError, match="no usable recordings"):
        train(spec(data, tmp_path / "run"))


def test_clasp_retrieval_over_held_out_items():
    from ainur_studio.data.datasets import LatentItem
    from ainur_studio.training.recipes.prior_previews import clasp_retrieval
    from tests.ainur_studio.debug_pack import shared_debug_pack

    clasp = shared_debug_pack().clasp
    prompts = ["warm synth pad", "fast drums", "solo piano"]
    text = clasp.embed_text(prompts)

    def item(i: int, audio: torch.Tensor | None) -> LatentItem:
        return LatentItem(key=str(i), path=f"{i}.wav", latents=torch.zeros(4, 8),
                          embedding=torch.zeros(2, 4), mask=torch.ones(2, dtype=torch.bool),
                          prompt=prompts[i], clasp_audio=audio)

    # audio embeddings equal to the text ones: perfect retrieval both ways
    metrics = clasp_retrieval(clasp, [item(i, text[i]) for i in range(3)])
    assert metrics["clasp text->audio R@1"] == 1.0 and metrics["clasp audio->text R@1"] == 1.0
    assert metrics["clasp text->audio median_rank"] == 1.0
    shuffled = clasp_retrieval(clasp, [item(i, text[(i + 1) % 3]) for i in range(3)])
    assert shuffled["clasp text->audio R@1"] == 0.0
    assert clasp_retrieval(clasp, [item(0, text[0]), item(1, None)]) == {}
    assert clasp_retrieval(None, [item(i, text[i]) for i in range(3)]) == {}


def test_clasp_vector_of_a_crop_follows_its_lyrics():
    from ainur_studio.data.datasets import LatentItem
    from ainur_studio.lyrics.lrc import parse_lrc
    from ainur_studio.training.recipes.prior_objective import ClaspVectors
    from tests.ainur_studio.debug_pack import shared_debug_pack

    clasp = shared_debug_pack().clasp
    audio = torch.nn.functional.normalize(torch.ones(clasp.embed_dim), dim=0)
    item = LatentItem(key="k", path="a.wav", latents=torch.zeros(4, 8),
                      embedding=torch.zeros(2, 4), mask=torch.ones(2, dtype=torch.bool),
                      lyrics=parse_lrc("[00:01.00]first line\n[00:05.00]\n")[0],
                      clasp_audio=audio)
    vectors = ClaspVectors(clasp, max_entries=1)
    torch.testing.assert_close(vectors(item, 0.5, 3.0), clasp.embed_lyrics(["first line"])[0])
    assert torch.equal(vectors(item, 6.0, 8.0), audio)  # nothing sung: the audio embedding
    vectors.lyrics_vector("another")
    assert list(vectors._memo) == ["another"]  # bounded memo


def test_a_stems_base_refuses_mixed_recordings_by_name(clips, tmp_path):
    with pytest.raises(ValueError, match=r"'debug' makes stems \(drums, bass.*choose a base "
                                         r"pack that makes the mix only"):
        train(RunSpec.from_dict(spec(clips, tmp_path / "run", base="debug")), device="cpu")
    assert not (tmp_path / "run" / "cache").exists()  # refused before any encoding
