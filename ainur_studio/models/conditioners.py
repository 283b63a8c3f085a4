"""Conditioners of the latent prior beyond the text tokens.

- `ClaspConditioner`: a CLASP vector (lyrics or reference audio) as context channels, with a
  learned null vector for condition dropout and CLASP guidance. Two layouts: `"project"` (ours:
  a linear map to a few channels broadcast over time) and `"ainur"` (the published one: the
  raw vector is one channel whose length must equal the sequence length at its depth).
- `LyricsTrackConditioner`: beyond Ainur, a frame-aligned lyrics track: at each latent frame,
  the embedding of the line being sung projected to a few channels, a "singing" flag, the
  position inside the line (0 -> 1) and a "lyrics known" flag. Unknown lyrics (or dropout)
  give all zeros, which is also the null track.
"""

from __future__ import annotations

import typing as tp

import torch
from torch import nn

from ainur_studio.lyrics.align import active_line_index, line_spans
from ainur_studio.types import Lyrics

TRACK_FLAGS = 3  # singing, position in line, lyrics known


class ClaspConditioner(nn.Module):
    """CLASP vector [B, E] -> context channels.

    Args:
        features: E, the CLASP embedding width.
        channels: output channels k for `"project"`; must be 1 for `"ainur"`.
        layout: `"project"` (Linear E -> k, broadcast over the L frames) or `"ainur"` (the
            vector itself as one channel of length E).
    """

    def __init__(self, *, features: int, channels: int, layout: str = "project") -> None:
        super().__init__()
        if layout not in ("project", "ainur"):
            raise ValueError(f"unknown CLASP layout {layout!r}; use 'project' or 'ainur'")
        if layout == "ainur" and channels != 1:
            raise ValueError("the 'ainur' CLASP layout injects exactly 1 channel")
        self.features, self.channels, self.layout = features, channels, layout
        self.null = nn.Parameter(torch.zeros(features))
        self.proj = nn.Linear(features, channels) if layout == "project" else None

    def vectors(self, clasp: torch.Tensor | None, batch: int, *,
                drop: torch.Tensor | None = None) -> torch.Tensor:
        """The vectors to inject: `clasp` [B, E] with dropped rows (or all, when None) replaced
        by the learned null vector."""
        null = self.null.expand(batch, -1)
        if clasp is None:
            return null
        if clasp.shape != (batch, self.features):
            raise ValueError(f"CLASP vectors must be [B, E] = [{batch}, {self.features}], got "
                             f"{tuple(clasp.shape)}; was the CLASP model of another pack used?")
        clasp = clasp.to(null.dtype)
        return clasp if drop is None else torch.where(drop[:, None], null, clasp)

    def forward(self, vectors: torch.Tensor, length: int) -> torch.Tensor:
        """vectors [B, E] -> [B, k, length] (project) or [B, 1, E] (ainur, length must be E)."""
        if self.proj is None:
            if length != self.features:
                raise ValueError(f"the 'ainur' CLASP layout needs sequence length {self.features} "
                                 f"at its depth, got {length}")
            return vectors[:, None, :]
        return self.proj(vectors)[:, :, None].expand(-1, -1, length)


def embed_lines(encode: tp.Callable[..., tuple[torch.Tensor, torch.Tensor]],
                texts: list[str]) -> torch.Tensor:
    """Mean-pooled token embeddings of texts [N, D] from `encode(texts) -> (emb, mask)`."""
    emb, mask = encode(texts)
    weights = mask.to(emb.dtype).unsqueeze(-1)
    return (emb * weights).sum(1) / weights.sum(1).clamp(min=1.0)


def line_positions(lyrics: Lyrics, index: list[int], frame_rate: float) -> torch.Tensor:
    """For each frame, how far into its active line it is (0 at the start, 1 at the end)."""
    spans = line_spans(lyrics)
    out = torch.zeros(len(index))
    for f, li in enumerate(index):
        if li >= 0:
            span = spans[li]
            t_ms = (f + 0.5) / frame_rate * 1000.0
            out[f] = (t_ms - span.start_ms) / max(span.end_ms - span.start_ms, 1)
    return out.clamp(0.0, 1.0)


class LyricsTrackConditioner(nn.Module):
    """Per-frame lyrics timing -> `channels + 3` context channels [B, k + 3, L].

    Args:
        text_features: D, width of the text encoder used to embed each line.
        channels: k, channels of the projected line embedding.
    """

    def __init__(self, *, text_features: int, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.out_channels = channels + TRACK_FLAGS
        self.proj = nn.Linear(text_features, channels)

    def forward(self, lyrics: tp.Sequence[Lyrics | None], n_frames: int, frame_rate: float, *,
                encode: tp.Callable[..., tuple[torch.Tensor, torch.Tensor]],
                drop: torch.Tensor | None = None) -> torch.Tensor:
        """Build the track of a batch.

        Args:
            lyrics: B documents (times relative to the latent's first frame) or None (unknown).
            n_frames: L.
            frame_rate: latent frames per second.
            encode: text encoder, `encode(texts) -> (emb [N, T, D], mask [N, T])`.
            drop: [B] bool, rows to replace by the null (all-zero) track.

        Returns:
            [B, k + 3, L].
        """
        device, dtype = self.proj.weight.device, self.proj.weight.dtype
        out = torch.zeros(len(lyrics), self.out_channels, n_frames, device=device, dtype=dtype)
        for b, doc in enumerate(lyrics):
            if doc is None or (drop is not None and bool(drop[b])):
                continue
            out[b, -1] = 1.0  # lyrics known
            index = active_line_index(doc, n_frames, frame_rate)
            sung = sorted({i for i in index if i >= 0})
            if not sung:
                continue
            lines = self.proj(embed_lines(encode, [doc.lines[i].text for i in sung]).to(dtype))
            where = torch.tensor(index, device=device)
            row = torch.zeros(n_frames, dtype=torch.long, device=device)
            for j, li in enumerate(sung):
                row[where == li] = j
            singing = (where >= 0).to(dtype)
            out[b, : self.channels] = lines[row].t() * singing
            out[b, self.channels] = singing
            out[b, self.channels + 1] = line_positions(doc, index, frame_rate).to(device, dtype)
        return out
