"""Evaluation metrics: cross-modal retrieval, C3 and FAD.

- Retrieval: R@1/5/10, median and mean rank for every direction between paired embeddings
  (row i of each modality belongs to item i). Ties count against the model: a collapsed
  embedding scores as badly as it should.
- C3 (CLASP cycle consistency): mean cosine between the CLASP audio embedding of each generated
  clip and the CLASP lyrics embedding of the lyrics it was conditioned on, over the *whole* set.
  `C3Accumulator` is created once and `reset()` explicitly (the published code re-created its
  metric every test step, so only the last batch counted).
- FAD: Frechet distance between Gaussians fitted to embeddings of a reference set and of a
  generated set. The embedding is pluggable (`Embedder`); the default is the CLASP audio tower.
  Reference statistics can be cached on disk (safetensors).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# --- retrieval --------------------------------------------------------------------------------


def retrieval_ranks(sim: torch.Tensor) -> torch.Tensor:
    """1-based rank of the true candidate for each query.

    Args:
        sim: [Q, C] similarities, C >= Q; the true candidate of query i is column i.

    Returns:
        [Q] long: 1 + the number of *other* candidates scoring >= the true one.
    """
    if sim.ndim != 2 or sim.shape[1] < sim.shape[0]:
        raise ValueError(f"similarity must be [Q, C] with C >= Q, got {tuple(sim.shape)}")
    q = sim.shape[0]
    true = sim[torch.arange(q), torch.arange(q)]
    return (sim >= true[:, None]).sum(dim=1)  # counts the true candidate itself: 1-based


def retrieval_metrics(sim: torch.Tensor, *,
                      ks: tp.Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """R@k, median and mean rank of `retrieval_ranks(sim)`."""
    ranks = retrieval_ranks(sim).double()
    out = {f"R@{k}": float((ranks <= k).double().mean()) for k in ks}
    out["median_rank"] = float(ranks.median())  # lower median for even counts
    out["mean_rank"] = float(ranks.mean())
    out["n"] = float(sim.shape[0])
    return out


def cosine_matrix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine similarities [A, B] of a [A, E] and b [B, E] (computed in float64)."""
    return F.normalize(a.double(), dim=-1) @ F.normalize(b.double(), dim=-1).t()


def retrieval_report(embeddings: dict[str, torch.Tensor], *,
                     ks: tp.Sequence[int] = (1, 5, 10)) -> dict[str, dict[str, float]]:
    """Retrieval metrics for every ordered pair of modalities.

    Args:
        embeddings: modality name -> [N, E]; row i of every modality is item i.

    Returns:
        "query->candidate" (e.g. "text->audio") -> metrics.
    """
    sizes = {name: e.shape[0] for name, e in embeddings.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"paired embeddings must have the same number of rows, got {sizes}")
    return {f"{q}->{c}": retrieval_metrics(cosine_matrix(embeddings[q], embeddings[c]), ks=ks)
            for q, c in itertools.permutations(embeddings, 2)}


# --- C3 ---------------------------------------------------------------------------------------


def c3_score(audio: torch.Tensor, lyrics: torch.Tensor) -> float:
    """Mean cosine between audio [N, E] and lyrics [N, E] embeddings, row by row."""
    if audio.shape != lyrics.shape or audio.ndim != 2:
        raise ValueError(f"C3 needs two [N, E] tensors of equal shape, got {tuple(audio.shape)} "
                         f"and {tuple(lyrics.shape)}")
    return float(F.cosine_similarity(audio.double(), lyrics.double(), dim=-1).mean())


class C3Accumulator:
    """C3 over a whole evaluation set, fed batch by batch; `reset()` between evaluations."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def update(self, audio: torch.Tensor, lyrics: torch.Tensor) -> None:
        """Add a batch of paired embeddings [B, E]."""
        if audio.shape[0] == 0:
            return
        self.total += c3_score(audio, lyrics) * audio.shape[0]
        self.count += audio.shape[0]

    def compute(self) -> float:
        if self.count == 0:
            raise ValueError("C3 of an empty set: update() was never called since reset()")
        return self.total / self.count


# --- FAD --------------------------------------------------------------------------------------


class Embedder(tp.Protocol):
    """What FAD needs from an embedding model.

    `name` identifies the model *and its weights* (it keys cached statistics); `embed` maps
    clips [2, T] at `sample_rate` to embedding frames [M, D] (any number of frames per clip).
    """

    name: str
    sample_rate: int

    def embed(self, clips: list[torch.Tensor]) -> torch.Tensor: ...


@dataclass
class GaussianStats:
    """Mean [D] and unbiased covariance [D, D] of embedding frames (float64)."""

    mu: np.ndarray
    sigma: np.ndarray
    count: int

    @classmethod
    def from_embeddings(cls, frames: torch.Tensor | np.ndarray) -> GaussianStats:
        x = np.asarray(frames.detach().cpu() if isinstance(frames, torch.Tensor) else frames,
                       dtype=np.float64)
        if x.ndim != 2 or x.shape[0] < 2:
            raise ValueError(f"need at least 2 embedding frames [M, D], got shape {x.shape}")
        return cls(mu=x.mean(0), sigma=np.cov(x, rowvar=False).reshape(x.shape[1], -1),
                   count=x.shape[0])

    def save(self, path: str | Path, *, key: str = "") -> Path:
        from safetensors.numpy import save_file

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file({"mu": self.mu, "sigma": self.sigma}, str(path),
                  metadata={"count": str(self.count), "key": key})
        return path

    @classmethod
    def load(cls, path: str | Path) -> GaussianStats:
        from safetensors import safe_open

        with safe_open(str(path), "np") as f:
            return cls(mu=f.get_tensor("mu"), sigma=f.get_tensor("sigma"),
                       count=int(f.metadata()["count"]))


def frechet_distance(a: GaussianStats, b: GaussianStats, *, eps: float = 1e-6) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)).

    If the product is singular, eps * I is added to both covariances; a large imaginary part
    in the square root raises `ValueError`.
    """
    from scipy import linalg

    if a.mu.shape != b.mu.shape:
        raise ValueError(f"embedding sizes differ: {a.mu.shape} vs {b.mu.shape}")
    diff = a.mu - b.mu
    covmean = linalg.sqrtm(a.sigma @ b.sigma)
    if not np.isfinite(covmean).all():
        offset = np.eye(a.sigma.shape[0]) * eps
        covmean = linalg.sqrtm((a.sigma + offset) @ (b.sigma + offset))
    if np.iscomplexobj(covmean):
        if np.abs(covmean.imag).max() > 1e-3 * max(1.0, np.abs(covmean.real).max()):
            raise ValueError("covariance square root has a large imaginary part: too few "
                             "embedding frames for their dimension; add clips or use windows")
        covmean = covmean.real
    value = diff @ diff + np.trace(a.sigma) + np.trace(b.sigma) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


