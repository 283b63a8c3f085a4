"""What every CLASP variant shares: the inference API (`embed_text`, `embed_lyrics`,
`embed_audio`, `similarity`, `rank`), the contrastive losses (symmetric InfoNCE, SigLIP-style
sigmoid) and their DDP gather. `clasp.Clasp` and `clasp_compat.ClaspCompat` build on it."""

from __future__ import annotations

import contextlib
import typing as tp

import torch
import torch.nn.functional as F
from torch import nn

from ainur_studio.models.clasp_audio import AudioInputError, pad_batch, prepare_clip
from ainur_studio.models.text_encoder import check_texts

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
