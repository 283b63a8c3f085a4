"""CLASP: contrastive lyrics / text / audio embeddings in one shared space.

Two pairings share one model: lyrics <-> audio (Ainur) and descriptor text <-> audio (MuLaN).
A text tower (a pretrained encoder from a local folder, the bundled MiniLM by default, or a tiny
from-scratch BERT) feeds two projection heads (lyrics, text); the audio tower
(`clasp_audio.AudioTower`) sees the whole clip. Losses: symmetric InfoNCE or SigLIP-style
sigmoid, with a learnable temperature.

Inference API (`ClaspBase`): `embed_text`, `embed_lyrics`, `embed_audio` -> L2-normalised
[B, E], `similarity`, `rank`. Input handling: empty lyrics raise `ValueError`; bytes raise
`TypeError` and undecodable text `ValueError`; texts longer than the token limit
(`text_max_length`, `lyrics_max_length`) are truncated; audio at another sample rate is
resampled, mono is duplicated, clips of different lengths are padded (without changing their
embeddings); silent or too-short clips raise `AudioInputError`.
"""

from __future__ import annotations

import contextlib
import json
import math
import typing as tp
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ainur_studio.models.clasp_audio import (
    AudioInputError,
    AudioTower,
    masked_mean,
    pad_batch,
    prepare_clip,
)
from ainur_studio.models.text_encoder import (
    check_texts,
    create_tiny_text_backbone,
    load_text_backbone,
)

__all__ = ["AudioInputError", "Clasp", "ClaspBase", "TextTower", "create_clasp_from_config",
           "infonce_loss", "load_clasp", "save_clasp", "sigmoid_loss"]

PAIRS = ("text", "lyrics")  # batch keys paired with "audio"


def infonce_loss(a: torch.Tensor, b: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE (CLIP) over L2-normalised a, b [N, E]; row i of a matches row i of b."""
    with torch.autocast(a.device.type, enabled=False):
        logits = logit_scale.float().exp() * a.float() @ b.float().t()
    labels = torch.arange(a.shape[0], device=a.device)
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))


def sigmoid_loss(a: torch.Tensor, b: torch.Tensor, logit_scale: torch.Tensor,
                 logit_bias: torch.Tensor) -> torch.Tensor:
    """SigLIP pairwise sigmoid loss over L2-normalised a, b [N, E], averaged per row."""
    with torch.autocast(a.device.type, enabled=False):
        logits = logit_scale.float().exp() * a.float() @ b.float().t() + logit_bias.float()
    signs = 2 * torch.eye(a.shape[0], device=a.device, dtype=logits.dtype) - 1
    return -F.logsigmoid(signs * logits).sum() / a.shape[0]


def _gather(x: torch.Tensor) -> torch.Tensor:
    """All-gather [N, ...] across DDP ranks with gradients (identity outside DDP)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return x
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(x.contiguous()), dim=0)