class ClaspAudioEmbedder:
    """The CLASP audio tower as an FAD embedder.

    Args:
        model: a CLASP model (anything with `embed_audio`).
        window_s: embed windows of this length (hop `hop_s`) instead of whole clips, giving
            several frames per clip (useful when there are fewer clips than dimensions).
        hop_s: window hop; defaults to `window_s`.
        name: cache identity; default hashes the model's weights.
    """

    def __init__(self, model: tp.Any, *, window_s: float | None = None,
                 hop_s: float | None = None, name: str | None = None) -> None:
        self.model = model
        self.sample_rate = int(model.audio_sample_rate)
        self.window_s, self.hop_s = window_s, hop_s or window_s
        self.name = name or f"clasp-audio-{_weights_hash(model)}-w{window_s}-h{self.hop_s}"

    def _windows(self, clip: torch.Tensor) -> list[torch.Tensor]:
        if self.window_s is None:
            return [clip]
        win, hop = int(self.window_s * self.sample_rate), int(self.hop_s * self.sample_rate)
        if clip.shape[-1] <= win:
            return [clip]
        return [clip[..., s:s + win] for s in range(0, clip.shape[-1] - win + 1, hop)]

    def embed(self, clips: list[torch.Tensor]) -> torch.Tensor:
        pieces = [w for clip in clips for w in self._windows(clip)]
        return self.model.embed_audio(pieces, sample_rate=self.sample_rate, allow_silent=True)


def _weights_hash(model: torch.nn.Module) -> str:
    digest = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def _clips_key(sources: tp.Sequence[tp.Any]) -> str:
    """Content key of a reference set: file paths with size and mtime, or tensor bytes."""
    digest = hashlib.sha256()
    for s in sources:
        if isinstance(s, torch.Tensor):
            digest.update(s.detach().cpu().float().contiguous().numpy().tobytes())
        else:
            st = Path(s).stat()
            digest.update(json.dumps([str(Path(s).resolve()), st.st_size, st.st_mtime_ns]).encode())
    return digest.hexdigest()


def _load_clips(sources: tp.Sequence[tp.Any], sample_rate: int) -> list[torch.Tensor]:
    from ainur_studio.audio.io import audio_read

    return [s if isinstance(s, torch.Tensor) else audio_read(s, sample_rate=sample_rate)
            for s in sources]


def embedding_stats(embedder: Embedder, sources: tp.Sequence[tp.Any], *,
                    cache_dir: str | Path | None = None, batch: int = 16) -> GaussianStats:
    """Statistics of a set of clips (tensors [2, T] or audio file paths), optionally cached.

    With `cache_dir`, stats are stored under a key of the embedder's name and the set's
    content (paths with size and mtime, or tensor bytes) and reused while both are unchanged.
    """
    cache = None
    if cache_dir is not None:
        key = hashlib.sha256(f"{embedder.name}|{_clips_key(sources)}".encode()).hexdigest()
        cache = Path(cache_dir) / f"fad-{key[:32]}.safetensors"
        if cache.is_file():
            return GaussianStats.load(cache)
    frames = []
    for start in range(0, len(sources), batch):
        clips = _load_clips(sources[start:start + batch], embedder.sample_rate)
        frames.append(embedder.embed(clips).detach().cpu().double())
    stats = GaussianStats.from_embeddings(torch.cat(frames))
    if cache is not None:
        stats.save(cache, key=embedder.name)
    return stats


def as_embedder(model: tp.Any) -> Embedder:
    """An `Embedder` as is; a CLASP model (anything with `embed_audio`) as its audio tower."""
    if callable(getattr(model, "embed", None)):
        return model
    if callable(getattr(model, "embed_audio", None)):
        return ClaspAudioEmbedder(model)
    raise TypeError(f"{type(model).__name__} is neither an Embedder (name, sample_rate, embed) "
                    "nor a CLASP model")


def fad(embedder: tp.Any, generated: tp.Sequence[tp.Any],
        reference: tp.Sequence[tp.Any] | GaussianStats, *,
        cache_dir: str | Path | None = None) -> float:
    """Frechet audio distance of `generated` clips to `reference` clips (or their stats).

    `embedder` is an `Embedder` or a CLASP model (its audio tower, one frame per clip).
    """
    embedder = as_embedder(embedder)
    ref = reference if isinstance(reference, GaussianStats) else embedding_stats(
        embedder, reference, cache_dir=cache_dir)
    return frechet_distance(embedding_stats(embedder, generated), ref)
