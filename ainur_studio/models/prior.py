"""The prior: the latent diffusion model of a pack (`Prior`): the U-Net backbone (`unet.UNetV0`)
+ text tokens + CLASP channels + the frame-aligned lyrics and structure tracks, with learned
nulls for classifier-free guidance.

A prior with stems (config `"stems": {"roles": [...]}`) generates the stems of a take jointly:
its latent is `[B, S*C, L]`, the S stem latents stacked in `STEM_ROLES` order (`stems.py`);
without stems it works on the mix `[B, C, L]`, as the published Ainur prior does.

Condition groups (each can be dropped in training and guided at sampling):
- `text`: frozen text-encoder tokens, cross-attended; null = the prior's learned null tokens.
- `clasp`: the CLASP vector (L2-normalised lyrics or reference-audio embedding) and the lyrics
  track; null = the learned null CLASP vector and the all-zero track.
- `structure`: the structure track (grid, chords, notes per part, parts asked for); null = all
  groups zero. In training each of its groups is dropped on its own.

The text encoder is frozen and shared with the pack; it is attached, not owned, so it stays out
of this model's state dict.
"""

from __future__ import annotations

import math
import typing as tp
from dataclasses import dataclass

import torch
from torch import nn

from ainur_studio.diffusion.denoiser import VDenoiser, v_loss
from ainur_studio.lyrics.align import latent_frame_rate
from ainur_studio.models.conditioners import ClaspConditioner, LyricsTrackConditioner
from ainur_studio.models.stems import channel_mask, check_roles, join_stems, split_stems
from ainur_studio.models.structure_track import GROUPS, StructureTrackConditioner
from ainur_studio.models.unet import UNetV0
from ainur_studio.types import Lyrics, Structure


@dataclass
class Conditions:
    """Raw conditions of a batch of B items for a latent of L frames.

    Attributes:
        embedding: [B, N, D] text tokens; mask: [B, N] bool (True = real token).
        clasp: [B, E] CLASP vectors or None (no CLASP: the null vector).
        track: [B, k + 3, L] lyrics track or None (the model has none).
        n_frames: L.
        structure: [B, F, L] raw structure-track features or None (all null).
    """

    embedding: torch.Tensor
    mask: torch.Tensor
    clasp: torch.Tensor | None
    track: torch.Tensor | None
    n_frames: int
    structure: torch.Tensor | None = None

    @property
    def batch_size(self) -> int:
        return self.embedding.shape[0]