class ClaspBase(nn.Module):
    """Inference API and losses shared by every CLASP variant.

    Subclasses define `encode_text(texts, *, kind) -> [B, E]`, `encode_audio(wav, lengths) ->
    [B, E]` (raw projections), `audio_sample_rate`, `min_audio_samples`, `loss_type`,
    `logit_scale` and `logit_bias`.
    """

    audio_sample_rate: int
    min_audio_samples: int
    loss_type: str
    logit_scale: torch.Tensor
    logit_bias: torch.Tensor

    def encode_text(self, texts: list[str], *, kind: str) -> torch.Tensor:
        raise NotImplementedError

    def encode_audio(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    # --- training -------------------------------------------------------------------------

    def contrastive_loss(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Loss between raw projections a, b [N, E] (gathered across DDP ranks), in fp32."""
        a, b = (_gather(F.normalize(x.float(), dim=-1)) for x in (a, b))
        if self.loss_type == "sigmoid":
            return sigmoid_loss(a, b, self.logit_scale, self.logit_bias)
        return infonce_loss(a, b, self.logit_scale)

    def training_losses(self, batch: dict[str, tp.Any]) -> dict[str, torch.Tensor]:
        """Contrastive losses for a batch.

        Args:
            batch: "audio" [B, 2, T] at `audio_sample_rate`, optional "lengths" [B], and at
                least one of "text" / "lyrics" (lists of B strings; empty strings drop that row
                from that pairing, e.g. instrumentals without lyrics).

        Returns:
            "loss" (mean over the pairings present), "loss_text" / "loss_lyrics", "logit_scale".
        """
        wav = batch["audio"].to(self.device)
        lengths = batch.get("lengths")
        lengths = torch.full((wav.shape[0],), wav.shape[-1]) if lengths is None else lengths
        audio = self.encode_audio(wav, lengths.to(self.device))
        out: dict[str, torch.Tensor] = {}
        for kind in PAIRS:
            texts = batch.get(kind)
            if texts is None:
                continue
            keep = [i for i, t in enumerate(texts) if t.strip()]
            if len(keep) < 2:
                continue
            emb = self.encode_text([texts[i] for i in keep], kind=kind)
            out[f"loss_{kind}"] = self.contrastive_loss(emb, audio[keep])
        if not out:
            raise ValueError("batch has no pairs to contrast: give 'text' and/or 'lyrics' with at "
                             "least two non-empty entries")
        out["loss"] = torch.stack(list(out.values())).mean()
        out["logit_scale"] = self.logit_scale.detach().exp()
        return out

    # --- inference ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _inference(self) -> tp.Iterator[None]:
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                yield
        finally:
            self.train(was_training)

    def embed_text(self, texts: list[str], *, normalize: bool = True) -> torch.Tensor:
        """Descriptor texts -> [B, E] (L2-normalised unless `normalize=False`)."""
        texts = check_texts(texts)
        with self._inference():
            emb = self.encode_text(texts, kind="text")
        return F.normalize(emb, dim=-1) if normalize else emb

    def embed_lyrics(self, lyrics: list[str], *, normalize: bool = True) -> torch.Tensor:
        """Lyrics -> [B, E]. Empty (or whitespace-only) lyrics raise `ValueError`."""
        lyrics = check_texts(lyrics, what="lyrics")
        empty = [i for i, t in enumerate(lyrics) if not t.strip()]
        if empty:
            raise ValueError(f"lyrics #{empty[0]} is empty: instrumental items have no lyrics "
                             "embedding; embed their descriptor text or audio instead")
        with self._inference():
            emb = self.encode_text(lyrics, kind="lyrics")
        return F.normalize(emb, dim=-1) if normalize else emb

    def embed_audio(self, clips: tp.Sequence[torch.Tensor], *, sample_rate: int = 48_000,
                    batch_size: int = 16, allow_silent: bool = False,
                    normalize: bool = True) -> torch.Tensor:
        """Clips [2, T] (any lengths; mono is duplicated) -> [B, E].

        Clips at another `sample_rate` are resampled; each whole clip is embedded, batched by
        similar length. Raises `AudioInputError` for bad, too-short or silent clips.
        """
        if isinstance(clips, torch.Tensor) and clips.ndim == 3:
            clips = list(clips)
        if not clips:
            raise AudioInputError("no clips given: pass a non-empty list of [2, T] tensors")
        ready = [prepare_clip(c, i, sample_rate=sample_rate, target_rate=self.audio_sample_rate,
                              min_samples=self.min_audio_samples, allow_silent=allow_silent)
                 for i, c in enumerate(clips)]
        order = sorted(range(len(ready)), key=lambda i: -ready[i].shape[-1])
        out = torch.empty(len(ready), self.embed_dim, device=self.device)
        with self._inference():
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                wav, lengths = pad_batch([ready[i] for i in idx])
                emb = self.encode_audio(wav.to(self.device), lengths.to(self.device))
                out[torch.tensor(idx, device=self.device)] = emb.float()
        return F.normalize(out, dim=-1) if normalize else out

    @staticmethod
    def similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Cosine similarity [A, B] between embeddings a [A, E] (or [E]) and b [B, E]."""
        a, b = torch.atleast_2d(a), torch.atleast_2d(b)
        return F.normalize(a.float(), dim=-1) @ F.normalize(b.float(), dim=-1).t()

    def rank(self, query: torch.Tensor,
             candidates: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Order candidates [N, E] by similarity to one query [E] (or [1, E]), best first.

        Returns:
            order: [N] long, candidate indices best first; scores: [N] their similarities.
        """
        if query.ndim == 2 and query.shape[0] != 1:
            raise ValueError(f"rank takes one query, got {query.shape[0]}; use similarity() for "
                             "many")
        scores = self.similarity(query, candidates)[0]
        order = torch.argsort(scores, descending=True, stable=True)
        return order, scores[order]


class TextTower(nn.Module):
    """A transformers encoder + masked mean pool: texts -> [B, width].

    Args:
        source: local Hugging Face folder; None = the bundled MiniLM. Ignored with `scratch`.
        scratch: kwargs for `create_tiny_text_backbone` (file-free byte-level BERT).
        freeze: keep the encoder weights fixed (only heads train).
    """

    def __init__(self, *, source: str | None = None, scratch: dict | None = None,
                 freeze: bool = False) -> None:
        super().__init__()
        if scratch is not None:
            self.tokenizer, self.encoder = create_tiny_text_backbone(**scratch)
        else:
            self.tokenizer, self.encoder = load_text_backbone(source)
        self.width = int(self.encoder.config.hidden_size)
        self.freeze = freeze
        # a frozen encoder read from files is rebuilt from them: packs need not store it
        self.external = freeze and scratch is None
        self.encoder.requires_grad_(not freeze)

    def train(self, mode: bool = True) -> TextTower:
        """A frozen encoder stays in eval mode (no dropout) while the heads train."""
        super().train(mode)
        if self.freeze:
            self.encoder.eval()
        return self

    def forward(self, texts: list[str], *, max_length: int) -> torch.Tensor:
        """Mean-pooled token features [B, width] of B texts."""
        device = next(self.encoder.parameters()).device
        tok = self.tokenizer(texts, max_length=max_length, padding=True, truncation=True,
                             return_tensors="pt")
        mask = tok["attention_mask"].to(device)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze):
            hidden = self.encoder(input_ids=tok["input_ids"].to(device),
                                  attention_mask=mask).last_hidden_state
        return masked_mean(hidden, mask.bool())


class Clasp(ClaspBase):
    """Whole-clip CLASP: shared text tower with lyrics/text heads, audio tower, temperature.

    Args:
        text_tower: encoder of lyrics and descriptor texts.
        audio_tower: whole-clip audio encoder.
        embed_dim: shared space size E.
        loss: "infonce" or "sigmoid".
        init_logit_scale: log of the initial inverse temperature.
        init_logit_bias: initial bias of the sigmoid loss.
        max_logit_scale: clamp of the learnable log inverse temperature.
        text_max_length / lyrics_max_length: token limits.
    """

    def __init__(self, *, text_tower: TextTower, audio_tower: AudioTower, embed_dim: int = 512,
                 loss: str = "infonce", init_logit_scale: float = math.log(1 / 0.07),
                 init_logit_bias: float = -10.0, max_logit_scale: float = math.log(100.0),
                 text_max_length: int = 128, lyrics_max_length: int = 512) -> None:
        super().__init__()
        if loss not in ("infonce", "sigmoid"):
            raise ValueError(f"unknown CLASP loss {loss!r}; use 'infonce' or 'sigmoid'")
        self.text_tower, self.audio_tower = text_tower, audio_tower
        self.embed_dim, self.loss_type, self.max_logit_scale = embed_dim, loss, max_logit_scale
        self.max_length = {"text": text_max_length, "lyrics": lyrics_max_length}
        self.text_proj = nn.Linear(text_tower.width, embed_dim)
        self.lyrics_proj = nn.Linear(text_tower.width, embed_dim)
        self.audio_proj = nn.Linear(audio_tower.width, embed_dim)
        self._logit_scale = nn.Parameter(torch.tensor(float(init_logit_scale)))
        bias = torch.tensor(float(init_logit_bias))
        if loss == "sigmoid":
            self.logit_bias = nn.Parameter(bias)
        else:  # unused by InfoNCE: a buffer, so DDP sees no parameter without a gradient
            self.register_buffer("logit_bias", bias)
        self.audio_sample_rate = audio_tower.sample_rate
        self.min_audio_samples = audio_tower.min_samples

    @property
    def logit_scale(self) -> torch.Tensor:  # type: ignore[override]
        return self._logit_scale.clamp(max=self.max_logit_scale)

    @property
    def external_state_prefixes(self) -> tuple[str, ...]:
        """State-dict prefixes a model pack leaves out (a frozen text encoder from files)."""
        return ("text_tower.encoder.",) if self.text_tower.external else ()

    def encode_text(self, texts: list[str], *, kind: str) -> torch.Tensor:
        """Raw projections [B, E] of texts; `kind` is "text" or "lyrics"."""
        pooled = self.text_tower(texts, max_length=self.max_length[kind])
        return (self.lyrics_proj if kind == "lyrics" else self.text_proj)(pooled)

    def encode_audio(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Raw projections [B, E] of padded audio [B, 2, T] with valid `lengths` [B]."""
        return self.audio_proj(self.audio_tower(wav, lengths))


# --- configs ---------------------------------------------------------------------------------

DEFAULTS: dict[str, tp.Any] = {
    "architecture": "ainur",  # or "clip_compat" (the published CLASP, see clasp_compat.py)
    "embed_dim": 512,
    "loss": "infonce",
    "init_logit_scale": math.log(1 / 0.07),
    "init_logit_bias": -10.0,
    "text_max_length": 128,
    "lyrics_max_length": 512,
    "text": {"source": None, "scratch": None, "freeze": False},
    "audio": {},
}


def _merged(cfg: dict) -> dict:
    inner = cfg.get("config", cfg) if cfg.get("type", "clasp") == "clasp" else None
    if inner is None:
        raise ValueError(f"not a CLASP config: type is {cfg.get('type')!r}, expected 'clasp'")
    unknown = set(inner) - set(DEFAULTS) - {"clip"}
    if unknown:
        raise ValueError(f"unknown CLASP config keys {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    merged = {**DEFAULTS, **inner}
    merged["text"] = {**DEFAULTS["text"], **inner.get("text", {})}
    return merged


def create_clasp_from_config(cfg: dict) -> ClaspBase:
    """Build a CLASP model from `{"type": "clasp", "config": {...}}` (or the inner dict)."""
    c = _merged(cfg)
    if c["architecture"] == "clip_compat":
        from ainur_studio.models.clasp_compat import create_compat_clasp

        return create_compat_clasp(c)
    if c["architecture"] != "ainur":
        raise ValueError(f"unknown CLASP architecture {c['architecture']!r}; use 'ainur' or "
                         "'clip_compat'")
    return Clasp(text_tower=TextTower(**c["text"]), audio_tower=AudioTower(**c["audio"]),
                 embed_dim=c["embed_dim"], loss=c["loss"], init_logit_scale=c["init_logit_scale"],
                 init_logit_bias=c["init_logit_bias"], text_max_length=c["text_max_length"],
                 lyrics_max_length=c["lyrics_max_length"])


def save_clasp(model: ClaspBase, folder: str | Path, config: dict) -> Path:
    """Write `model_config.json` + `model.safetensors` (config embedded) into `folder`."""
    from safetensors.torch import save_model

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(config, indent=2)
    (folder / "model_config.json").write_text(text + "\n", encoding="utf-8")
    save_model(model, str(folder / "model.safetensors"), metadata={"config": text})
    return folder


def load_clasp(folder: str | Path, *, device: str | torch.device = "cpu") -> ClaspBase:
    """Rebuild a CLASP model from a folder written by `save_clasp` (safetensors only)."""
    from safetensors.torch import load_model

    folder = Path(folder)
    cfg_path, weights = folder / "model_config.json", folder / "model.safetensors"
    for p in (cfg_path, weights):
        if not p.is_file():
            raise FileNotFoundError(f"{p} is missing: a CLASP folder holds model_config.json and "
                                    "model.safetensors")
    model = create_clasp_from_config(json.loads(cfg_path.read_text(encoding="utf-8")))
    load_model(model, str(weights), device=str(device))
    return model.to(device).eval()
