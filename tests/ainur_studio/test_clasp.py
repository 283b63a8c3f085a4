"""CLASP with the debug config: shapes, padding invariance, input handling, losses, save/load."""

from __future__ import annotations

import json
from importlib import resources

import pytest
import torch
import torch.nn.functional as F

from ainur_studio.models import clasp as C
from ainur_studio.models.clasp_audio import AudioInputError

SR = 48_000


def _config(name: str) -> dict:
    return json.loads(resources.files("ainur_studio.configs").joinpath(f"clasp_{name}.json")
                      .read_text())


@pytest.fixture(scope="module")
def model() -> C.Clasp:
    torch.manual_seed(0)
    return C.create_clasp_from_config(_config("debug")).eval()


def _tone(seconds: float, freq: float = 440.0, sr: int = SR) -> torch.Tensor:
    t = torch.arange(int(seconds * sr)) / sr
    return 0.3 * torch.sin(2 * torch.pi * freq * t).expand(2, -1).clone()


def test_frozen_text_tower_stays_in_eval_mode():
    tower = C.TextTower(scratch={"hidden_size": 16, "num_layers": 1}, freeze=True)
    tower.train()
    assert tower.training and not tower.encoder.training
    assert not any(p.requires_grad for p in tower.parameters())


def test_embedding_shapes_and_norms(model):
    clips = [_tone(0.5), _tone(1.3, 220.0), torch.randn(2, 30_000) * 0.1]
    a = model.embed_audio(clips)
    t = model.embed_text(["a sine", "a low sine", "noise"])
    lyr = model.embed_lyrics(["la la la", "oh oh", "yeah"])
    for e in (a, t, lyr):
        assert e.shape == (3, model.embed_dim)
        torch.testing.assert_close(e.norm(dim=-1), torch.ones(3))
    assert model.embed_audio(clips, normalize=False).norm(dim=-1).ne(1).any()


def test_padding_does_not_change_a_clip(model):
    short = _tone(0.37, 330.0)
    alone = model.embed_audio([short])
    batched = model.embed_audio([short, _tone(2.0, 110.0), _tone(0.9)], batch_size=3)
    torch.testing.assert_close(batched[0], alone[0], atol=1e-5, rtol=1e-4)
    with torch.no_grad():
        wav = F.pad(short, (0, 50_000))[None]
        raw = model.encode_audio(wav, torch.tensor([short.shape[-1]]))
    torch.testing.assert_close(F.normalize(raw, dim=-1)[0], alone[0], atol=1e-5, rtol=1e-4)


