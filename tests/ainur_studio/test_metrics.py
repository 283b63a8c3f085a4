"""Metrics against independent references: brute-force ranking, closed-form Frechet distances,
hand-computed C3."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
import torch

from ainur_studio import metrics as M


def _brute_force_ranks(sim: torch.Tensor) -> list[int]:
    ranks = []
    for i, row in enumerate(sim.tolist()):
        # worst position among ties: sort others first when equal
        order = sorted(range(len(row)), key=lambda j: (-row[j], j == i))
        ranks.append(order.index(i) + 1)
    return ranks


def test_retrieval_matches_brute_force():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(40, 8, generator=gen), torch.randn(40, 8, generator=gen)
    b[:20] = a[:20] + 0.3 * b[:20]  # half the items are easy
    sim = M.cosine_matrix(a, b)
    ranks = _brute_force_ranks(sim)
    assert M.retrieval_ranks(sim).tolist() == ranks
    got = M.retrieval_metrics(sim)
    for k in (1, 5, 10):
        assert got[f"R@{k}"] == pytest.approx(sum(r <= k for r in ranks) / 40)
    assert got["median_rank"] == statistics.median_low(ranks)
    assert got["mean_rank"] == pytest.approx(sum(ranks) / 40)


def test_ties_count_against_the_model():
    sim = torch.ones(5, 5)
    assert M.retrieval_ranks(sim).tolist() == [5] * 5
    assert M.retrieval_metrics(sim)["R@1"] == 0.0


def test_retrieval_report_has_every_direction():
    emb = {k: torch.randn(6, 4) for k in ("text", "lyrics", "audio")}
    report = M.retrieval_report(emb)
    assert set(report) == {"text->lyrics", "text->audio", "lyrics->text", "lyrics->audio",
                           "audio->text", "audio->lyrics"}
    perfect = M.retrieval_report({"text": emb["audio"], "audio": emb["audio"] * 2})
    assert perfect["text->audio"]["R@1"] == 1.0 and perfect["audio->text"]["median_rank"] == 1
    with pytest.raises(ValueError, match="same number of rows"):
        M.retrieval_report({"a": torch.randn(3, 2), "b": torch.randn(4, 2)})


def test_c3_hand_computed_and_over_the_whole_set():
    audio = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    lyrics = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    expected = (1.0 + 0.0 + math.sqrt(0.5)) / 3
    assert M.c3_score(audio, lyrics) == pytest.approx(expected)
    acc = M.C3Accumulator()
    acc.update(audio[:2], lyrics[:2])
    acc.update(audio[2:], lyrics[2:])
    assert acc.compute() == pytest.approx(expected)  # not just the last batch (1 / sqrt 2)
    acc.reset()
    with pytest.raises(ValueError, match="empty set"):
        acc.compute()


def _rotated(diag: np.ndarray, q: np.ndarray) -> np.ndarray:
    return q @ np.diag(diag) @ q.T


def test_frechet_distance_closed_form_commuting_covariances():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    d1, d2 = rng.uniform(0.5, 2.0, 5), rng.uniform(0.5, 2.0, 5)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    a = M.GaussianStats(mu1, _rotated(d1, q), 100)
    b = M.GaussianStats(mu2, _rotated(d2, q), 100)
    closed = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(d1) - np.sqrt(d2)) ** 2)
    assert M.frechet_distance(a, b) == pytest.approx(closed, rel=1e-8)


def test_fad_of_gaussian_samples_matches_closed_form():
    rng = np.random.default_rng(1)
    x = rng.normal([0.0, 1.0], [1.0, 2.0], size=(40_000, 2))
    y = rng.normal([1.0, 1.0], [2.0, 0.5], size=(40_000, 2))
    closed = 1.0 + (1.0 - 2.0) ** 2 + (2.0 - 0.5) ** 2
    got = M.frechet_distance(M.GaussianStats.from_embeddings(x), M.GaussianStats.from_embeddings(y))
    assert got == pytest.approx(closed, rel=0.03)


class _MeanEmbedder:
    """Independent toy embedder: per-window mean and RMS of each channel."""

    name = "toy-mean-rms"
    sample_rate = 48_000

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, clips):
        self.calls += 1
        rows = []
        for c in clips:
            w = c.reshape(2, -1, 4_800)
            rows.append(torch.cat([w.mean(-1), w.pow(2).mean(-1).sqrt()]).t())
        return torch.cat(rows)


def test_fad_of_a_set_with_itself_is_zero_and_stats_are_cached(tmp_path):
    gen = torch.Generator().manual_seed(2)
    clips = [torch.randn(2, 48_000, generator=gen) * (i + 1) * 0.1 for i in range(6)]
    emb = _MeanEmbedder()
    assert M.fad(emb, clips, clips) == pytest.approx(0.0, abs=1e-6)
    ref = M.embedding_stats(emb, clips, cache_dir=tmp_path)
    calls = emb.calls
    again = M.embedding_stats(emb, clips, cache_dir=tmp_path)
    assert emb.calls == calls and np.allclose(again.sigma, ref.sigma) and again.count == 60
    louder = [c * 3 for c in clips]
    assert M.fad(emb, louder, ref) > 0.1


def test_fad_reads_files(tmp_path):
    import soundfile as sf

    paths = []
    for i in range(3):
        p = tmp_path / f"c{i}.wav"
        sf.write(p, np.random.default_rng(i).normal(0, 0.1, (48_000, 2)), 48_000, subtype="FLOAT")
        paths.append(p)
    emb = _MeanEmbedder()
    assert M.fad(emb, paths, paths, cache_dir=tmp_path / "cache") == pytest.approx(0, abs=1e-6)
    assert list((tmp_path / "cache").glob("fad-*.safetensors"))


def test_clasp_audio_embedder_windows():
    class Fake:
        audio_sample_rate = 48_000

        def state_dict(self):
            return {"w": torch.ones(2)}

        def embed_audio(self, pieces, **kw):
            return torch.stack([torch.tensor([p.shape[-1] / 48_000, 0.0]) for p in pieces])

    emb = M.ClaspAudioEmbedder(Fake(), window_s=1.0, hop_s=0.5)
    out = emb.embed([torch.zeros(2, 48_000 * 3), torch.zeros(2, 24_000)])
    assert out.shape == (6, 2) and emb.name.startswith("clasp-audio-")


def test_fad_with_the_clasp_audio_tower_of_a_set_with_itself_is_zero():
    import json
    from importlib import resources

    from ainur_studio.models.clasp import create_clasp_from_config

    torch.manual_seed(0)
    cfg = json.loads(resources.files("ainur_studio.configs").joinpath("clasp_debug.json").read_text())
    emb = M.ClaspAudioEmbedder(create_clasp_from_config(cfg), window_s=0.5, hop_s=0.25)
    gen = torch.Generator().manual_seed(3)
    clips = [torch.randn(2, 48_000 * 3, generator=gen) * 0.1 for _ in range(6)]
    assert M.fad(emb, clips, clips) == pytest.approx(0.0, abs=1e-6)
    assert M.fad(emb, [torch.sin(torch.arange(48_000 * 3) / 10.0).expand(2, -1)] * 6, clips) > 0
    assert isinstance(M.as_embedder(emb.model), M.ClaspAudioEmbedder)
    with pytest.raises(TypeError, match="neither an Embedder"):
        M.fad(object(), clips, clips)
