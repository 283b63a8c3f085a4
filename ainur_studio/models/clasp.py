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

import json
import math
import typing as tp
from pathlib import Path

import torch
from torch import nn

from ainur_studio.models.clasp_audio import (
    AudioInputError,
    AudioTower,
    masked_mean,
)
from ainur_studio.models.clasp_base import ClaspBase, infonce_loss, sigmoid_loss
from ainur_studio.models.text_encoder import (
    SharedBackbone,
    create_tiny_text_backbone,
    load_text_backbone,
    module_device,
    shared_text_backbone,
)

__all__ = ["AudioInputError", "Clasp", "ClaspBase", "TextTower", "create_clasp_from_config",
           "infonce_loss", "load_clasp", "save_clasp", "sigmoid_loss"]

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
        self._shared: SharedBackbone | None = None
        if scratch is not None:
            self.tokenizer, self.encoder = create_tiny_text_backbone(**scratch)
        elif freeze:  # frozen: the same folder's backbone is built once and shared
            self._shared = shared_text_backbone(source)
            self.tokenizer, self.encoder = self._shared.tokenizer, self._shared.model
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
        device = module_device(self.encoder)
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
