"""Stage 2 of the hierarchy: the latent diffusion prior, a 1-D U-Net (`UNetV0`).

State-dict compatible with `UNetV0` of audio-diffusion-pytorch 0.1.3 / a-unet 0.0.16 as built
with `use_embedding_cfg` and without its built-in T5 (`use_text_conditioning=False`): the same
parameter names and shapes and, in float32, the same outputs (checked against a fixture made
with those packages, `scripts/make_prior_parity_fixture.py`). Checkpoints of the published
Ainur prior (built *with* the T5 plugin) load after `convert_text_conditioned_state_dict`.

The network predicts the v-objective target from a noisy latent `x [B, C, L]` and `sigma` in
[0, 1], cross-attends to text tokens `[B, N, D]` and takes per-depth context channels (the
CLASP vector injected as one channel of length 512 at depth 2 in Ainur).

Beyond the published network:
- `embedding_mask` [B, N] (True = real token) is a key padding mask in cross-attention; the
  published model attended to pad tokens (reference quirk 6). None keeps that behaviour.
- Classifier-free guidance runs conditional and unconditional passes as ONE batched forward;
  `null_embedding(batch, length)` gives the learned null tokens to wrappers that batch
  themselves.
- Lengths: `L` must be a multiple of `length_multiple` (the product of `factors`: 32 for
  Ainur); anything else raises a `ValueError` naming the nearest valid lengths.
- Precision and compilation: runs in bf16 weights or under autocast (the time features are
  computed in float32), and traces as one graph under `torch.compile(fullgraph=True)`. Prefer
  float32 on CPUs without native bf16 arithmetic, where bf16 is many times slower.

The published Ainur prior (reference §4.1) is `UNetV0(**AINUR_PRIOR_ARGS)`:
in_channels 32, channels [128, 256, 512, 512, 1024, 1024], factors [1, 2, 2, 2, 2, 2],
items [2, 2, 2, 4, 8, 8], attentions [0, 0, 1, 1, 1, 1], cross_attentions [1, 1, 1, 1, 1, 1],
attention_heads 12, attention_features 64, embedding_features 768, embedding_max_length 64,
use_embedding_cfg True, context_channels [0, 0, 1, 0, 0, 0] (CLASP at depth 2), resnet_groups 8,
modulation_features 1024. Counted on the meta device it has 563,609,920 distinct parameters
(564,659,520 state-dict values: the time MLP's one shared Linear is stored twice, which the
reference doc's analytic ~564.7 M counts twice too).
"""

from __future__ import annotations

import math
import typing as tp

import torch
from torch import Tensor, nn

from ainur_studio.modules.attention import check_context_mask
from ainur_studio.modules.embeddings import NullEmbedding, NumberEmbedding, TimeMLP
from ainur_studio.modules.unet_blocks import UNetTrunk
from ainur_studio.modules.unet_items import UNetConditioning
from ainur_studio.modules.unet_spec import SharedSpec, check_specs, make_level_specs

AINUR_PRIOR_ARGS: dict[str, tp.Any] = {
    "in_channels": 32,
    "channels": [128, 256, 512, 512, 1024, 1024],
    "factors": [1, 2, 2, 2, 2, 2],
    "items": [2, 2, 2, 4, 8, 8],
    "attentions": [0, 0, 1, 1, 1, 1],
    "cross_attentions": [1, 1, 1, 1, 1, 1],
    "attention_heads": 12,
    "attention_features": 64,
    "embedding_features": 768,
    "embedding_max_length": 64,
    "use_embedding_cfg": True,
    "context_channels": [0, 0, 1, 0, 0, 0],
}


class _GuidedTrunk(nn.Module):
    """Null tokens beside the trunk. Layout: `blocks.0` (NullEmbedding), `blocks.1` (trunk)."""

    def __init__(self, *, null_embedding: NullEmbedding, trunk: UNetTrunk) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([null_embedding, trunk])


