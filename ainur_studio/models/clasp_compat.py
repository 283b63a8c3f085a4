"""Compatibility CLASP: the published architecture, so its checkpoint can be loaded.

The published CLASP is a transformers `CLIPModel` built from the default `CLIPConfig` with 512
text positions; its parameters live under `clip.` here, with CLIPModel's own names. Audio goes
through its mel pipeline: n_fft 1024, hop 256, 80 HTK mel bands without norm, magnitude,
384-sample reflect padding and `center=False`; ^0.25 after scaling to [0, 1]; both channels
stacked to [160, frames]; repeated to 3 planes; short side resized to 224; centre crop 224x224;
CLIP mean/std.

Deliberate differences, documented: the mel is scaled by the max of *each clip* rather than of
the whole batch (published quirk 2: a clip's embedding must not depend on its neighbours), and
the image resize is torch bicubic with antialiasing rather than the CLIP image processor (quirk
3). Like the published model, the audio tower still sees only the centre ~0.85 s of a 21.8 s
clip (quirk 1); the "ainur" architecture in `clasp.py` fixes that. The CLIP BPE tokenizer
(`openai/clip-vit-base-patch32`) is read from a local folder given as `text.source`.
"""

from __future__ import annotations

import typing as tp
from pathlib import Path

import torch
import torch.nn.functional as F

from ainur_studio.models.clasp_audio import make_buffers_constant
from ainur_studio.models.clasp_base import ClaspBase
from ainur_studio.models.text_encoder import TextEncoderError

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class ClaspCompat(ClaspBase):
    """Published CLASP (CLIP text tower on lyrics, ViT-B/32 on a mel "image").

    Args:
        clip_config: kwargs for `transformers.CLIPConfig` (default: 512 text positions).
        tokenizer_source: local folder with the CLIP tokenizer, or None (text encoding then
            raises a clear error).
        loss: "infonce" (published) or "sigmoid".
        text_max_length: token limit (512 in the published model).
        sample_rate: audio rate (48 kHz).
    """

    def __init__(self, *, clip_config: dict | None = None, tokenizer_source: str | None = None,
                 loss: str = "infonce", text_max_length: int = 512,
                 sample_rate: int = 48_000) -> None:
        super().__init__()
        import torchaudio
        from transformers import CLIPConfig, CLIPModel

        cfg = dict(clip_config or {"text_config": {"max_position_embeddings": 512}})
        self.clip = CLIPModel(CLIPConfig(**cfg))
        self.embed_dim = int(self.clip.config.projection_dim)
        self.image_size = int(self.clip.config.vision_config.image_size)
        self.loss_type, self.text_max_length = loss, text_max_length
        self.audio_sample_rate, self.min_audio_samples = sample_rate, 1024
        self.register_buffer("logit_bias", torch.tensor(-10.0), persistent=False)
        self.register_buffer("pixel_mean", torch.tensor(CLIP_MEAN)[:, None, None], persistent=False)
        self.register_buffer("pixel_std", torch.tensor(CLIP_STD)[:, None, None], persistent=False)
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=sample_rate, n_fft=1024, win_length=1024, hop_length=256, n_mels=80,
            power=1.0, center=False, norm=None, mel_scale="htk")
        make_buffers_constant(self.mel)
        self.tokenizer = None
        if tokenizer_source is not None:
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_source, local_files_only=True)

    @property
    def logit_scale(self) -> torch.Tensor:  # type: ignore[override]
        return self.clip.logit_scale

    def encode_text(self, texts: list[str], *, kind: str) -> torch.Tensor:
        """Raw projected CLIP text features [B, E] (lyrics and descriptors share the tower)."""
        if self.tokenizer is None:
            raise TextEncoderError(
                "the compatibility CLASP needs the CLIP tokenizer (openai/clip-vit-base-patch32) "
                "in a local folder; set it as text.source in the config")
        tok = self.tokenizer([t.lower() for t in texts], max_length=self.text_max_length,
                             padding=True, truncation=True, return_tensors="pt")
        out = self.clip.text_model(input_ids=tok["input_ids"].to(self.device),
                                   attention_mask=tok["attention_mask"].to(self.device))
        return self.clip.text_projection(out.pooler_output)

    def mel_image(self, wav: torch.Tensor) -> torch.Tensor:
        """One clip [2, T] -> the normalised CLIP input [3, S, S]."""
        mag = self.mel(F.pad(wav[None], (384, 384), mode="reflect")[0])  # (2, 80, F)
        mag = (mag / mag.amax().clamp(min=1e-8)) ** 0.25
        plane = mag.reshape(1, 1, -1, mag.shape[-1])  # (1, 1, 160, F)
        s = self.image_size
        h, w = plane.shape[-2:]
        size = (s, max(s, round(w * s / h))) if h <= w else (max(s, round(h * s / w)), s)
        img = F.interpolate(plane, size=size, mode="bicubic", antialias=True, align_corners=False)
        top, left = (img.shape[-2] - s) // 2, (img.shape[-1] - s) // 2
        img = img[0, :, top:top + s, left:left + s].expand(3, s, s)
        return (img - self.pixel_mean) / self.pixel_std

    def encode_audio(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Raw projected CLIP image features [B, E] of padded audio [B, 2, T]."""
        images = torch.stack([self.mel_image(w[:, : int(n)]) for w, n in zip(wav, lengths, strict=True)])
        out = self.clip.vision_model(pixel_values=images)
        return self.clip.visual_projection(out.pooler_output)


def create_compat_clasp(c: dict[str, tp.Any]) -> ClaspCompat:
    """Build from a merged CLASP config (see `clasp.DEFAULTS`) with architecture clip_compat."""
    return ClaspCompat(clip_config=c.get("clip"), tokenizer_source=c["text"].get("source"),
                       loss=c["loss"], text_max_length=c["lyrics_max_length"])


_PREFIXES = ("model.", "module.", "clip.")


def load_published_weights(model: ClaspCompat, path: str | Path) -> None:
    """Load CLIPModel weights from a safetensors file into `model.clip`.

    Keys may be bare CLIPModel names or carry `model.` / `module.` / `clip.` prefixes (as in
    training checkpoints). Pickled checkpoints (.ckpt, .bin) are refused: convert them to
    safetensors first in a trusted environment. Buffers like `position_ids` may be absent.

    Raises:
        ValueError: the file is not safetensors or its tensors do not match the model.
    """
    from safetensors.torch import load_file

    path = Path(path)
    if path.suffix != ".safetensors":
        raise ValueError(f"{path.name}: only .safetensors weights are loaded (pickled "
                         "checkpoints can run code); convert it first")
    tensors = {}
    for key, value in load_file(str(path)).items():
        while key.startswith(_PREFIXES):
            key = key.split(".", 1)[1]
        tensors[key] = value
    result = model.clip.load_state_dict(tensors, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("position_ids")]
    if missing or result.unexpected_keys:
        raise ValueError(f"{path.name} does not match the compatibility CLASP: missing "
                         f"{missing[:5]}, unexpected {result.unexpected_keys[:5]}")