class Prior(nn.Module):
    """Conditioned v-objective prior over autoencoder latents [B, C, L] (mix) or stacked stem
    latents [B, S*C, L].

    Args:
        unet: the U-Net backbone (`unet.UNetV0`); its `context_channels` must match the
            conditioners.
        factors: the U-Net's per-depth downsampling factors.
        clasp: CLASP conditioner, injected at `clasp_depth`.
        lyrics_track: lyrics-track conditioner, injected at depth 0 (needs factors[0] == 1).
        sample_rate, downsampling_ratio: the autoencoder's, to place lyrics on frames.
        max_frames: longest latent generated in one window.
        fixed_frames: if set, the only latent length the network accepts (Ainur: 2048).
        text_features: width D of the text tokens.
        text_max_length: text tokens kept (at most the prior's null-token count).
        text_dropout, clasp_dropout: training probabilities of swapping in the nulls.
        latent_scale: the prior works on `latent_scale * z` for autoencoder latents z, so that
            its data has about unit variance (like Stable Diffusion's scale factor); latents
            enter through `to_prior` and leave through `from_prior`.
        roles: stem roles (subset of `STEM_ROLES`, in its order); () = the mix only.
        structure_track: structure-track conditioner (depth 0) or None.
        structure_dropout: training probability of nulling each structure group.
    """

    def __init__(self, *, unet: UNetV0, factors: tp.Sequence[int],
                 clasp: ClaspConditioner | None, clasp_depth: int = 0,
                 lyrics_track: LyricsTrackConditioner | None, sample_rate: int,
                 downsampling_ratio: int, max_frames: int, text_features: int,
                 fixed_frames: int | None = None,
                 text_max_length: int = 64, text_dropout: float = 0.1,
                 clasp_dropout: float = 0.1, latent_scale: float = 1.0,
                 roles: tp.Sequence[str] = (),
                 structure_track: StructureTrackConditioner | None = None,
                 structure_dropout: float = 0.1) -> None:
        super().__init__()
        if not math.isfinite(latent_scale) or latent_scale <= 0:
            raise ValueError(f"latent_scale must be a positive number, got {latent_scale!r}")
        self.latent_scale = float(latent_scale)
        self.unet, self.clasp, self.lyrics_track = unet, clasp, lyrics_track
        self.factors, self.clasp_depth = list(factors), clasp_depth
        self.sample_rate, self.downsampling_ratio = sample_rate, downsampling_ratio
        self.max_frames, self.fixed_frames = max_frames, fixed_frames
        self.text_max_length, self.text_features = text_max_length, text_features
        self.text_dropout, self.clasp_dropout = text_dropout, clasp_dropout
        self.roles = check_roles(roles)
        self.structure_track, self.structure_dropout = structure_track, structure_dropout
        if unet.in_channels % self.stem_count:
            raise ValueError(f"the U-Net's {unet.in_channels} channels do not split into "
                             f"{self.stem_count} stems")
        self._text_encoder: list[tp.Any] = []  # attached, not a submodule
        self._check_context_channels()
        self._register_load_state_dict_pre_hook(_read_legacy_names)

    # --- structure ----------------------------------------------------------------------

    @property
    def latent_channels(self) -> int:
        """C, the channels of one autoencoder latent (one stem, or the mix)."""
        return self.unet.in_channels // self.stem_count

    @property
    def net_channels(self) -> int:
        """S*C, the channels the network denoises (the noise to sample from)."""
        return self.unet.in_channels

    @property
    def has_stems(self) -> bool:
        return bool(self.roles)

    @property
    def stem_count(self) -> int:
        """S; 1 for a mix-only prior."""
        return max(1, len(self.roles))

    def split_stems(self, x: torch.Tensor) -> torch.Tensor:
        """[B, S*C, L] -> [B, S, C, L]."""
        return split_stems(x, self.stem_count)

    def join_stems(self, x: torch.Tensor) -> torch.Tensor:
        """[B, S, C, L] -> [B, S*C, L]."""
        return join_stems(x)

    def stem_slice(self, role: str) -> slice:
        """The channels of `role` in [B, S*C, L]."""
        if role not in self.roles:
            raise ValueError(f"this prior makes {list(self.roles) or 'only the mix'}; it has "
                             f"no {role!r} stem")
        i, c = self.roles.index(role), self.latent_channels
        return slice(i * c, (i + 1) * c)

    def channel_mask(self, roles: tp.Iterable[str]) -> torch.Tensor:
        """[1, S*C, 1] bool, True on the channels of `roles`."""
        return channel_mask(self.roles, roles, self.latent_channels, device=self.device)

    @property
    def length_multiple(self) -> int:
        return self.unet.length_multiple

    @property
    def frame_rate(self) -> float:
        return latent_frame_rate(self.sample_rate, self.downsampling_ratio)

    @property
    def clasp_features(self) -> int | None:
        return None if self.clasp is None else self.clasp.features

    def _context_counts(self) -> list[int]:
        counts = [0] * len(self.factors)
        if self.clasp is not None:
            counts[self.clasp_depth] += self.clasp.channels
        if self.lyrics_track is not None:
            if self.factors[0] != 1:
                raise ValueError("the lyrics track is injected at depth 0, which needs "
                                 f"factors[0] == 1, got {self.factors[0]}")
            counts[0] += self.lyrics_track.out_channels
        if self.structure_track is not None:
            if self.factors[0] != 1:
                raise ValueError("the structure track is injected at depth 0, which needs "
                                 f"factors[0] == 1, got {self.factors[0]}")
            counts[0] += self.structure_track.out_channels
        return counts

    def _check_context_channels(self) -> None:
        want, have = self._context_counts(), list(self.unet.context_channels)
        if want != have:
            raise ValueError(f"prior context_channels {have} do not match the conditioners, "
                             f"which need {want}; fix: set unet.context_channels to {want} or "
                             "leave it out of the config")

    def padded_frames(self, n_frames: int) -> int:
        """Latent length the network runs at for `n_frames` wanted frames."""
        if self.fixed_frames is not None:
            return self.fixed_frames
        m = self.length_multiple
        return max(m, math.ceil(n_frames / m) * m)

    # --- text -------------------------------------------------------------------------------

    def attach_text_encoder(self, encoder: tp.Any) -> None:
        """Use `encoder(texts, max_length=...) -> (emb [B, N, D], mask [B, N])` for text."""
        self._text_encoder[:] = [encoder]

    @property
    def text_encoder(self) -> tp.Any:
        if not self._text_encoder:
            raise RuntimeError("no text encoder attached; fix: call attach_text_encoder() "
                               "(load_pack does this)")
        return self._text_encoder[0]

    def encode_text(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """texts -> (embedding [B, N, D], mask [B, N]) on this model's device, padded to
        N = `text_max_length` so that any two conditionings batch together."""
        emb, mask = self.text_encoder(texts, max_length=self.text_max_length)
        if emb.shape[-1] != self.text_features:
            raise ValueError(f"the text encoder gives {emb.shape[-1]}-wide tokens, the prior "
                             f"expects {self.text_features}; use the pack's own text encoder")
        extra = self.text_max_length - emb.shape[1]
        if extra > 0:
            emb = torch.nn.functional.pad(emb, (0, 0, 0, extra))
            mask = torch.nn.functional.pad(mask, (0, extra), value=False)
        return emb.to(self.device), mask.to(self.device)

    @property
    def device(self) -> torch.device:
        return next(self.unet.parameters()).device

    # --- conditions -------------------------------------------------------------------------

    def conditions(self, *, texts: list[str], n_frames: int, clasp: torch.Tensor | None = None,
                   lyrics: tp.Sequence[Lyrics | None] | None = None,
                   structures: tp.Sequence[Structure | None] | None = None,
                   parts: torch.Tensor | None = None,
                   start_s: float | tp.Sequence[float] = 0.0) -> Conditions:
        """Encode the raw conditions of a batch (see `Conditions`).

        `structures` (B, times relative to the take's start), `parts` ([B, S] bool, the roles
        present) and `start_s` (take time of the first frame) feed the structure track; a
        prior without one ignores them.
        """
        emb, mask = self.encode_text(texts)
        track = None
        if self.lyrics_track is not None:
            docs = list(lyrics) if lyrics is not None else [None] * len(texts)
            if len(docs) != len(texts):
                raise ValueError(f"got {len(docs)} lyrics for {len(texts)} texts")
            track = self.lyrics_track(docs, n_frames, self.frame_rate,
                                      encode=self.text_encoder)
        if clasp is not None:
            clasp = clasp.to(self.device)
        structure = None
        if self.structure_track is not None and (structures is not None or parts is not None):
            docs = list(structures) if structures is not None else [None] * len(texts)
            structure = self.structure_track.build(docs, n_frames, self.frame_rate,
                                                   start_s=start_s, parts=parts)
        return Conditions(emb, mask, clasp, track, n_frames, structure)

    def branch(self, cond: Conditions, *, text: bool = True, clasp: bool = True,
               structure: bool = True, drop_text: torch.Tensor | None = None,
               drop_clasp: torch.Tensor | None = None,
               drop_structure: torch.Tensor | None = None) -> dict[str, tp.Any]:
        """Network keyword arguments with the text / CLASP / structure groups kept or nulled.

        Args:
            cond: raw conditions.
            text, clasp, structure: keep the group (False = null for the whole batch).
            drop_text, drop_clasp: [B] bool, per-row nulling (training dropout).
            drop_structure: [B, G] bool, per-row nulling of each structure group
                (`structure_track.GROUPS` order).
        """
        b, n = cond.embedding.shape[:2]
        emb, mask = cond.embedding, cond.mask
        if self.unet.has_null_embedding:
            drop = _rows(drop_text, b, emb.device, keep=text)
            null = self.unet.null_embedding(b, n).to(emb.dtype)
            emb = torch.where(drop[:, None, None], null, emb)
            mask = mask | drop[:, None]
        if not structure:
            drop_structure = torch.ones(b, len(GROUPS), dtype=torch.bool, device=emb.device)
        channels = self._channels(cond, _rows(drop_clasp, b, emb.device, keep=clasp),
                                  drop_structure)
        return {"embedding": emb, "embedding_mask": mask, "channels": channels}

    def _channels(self, cond: Conditions, drop: torch.Tensor,
                  drop_structure: torch.Tensor | None = None) -> list[torch.Tensor | None]:
        per_depth: list[list[torch.Tensor]] = [[] for _ in self.factors]
        length = cond.n_frames
        if self.clasp is not None:
            vectors = self.clasp.vectors(cond.clasp, cond.batch_size, drop=drop)
            at = length // math.prod(self.factors[: self.clasp_depth + 1])
            per_depth[self.clasp_depth].append(self.clasp(vectors, at))
        if cond.track is not None:
            per_depth[0].append(cond.track * (~drop).to(cond.track.dtype)[:, None, None])
        if self.structure_track is not None:
            feats = cond.structure
            if feats is None:
                feats = self.structure_track.empty(cond.batch_size, length)
            per_depth[0].append(self.structure_track(self.structure_track.null(
                feats, drop_structure)))
        return [torch.cat(c, dim=1) if c else None for c in per_depth]

    # --- latent space ----------------------------------------------------------------------

    def to_prior(self, z: torch.Tensor) -> torch.Tensor:
        """Autoencoder latents -> the prior's (scaled) space."""
        return z * self.latent_scale if self.latent_scale != 1.0 else z

    def from_prior(self, x: torch.Tensor) -> torch.Tensor:
        """The prior's space -> autoencoder latents."""
        return x / self.latent_scale if self.latent_scale != 1.0 else x

    # --- network ----------------------------------------------------------------------------

    def predict_v(self, x: torch.Tensor, s: torch.Tensor, *, embedding: torch.Tensor,
                  embedding_mask: torch.Tensor | None,
                  channels: tp.Sequence[torch.Tensor | None]) -> torch.Tensor:
        """v-prediction for x [B, C, L] at angles s [B] in [0, 1]."""
        return self.unet(x, s, embedding=embedding, embedding_mask=embedding_mask,
                          channels=channels)

    def denoiser(self) -> VDenoiser:
        """The sampler-facing denoiser `D(x, sigma, **branch) -> x0`."""
        return VDenoiser(self.predict_v)

    def training_losses(self, batch: dict[str, tp.Any]) -> dict[str, torch.Tensor]:
        """v-objective loss with condition dropout.

        Args:
            batch: "latents" [B, C, L] for a mix-only prior, [B, S*C, L] for one with stems
                (each clip's stem latents in `roles` order; a role absent from a clip holds
                the autoencoder's latent of silence, `stems.silent_latent`); L a multiple of
                `length_multiple`. "texts" (B strings), optional "lyrics" (B `Lyrics`
                relative to the crop start, or None), "clasp" [B, E] (L2-normalised CLASP
                vectors; None = no CLASP), "structure" (B `Structure`s relative to the crop
                start, or None), "structure_start_s" (B take times of the crop starts, when
                the structures are relative to the take instead) and "parts" [B, S] bool
                (the roles present; default: each structure's parts).

        Returns:
            {"loss": scalar}.
        """
        z = self.to_prior(batch["latents"].to(self.device))
        b, channels, length = z.shape
        self.check_training_latents(channels, length)
        structures, parts = batch.get("structure"), batch.get("parts")
        cond = self.conditions(texts=list(batch["texts"]), n_frames=length,
                               clasp=batch.get("clasp"), lyrics=batch.get("lyrics"),
                               structures=structures,
                               parts=None if parts is None else torch.as_tensor(parts),
                               start_s=batch.get("structure_start_s", 0.0))
        drop_t = torch.rand(b, device=z.device) < self.text_dropout
        drop_c = torch.rand(b, device=z.device) < self.clasp_dropout
        drop_s = None  # drawn only with a structure track: mix-only training draws as before
        if self.structure_track is not None:
            drop_s = torch.rand(b, len(GROUPS), device=z.device) < self.structure_dropout
        kwargs = self.branch(cond, drop_text=drop_t, drop_clasp=drop_c, drop_structure=drop_s)
        return {"loss": v_loss(self.predict_v, z, cond=kwargs)}

    def check_training_latents(self, channels: int, length: int) -> None:
        """Raise a `ValueError` naming the expected layout unless training latents of
        `channels` x `length` fit this prior."""
        if channels != self.net_channels:
            layout = (f"{self.stem_count} stems ({', '.join(self.roles)}) of "
                      f"{self.latent_channels} channels stacked role by role"
                      if self.has_stems else f"the mix's {self.latent_channels} channels")
            raise ValueError(f"training latents have {channels} channels; this prior expects "
                             f"{self.net_channels}: {layout}")
        if length % self.length_multiple or (self.fixed_frames and length != self.fixed_frames):
            raise ValueError(f"training latents have {length} frames; they must be a multiple "
                             f"of {self.length_multiple}" + (
                                 f" and equal {self.fixed_frames}" if self.fixed_frames else ""))


def _rows(drop: torch.Tensor | None, b: int, device: torch.device, *, keep: bool) -> torch.Tensor:
    if not keep:
        return torch.ones(b, dtype=torch.bool, device=device)
    if drop is None:
        return torch.zeros(b, dtype=torch.bool, device=device)
    return drop.to(device=device, dtype=torch.bool)


_DEFAULTS: dict[str, tp.Any] = {
    "sample_rate": 48_000, "fixed_frames": None, "latent_scale": 1.0,
    "text": {"max_length": 64, "dropout": 0.1},
    "clasp": None, "lyrics_track": None, "stems": None, "structure_track": None,
}


def create_prior_from_config(cfg: dict[str, tp.Any]) -> Prior:
    """Build a `Prior` from `{"type": "prior", "config": {...}}`.

    `config`: `latent_channels`, `downsampling_ratio`, `max_frames`, optional `sample_rate`,
    `fixed_frames`, `latent_scale` (default 1), `text` (`max_length`, `dropout`), `clasp` (`features`, `channels`,
    `layout`, `depth`, `dropout`) or null, `lyrics_track` (`channels`) or null, `stems`
    (`roles`: a subset of `STEM_ROLES` in its order) or null (the mix only),
    `structure_track` (`channels`, `dropout` per group) or null, and `unet` (`UNetV0` keyword
    arguments; `in_channels` = latent_channels x stems and `context_channels` are derived).
    """
    from ainur_studio.models.factory import LEGACY_TYPES
    from ainur_studio.models.unet import create_unet_from_config

    if LEGACY_TYPES.get(cfg.get("type"), cfg.get("type")) != "prior" or not isinstance(cfg.get("config"), dict):
        raise ValueError("not a latent diffusion config: expected type 'prior' and a "
                         f"'config' object, got type {cfg.get('type')!r}")
    c = {**_DEFAULTS, **cfg["config"]}
    missing = [k for k in ("latent_channels", "downsampling_ratio", "max_frames", "unet")
               if k not in c]
    if missing:
        raise ValueError(f"latent diffusion config lacks {', '.join(missing)}")
    unet = dict(c["unet"])
    text = {**_DEFAULTS["text"], **c["text"]}
    clasp = _clasp_from(c["clasp"])
    track = None
    if c["lyrics_track"]:
        track = LyricsTrackConditioner(text_features=int(unet["embedding_features"]),
                                       channels=int(c["lyrics_track"]["channels"]))
    counts = [0] * len(unet["factors"])
    if clasp is not None:
        counts[int(c["clasp"].get("depth", 0))] += clasp.channels
    if track is not None:
        counts[0] += track.out_channels
    roles = check_roles((c["stems"] or {}).get("roles", ()))
    structure = None
    if c["structure_track"]:
        structure = StructureTrackConditioner(roles=roles,
                                              channels=int(c["structure_track"]["channels"]))
        counts[0] += structure.out_channels
    unet.setdefault("context_channels", counts)
    unet["in_channels"] = int(c["latent_channels"]) * max(1, len(roles))
    return Prior(
        unet=create_unet_from_config(unet), factors=unet["factors"], clasp=clasp,
        clasp_depth=int((c["clasp"] or {}).get("depth", 0)), lyrics_track=track,
        sample_rate=int(c["sample_rate"]), downsampling_ratio=int(c["downsampling_ratio"]),
        max_frames=int(c["max_frames"]), fixed_frames=c["fixed_frames"],
        text_features=int(unet["embedding_features"]),
        text_max_length=int(text["max_length"]), text_dropout=float(text["dropout"]),
        clasp_dropout=float((c["clasp"] or {}).get("dropout", 0.0)),
        latent_scale=float(c["latent_scale"]), roles=roles, structure_track=structure,
        structure_dropout=float((c["structure_track"] or {}).get("dropout", 0.1)))


def _clasp_from(spec: dict[str, tp.Any] | None) -> ClaspConditioner | None:
    if not spec:
        return None
    return ClaspConditioner(features=int(spec["features"]), channels=int(spec.get("channels", 1)),
                            layout=str(spec.get("layout", "project")))


def _read_legacy_names(state: dict[str, tp.Any], prefix: str, *_args: tp.Any) -> None:
    """Weights saved before the U-Net was named `unet` (packs and checkpoints written as
    `prior.*`) load under the current names."""
    old = prefix + "prior."
    for key in [k for k in state if k.startswith(old)]:
        state[prefix + "unet." + key[len(old):]] = state.pop(key)