def test_whole_clip_is_seen(model):
    base = _tone(2.0)
    changed = base.clone()
    changed[:, -SR // 4:] = torch.randn(2, SR // 4) * 0.3  # only the last quarter second
    a, b = model.embed_audio([base, changed])
    assert (a - b).abs().max() > 1e-4


def test_resampling_and_mono(model):
    import torchaudio.functional as AF

    low = _tone(0.8, sr=24_000)
    by_api = model.embed_audio([low], sample_rate=24_000)
    by_hand = model.embed_audio([AF.resample(low, 24_000, SR)])
    torch.testing.assert_close(by_api, by_hand)
    stereo = _tone(0.6)
    torch.testing.assert_close(model.embed_audio([stereo[0]]), model.embed_audio([stereo]))


def test_deterministic_build_and_embedding():
    clips, texts = [_tone(0.5), _tone(0.7, 880.0)], ["one", "two"]
    outs = []
    for _ in range(2):
        torch.manual_seed(7)
        m = C.create_clasp_from_config(_config("debug"))
        outs.append((m.embed_audio(clips), m.embed_text(texts)))
    for x, y in zip(*outs, strict=True):
        torch.testing.assert_close(x, y, rtol=0, atol=0)


def test_save_load_round_trip(model, tmp_path):
    C.save_clasp(model, tmp_path / "clasp", _config("debug"))
    loaded = C.load_clasp(tmp_path / "clasp")
    clips = [_tone(0.5), _tone(1.0, 660.0)]
    torch.testing.assert_close(loaded.embed_audio(clips), model.embed_audio(clips))
    torch.testing.assert_close(loaded.embed_lyrics(["hey"]), model.embed_lyrics(["hey"]))
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        C.load_clasp(tmp_path)


@pytest.mark.parametrize(("clip", "match"), [
    (torch.zeros(2, SR), "silent"),
    (torch.randn(2, 100), "at least"),
    (torch.randn(SR, 2), "transpose"),
    (torch.full((2, SR), float("nan")), "NaN"),
    ([0.1] * SR, "torch.Tensor"),
])
def test_bad_audio_is_refused(model, clip, match):
    with pytest.raises(AudioInputError, match=match):
        model.embed_audio([clip])


def test_silent_audio_allowed_on_request(model):
    with pytest.raises(AudioInputError, match="no clips"):
        model.embed_audio([])
    assert model.embed_audio([torch.zeros(2, SR)], allow_silent=True).isfinite().all()


def test_bad_text_is_refused(model):
    with pytest.raises(ValueError, match="lyrics #1 is empty"):
        model.embed_lyrics(["la", "  \n"])
    with pytest.raises(TypeError, match="bytes"):
        model.embed_text([b"\xff\xfe"])
    with pytest.raises(ValueError, match="empty batch"):
        model.embed_text([])


def test_similarity_and_rank(model):
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    b = torch.tensor([[0.0, 2.0], [1.0, 1.0], [3.0, 0.0]])
    sim = model.similarity(a, b)
    assert sim.shape == (2, 3)
    torch.testing.assert_close(sim[0], torch.tensor([0.0, 2 ** -0.5, 1.0]))
    order, scores = model.rank(a[0], b)
    assert order.tolist() == [2, 1, 0]
    assert torch.all(scores[:-1] >= scores[1:])


def test_infonce_matches_a_hand_computation():
    a = F.normalize(torch.randn(4, 3), dim=-1)
    b = F.normalize(torch.randn(4, 3), dim=-1)
    scale = torch.tensor(2.0)
    logits = scale.exp() * a @ b.t()
    ref = 0.0
    for i in range(4):
        ref -= torch.log_softmax(logits[i], 0)[i] + torch.log_softmax(logits[:, i], 0)[i]
    torch.testing.assert_close(C.infonce_loss(a, b, scale), ref / 8)


def test_sigmoid_loss_matches_a_hand_computation():
    a = F.normalize(torch.randn(3, 5), dim=-1)
    b = F.normalize(torch.randn(3, 5), dim=-1)
    scale, bias = torch.tensor(1.5), torch.tensor(-2.0)
    ref = 0.0
    for i in range(3):
        for j in range(3):
            z = scale.exp() * (a[i] @ b[j]) + bias
            ref -= F.logsigmoid(z if i == j else -z)
    torch.testing.assert_close(C.sigmoid_loss(a, b, scale, bias), ref / 3)


def test_training_losses_reach_every_tower(model):
    model.train()
    batch = {"audio": torch.randn(3, 2, 24_000) * 0.1, "lengths": torch.tensor([24_000, 20_000, 9_000]),
             "text": ["a", "b", "c"], "lyrics": ["la", "", "oh"]}
    out = model.training_losses(batch)
    assert set(out) == {"loss", "loss_text", "loss_lyrics", "logit_scale"}
    out["loss"].backward()
    for name in ("text_proj", "lyrics_proj", "audio_proj", "_logit_scale", "text_tower", "audio_tower"):
        grads = [p.grad for n, p in model.named_parameters() if n.startswith(name)]
        assert grads and all(g is not None for g in grads), name
    model.zero_grad()
    model.eval()
    with pytest.raises(ValueError, match="no pairs"):
        model.training_losses({"audio": batch["audio"], "lyrics": ["x", "", ""]})


def test_sigmoid_option_builds():
    cfg = _config("debug")
    cfg["config"]["loss"] = "sigmoid"
    m = C.create_clasp_from_config(cfg)
    out = m.training_losses({"audio": torch.randn(2, 2, 12_000), "text": ["a", "b"]})
    assert out["loss"].isfinite()


def test_config_errors():
    with pytest.raises(ValueError, match="unknown CLASP config keys"):
        C.create_clasp_from_config({"type": "clasp", "config": {"embed_dims": 3}})
    with pytest.raises(ValueError, match="expected 'clasp'"):
        C.create_clasp_from_config({"type": "prior", "config": {}})


def test_compat_config_is_the_published_clip():
    from transformers import CLIPConfig

    cfg = C._merged(_config("ainur_compat"))
    clip = CLIPConfig(**cfg["clip"])
    assert cfg["architecture"] == "clip_compat"
    assert clip.text_config.max_position_embeddings == 512
    assert clip.vision_config.patch_size == 32 and clip.vision_config.image_size == 224
    assert clip.projection_dim == 512


def test_compat_model_tiny_clip_runs(tmp_path):
    from ainur_studio.models.text_encoder import TextEncoderError, bundled_minilm_dir

    tiny = {"text_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                            "num_attention_heads": 2, "max_position_embeddings": 512,
                            "vocab_size": 30522},
            "vision_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                              "num_attention_heads": 2, "image_size": 64, "patch_size": 32},
            "projection_dim": 8}
    cfg = {"type": "clasp", "config": {"architecture": "clip_compat", "clip": tiny}}
    m = C.create_clasp_from_config(cfg)
    clips = [_tone(1.0), _tone(0.5, 220.0)]
    both = m.embed_audio(clips)
    assert both.shape == (2, 8)
    torch.testing.assert_close(m.embed_audio(clips[1:])[0], both[1], atol=1e-5, rtol=1e-4)
    assert "clip.text_model.embeddings.position_embedding.weight" in m.state_dict()
    with pytest.raises(TextEncoderError, match="CLIP tokenizer"):
        m.embed_lyrics(["la"])
    cfg["config"]["text"] = {"source": str(bundled_minilm_dir())}
    assert C.create_clasp_from_config(cfg).embed_lyrics(["la la"]).shape == (1, 8)