class UNetV0(nn.Module):
    """The latent prior U-Net (see the module docstring for the Ainur arguments).

    Layout: `blocks.0` (time `NumberEmbedding`), `blocks.1` (`TimeMLP`), `blocks.2` (the trunk,
    or with `use_embedding_cfg` a holder of the null tokens `blocks.2.blocks.0` and the trunk
    `blocks.2.blocks.1`).
    """

    def __init__(
        self,
        *,
        in_channels: int,
        channels: tp.Sequence[int],
        factors: tp.Sequence[int],
        items: tp.Sequence[int],
        attentions: tp.Sequence[int] | None = None,
        cross_attentions: tp.Sequence[int] | None = None,
        context_channels: tp.Sequence[int] | None = None,
        attention_features: int | None = None,
        attention_heads: int | None = None,
        embedding_features: int | None = None,
        resnet_groups: int = 8,
        modulation_features: int = 1024,
        embedding_max_length: int | None = None,
        use_embedding_cfg: bool = False,
        out_channels: int | None = None,
        use_modulation: bool = True,
        use_time_conditioning: bool = True,
        use_text_conditioning: bool = False,
        dim: int = 1,
    ) -> None:
        """Build the network.

        Args:
            in_channels: latent channels C of `x`.
            channels, factors, items, attentions, cross_attentions, context_channels: one
                entry per depth (see `ainur_studio.modules.unet_blocks`).
            attention_features: features per head; attention_heads: heads (both needed
                when any attention is on).
            embedding_features: width D of the cross-attention tokens.
            resnet_groups: GroupNorm groups (must divide every width).
            modulation_features: width of the time features.
            embedding_max_length: number of learned null tokens (CFG); max N.
            use_embedding_cfg: learn null tokens for classifier-free guidance.
            out_channels: output channels (default `in_channels`).
            use_modulation, use_time_conditioning, use_text_conditioning, dim: published
                switches, accepted so published configs load; only True, True, False, 1 are
                supported (text tokens come from the conditioners; the published Ainur
                checkpoint, built with the T5 plugin, loads through
                `convert_text_conditioned_state_dict`).
        """
        super().__init__()
        _check_switches(use_modulation, use_time_conditioning, use_text_conditioning, dim)
        levels = make_level_specs(channels, factors, items, attentions, cross_attentions,
                                  context_channels)
        shared = SharedSpec(modulation_features=modulation_features, resnet_groups=resnet_groups,
                            attention_heads=attention_heads,
                            attention_features=attention_features,
                            embedding_features=embedding_features)
        check_specs(levels, shared)
        self.in_channels = in_channels
        self.out_channels = out_channels if out_channels is not None else in_channels
        self.context_channels = [lv.context_channels for lv in levels]
        self.length_multiple = math.prod(lv.factor for lv in levels)
        self.uses_embedding = any(lv.cross_attentions for lv in levels)
        trunk = UNetTrunk(in_channels=in_channels, out_channels=self.out_channels,
                          levels=levels, shared=shared)
        body: nn.Module = trunk
        if use_embedding_cfg:
            if embedding_max_length is None or embedding_features is None:
                raise ValueError("use_embedding_cfg needs embedding_max_length and "
                                 "embedding_features")
            body = _GuidedTrunk(trunk=trunk, null_embedding=NullEmbedding(
                max_length=embedding_max_length, features=embedding_features))
        self.blocks = nn.ModuleList([NumberEmbedding(features=modulation_features),
                                     TimeMLP(features=modulation_features), body])

    @property
    def time_embedding(self) -> NumberEmbedding:
        """sigma -> Fourier features -> Linear."""
        return self.blocks[0]  # type: ignore[return-value]

    @property
    def time_mlp(self) -> TimeMLP:
        """The shared Linear -> GELU applied twice to the time embedding."""
        return self.blocks[1]  # type: ignore[return-value]

    @property
    def trunk(self) -> UNetTrunk:
        """The nested U-Net levels."""
        body = self.blocks[2]
        return body.blocks[1] if isinstance(body, _GuidedTrunk) else body  # type: ignore[return-value]

    @property
    def has_null_embedding(self) -> bool:
        """Whether the network learned null tokens (`use_embedding_cfg`)."""
        return isinstance(self.blocks[2], _GuidedTrunk)

    def null_embedding(self, batch_size: int, length: int) -> Tensor:
        """The learned "no text" tokens, for batched classifier-free guidance.

        Args:
            batch_size: B.
            length: N, the token count of the conditional embedding.

        Returns:
            [B, N, D] expanded view (no copy).
        """
        if not self.has_null_embedding:
            raise ValueError("this prior was built without use_embedding_cfg and has no null "
                             "embedding; classifier-free guidance is unavailable")
        return self.blocks[2].blocks[0](batch_size, length)

    def time_features(self, time: Tensor, batch_size: int) -> Tensor:
        """sigma [B] (or a scalar) -> time features [B, modulation_features]."""
        time = torch.as_tensor(time, device=self.time_embedding.weights.device)
        if time.ndim == 0:
            time = time.expand(batch_size)
        if time.shape != (batch_size,):
            raise ValueError(f"time must have shape [B] = [{batch_size}] (one sigma in [0, 1] "
                             f"per item), got {tuple(time.shape)}")
        return self.time_mlp(nn.functional.gelu(self.time_embedding(time)))

    def forward(
        self,
        x: Tensor,
        time: Tensor,
        *,
        embedding: Tensor | None = None,
        embedding_mask: Tensor | None = None,
        embedding_mask_proba: float = 0.0,
        embedding_scale: float = 1.0,
        channels: tp.Sequence[Tensor | None] | None = None,
    ) -> Tensor:
        """Predict v for a noisy latent.

        Args:
            x: [B, C, L], L a multiple of `length_multiple`.
            time: [B] sigma in [0, 1] (a scalar is broadcast).
            embedding: [B, N, D] text tokens (N <= embedding_max_length with CFG).
            embedding_mask: [B, N] bool, True = real token; None attends to all tokens.
            embedding_mask_proba: training-time probability of swapping an item's tokens for
                the null tokens (condition dropout).
            embedding_scale: classifier-free guidance scale; 1 = conditional only.
            channels: per-depth context channels, e.g. `[None, None, clasp [B, 1, 512]]`.

        Returns:
            v [B, out_channels, L].
        """
        self._check_input(x)
        features = self.time_features(time, x.shape[0])
        if embedding is not None:
            embedding = embedding.to(x.dtype)
            if embedding_mask is not None:
                check_context_mask(embedding_mask, embedding)
        elif self.uses_embedding:
            raise ValueError("this prior cross-attends to text and needs embedding [B, N, D]; "
                             "for no text pass null_embedding(B, N)")
        if (embedding_scale != 1.0 or embedding_mask_proba > 0.0) and not (
                self.has_null_embedding and embedding is not None):
            raise ValueError("embedding_scale != 1 and embedding_mask_proba > 0 need an "
                             "embedding and a prior built with use_embedding_cfg=True")
        if self.has_null_embedding and embedding is not None:
            if embedding_mask_proba > 0.0:
                embedding, embedding_mask = self._drop_embedding(
                    embedding, embedding_mask, embedding_mask_proba)
            if embedding_scale != 1.0:
                return self._forward_guided(x, features, embedding, embedding_mask, channels,
                                            embedding_scale)
        cond = UNetConditioning(features, embedding, embedding_mask, channels)
        return self.trunk(x, cond)

    def _forward_guided(
        self,
        x: Tensor,
        features: Tensor,
        embedding: Tensor,
        embedding_mask: Tensor | None,
        channels: tp.Sequence[Tensor | None] | None,
        scale: float,
    ) -> Tensor:
        """`uncond + (cond - uncond) * scale` from one forward over a doubled batch."""
        b, n = embedding.shape[:2]
        null = self.null_embedding(b, n).to(embedding.dtype)
        mask = None
        if embedding_mask is not None:
            mask = torch.cat([embedding_mask, torch.ones_like(embedding_mask)])  # (2B, N)
        doubled = None if channels is None else [
            None if c is None else torch.cat([c, c]) for c in channels]
        cond = UNetConditioning(torch.cat([features, features]),
                                torch.cat([embedding, null]), mask, doubled)
        out, out_null = self.trunk(torch.cat([x, x]), cond).chunk(2)
        return out_null + (out - out_null) * scale

    def _drop_embedding(
        self, embedding: Tensor, mask: Tensor | None, proba: float
    ) -> tuple[Tensor, Tensor | None]:
        """Swap whole items' tokens for the null tokens with probability `proba`."""
        b, n = embedding.shape[:2]
        drop = torch.rand(b, device=embedding.device) < proba  # (B,)
        null = self.null_embedding(b, n).to(embedding.dtype)
        embedding = torch.where(drop[:, None, None], null, embedding)
        if mask is not None:
            mask = mask | drop[:, None]
        return embedding, mask

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"prior input must be [B, {self.in_channels}, L], got "
                             f"{tuple(x.shape)}")
        length, m = x.shape[2], self.length_multiple
        if length == 0 or length % m:
            lower, upper = (length // m) * m, (length // m + 1) * m
            raise ValueError(f"prior input length {length} is not a multiple of {m} (the "
                             f"product of the U-Net factors); fix: pad or crop the latent to "
                             f"{upper}" + (f" or {lower}" if lower else "") + " frames")


def _check_switches(modulation: bool, time: bool, text: bool, dim: int) -> None:
    if not (modulation and time):
        raise ValueError("the prior needs use_modulation=True and use_time_conditioning=True "
                         "(a diffusion network is conditioned on sigma)")
    if text:
        raise ValueError("use_text_conditioning=True would embed a T5 inside the prior; text "
                         "is encoded by the conditioners instead: set it to False, pass tokens "
                         "as `embedding`, and convert published checkpoints with "
                         "convert_text_conditioned_state_dict")
    if dim != 1:
        raise ValueError(f"the prior is a 1-D U-Net; dim must be 1, got {dim}")


def convert_text_conditioned_state_dict(state: tp.Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Map a published Ainur prior state dict (built with the T5 plugin) onto `UNetV0`.

    The published network nests its T5 encoder at `blocks.2.blocks.0` and everything after it
    one level deeper (`blocks.2.blocks.1.*`). When T5 weights are present, this drops them
    (text is encoded by the conditioners) and lifts the rest by one level. A Lightning prefix
    (`prior.net.`) is removed. A state dict without T5 weights passes through.
    """
    prefix, t5 = "prior.net.", "blocks.2.blocks.0.transformer."
    state = {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in state.items()}
    if not any(k.startswith(t5) for k in state):
        return state
    nested = "blocks.2.blocks.1."
    return {("blocks.2." + k[len(nested):] if k.startswith(nested) else k): v
            for k, v in state.items() if not k.startswith(t5)}


def count_parameters(module: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of distinct parameters (shared tensors counted once); works on meta tensors."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def create_unet_from_config(cfg: tp.Mapping[str, tp.Any]) -> UNetV0:
    """Build a `UNetV0` from a config dict of constructor keyword arguments.

    A `"type"` key (used by the model registry to pick this factory) is ignored.

    Raises:
        ValueError: unknown keys (named in the message) or invalid values.
    """
    kwargs = {k: v for k, v in cfg.items() if k != "type"}
    allowed = set(tp.get_type_hints(UNetV0.__init__)) - {"return"}
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise ValueError(f"prior config: unknown keys {unknown}; allowed: {sorted(allowed)}")
    return UNetV0(**kwargs)
