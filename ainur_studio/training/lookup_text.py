"""Text models as tables: captions' text features computed once, looked up in training.

A caption bundle (`caption_bundles`) carries, per caption, the token embeddings the prior's
frozen text encoder gives and the pooled features CLASP's frozen text tower gives. With
`RunSpec.text_features` "lookup", the recipes train with `LookupTextEncoder` and
`LookupTextTower` in place of those models (`lookup_packs` builds packs that way), so no text
model is loaded: a machine without its files (e.g. the MiniLM package) trains all the same.
A text the table does not hold raises `MissingTextFeatures` naming it.
"""

from __future__ import annotations

import typing as tp

import torch
from torch import nn


class MissingTextFeatures(ValueError):
    """A text was looked up that the table has no features for."""


class CaptionFeatures:
    """caption -> token embeddings [n, D] (real tokens only) and pooled features [W].

    Args:
        tokens, pooled: the two tables, keyed by caption.
        where: what the features came from (named in errors).
    """

    def __init__(self, tokens: dict[str, torch.Tensor], pooled: dict[str, torch.Tensor], *,
                 where: str) -> None:
        self.tokens, self.pooled, self.where = tokens, pooled, where

    @property
    def token_width(self) -> int:
        return int(next(iter(self.tokens.values())).shape[-1])

    @property
    def pooled_width(self) -> int:
        return int(next(iter(self.pooled.values())).shape[-1])

    def _get(self, table: dict[str, torch.Tensor], text: str) -> torch.Tensor:
        try:
            return table[text]
        except KeyError:
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise MissingTextFeatures(
                f"no precomputed text features for {shown!r} in {self.where} (it holds "
                f"{len(table)} captions); use the bundle's captions (preview prompts too), or "
                "train with text_features 'encoder' on a machine with the text model") from None

    def token_batch(self, texts: tp.Sequence[str], max_length: int | None = None
                    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(emb [B, N, D] zero-padded, mask [B, N] bool) as the text encoder gives them: N is
        the longest text's token count, each cut at `max_length`."""
        rows = [self._get(self.tokens, t).float()[:max_length] for t in texts]
        n = max(r.shape[0] for r in rows)
        emb = torch.zeros(len(rows), n, self.token_width)
        mask = torch.zeros(len(rows), n, dtype=torch.bool)
        for b, r in enumerate(rows):
            emb[b, : r.shape[0]], mask[b, : r.shape[0]] = r, True
        return emb, mask

    def pooled_batch(self, texts: tp.Sequence[str]) -> torch.Tensor:
        """[B, W] pooled features."""
        return torch.stack([self._get(self.pooled, t).float() for t in texts])


class _OnDevice(nn.Module):
    """A module with no weights that returns its tensors where it has been moved."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("_anchor", torch.empty(0), persistent=False)

    @property
    def device(self) -> torch.device:
        return self._anchor.device


class LookupTextEncoder(_OnDevice):
    """The prior's text encoder as a table: `(texts, max_length=) -> (emb, mask)`."""

    def __init__(self, table: CaptionFeatures) -> None:
        super().__init__()
        self.table, self.embedding_features = table, table.token_width

    def forward(self, texts: list[str], *, max_length: int | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        emb, mask = self.table.token_batch(texts, max_length)
        return emb.to(self.device), mask.to(self.device)


class LookupTextTower(_OnDevice):
    """CLASP's text tower as a table: `(texts, max_length=) -> pooled [B, W]`.

    Args:
        table: the features.
        encoder: the replaced tower's encoder when the pack stores its weights (a file-free
            scratch tower): kept, unused and untrained, so the weights are saved as they came.
            None for a tower read from files (its weights are external to packs).
    """

    freeze = True

    def __init__(self, table: CaptionFeatures, *, encoder: nn.Module | None = None) -> None:
        super().__init__()
        self.table, self.width = table, table.pooled_width
        self.external = encoder is None
        if encoder is not None:
            self.encoder = encoder.requires_grad_(False)

    def forward(self, texts: list[str], *, max_length: int) -> torch.Tensor:
        return self.table.pooled_batch(texts).to(self.device)