def test_training_resume_continues_the_same_trajectory(tmp_path):
    from ainur_studio.training.loop import TrainConfig, Trainer
    from ainur_studio.training.recipes.clasp_data import collate_clips

    gen = torch.Generator().manual_seed(5)
    items = [{"audio": 0.1 * torch.randn(2, 9_600 + 480 * i, generator=gen), "text": f"clip {i}",
              "lyrics": "" if i % 3 == 0 else f"words {i}"} for i in range(8)]

    def run(steps, *, resume_from=None):
        torch.manual_seed(11)
        settings = TrainConfig(max_steps=steps, batch_size=4, lr=3e-3, warmup_steps=1,
                               ema_decay=0.9, checkpoint_every=2, device="cpu")
        trainer = Trainer(model=C.create_clasp_from_config(_config("debug")), dataset=items,
                          config=settings, collate_fn=collate_clips, out_dir=tmp_path,
                          model_config=_config("debug"))
        losses = []
        trainer.add_callback("on_batch_end", lambda t: losses.append(t.last_losses["loss"]))
        if resume_from:
            trainer.resume(resume_from)
        trainer.fit()
        return losses, trainer

    full, _ = run(4)
    resumed, trainer = run(4, resume_from=tmp_path / "step-00000002")
    assert resumed == full[2:]
    loaded = C.load_clasp(trainer.export(tmp_path / "export"))
    assert loaded.embed_text(["clip 1"]).shape == (1, 32)


def test_losses_and_spectra_stay_fp32_under_autocast(model):
    batch = {"audio": torch.randn(3, 2, 24_000) * 0.1, "text": ["a", "b", "c"]}
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model.training_losses(batch)
        mel = model.audio_tower.frontend(batch["audio"])
    assert out["loss"].dtype == torch.float32 and out["loss"].isfinite()
    assert mel.dtype == torch.float32


def test_compat_loads_published_style_weights(tmp_path):
    from safetensors.torch import save_file

    from ainur_studio.models.clasp_compat import load_published_weights

    tiny = {"text_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                            "num_attention_heads": 2, "max_position_embeddings": 512},
            "vision_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                              "num_attention_heads": 2, "image_size": 64, "patch_size": 32},
            "projection_dim": 8}
    cfg = {"type": "clasp", "config": {"architecture": "clip_compat", "clip": tiny}}
    torch.manual_seed(1)
    source = C.create_clasp_from_config(cfg)
    weights = {f"model.{k}": v.contiguous() for k, v in source.clip.state_dict().items()}
    save_file(weights, str(tmp_path / "published.safetensors"))
    torch.manual_seed(2)
    target = C.create_clasp_from_config(cfg)
    load_published_weights(target, tmp_path / "published.safetensors")
    clip = [_tone(1.0)]
    torch.testing.assert_close(target.embed_audio(clip), source.embed_audio(clip))
    with pytest.raises(ValueError, match="only .safetensors"):
        load_published_weights(target, tmp_path / "published.ckpt")
    save_file({"model.bogus": torch.zeros(1)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="does not match"):
        load_published_weights(target, tmp_path / "other.safetensors")
