"""The audio an editing task starts from, as tracks: the mix for a prior without stems, the
take's stems for a prior with stems (`inputs.part_audio`, role -> file).

A `Source` names the tracks to edit; the other tracks come back bit for bit. With stems, the
roles the source lacks are silence (their latents are the autoencoder's latent of silence and
stay fixed), and the output's mix is the sum of its stems.
"""

from __future__ import annotations

import dataclasses
import typing as tp
from dataclasses import dataclass

import torch

from ainur_studio.inference.audio import decode, decode_parts, encode, read_audio
from ainur_studio.inference.context import RunContext
from ainur_studio.inference.errors import GenerationError
from ainur_studio.inference.windows import pass_frames
from ainur_studio.models.stems import mix_stems
from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import GenerationRequest, Structure

MIX = "mix"  # the one track of a source for a prior without stems


@dataclass
class Source:
    """Tracks [2, T] of equal length (`MIX`, or stem roles in `STEM_ROLES` order), the ones to
    edit, and the ones that were given as audio (the rest of the tracks are silence)."""

    tracks: dict[str, torch.Tensor]
    edit: list[str]
    given: list[str]

    @property
    def samples(self) -> int:
        return next(iter(self.tracks.values())).shape[-1]

    @property
    def kept(self) -> list[str]:
        return [name for name in self.tracks if name not in self.edit]


def check_pack_roles(ctx: RunContext, roles: tp.Iterable[str], what: str) -> None:
    """Every role must be a stem of the pack's prior."""
    model = ctx.model
    missing = [r for r in roles if r not in model.roles]
    if missing:
        raise GenerationError("bad_parts", f"{what} {', '.join(missing)}: pack "
                              f"{ctx.pack.name!r} makes only {', '.join(model.roles)}")


def read_stems(ctx: RunContext, part_audio: dict[str, str], *, max_frames: int
               ) -> dict[str, torch.Tensor]:
    """role -> [2, T] of the given files, the shorter ones padded with silence to the longest;
    longer than `max_frames` latent frames -> `GenerationError("source_too_long")`."""
    check_pack_roles(ctx, part_audio, "given audio for")
    sr = ctx.pack.sample_rate
    wavs = {role: read_audio(part_audio[role], sample_rate=sr, what=f"{role} part audio",
                             code="source_unreadable", min_seconds=0.1)
            for role in STEM_ROLES if role in part_audio}
    samples = max(w.shape[-1] for w in wavs.values())
    if ctx.pack.autoencoder.latent_frames(samples) > max_frames:
        seconds = max_frames * ctx.pack.autoencoder.downsampling_ratio / sr
        raise GenerationError("source_too_long", f"the given parts last {samples / sr:.1f} s; "
                              f"this task handles at most {seconds:.1f} s; trim them first")
    return {r: torch.nn.functional.pad(w, (0, samples - w.shape[-1])) for r, w in wavs.items()}


def stem_source(ctx: RunContext, request: GenerationRequest, *, max_frames: int,
                edit: tp.Sequence[str] | None = None) -> Source:
    """The take's stems for a prior with stems; `edit` (default: `structure.parts`, else every
    given stem) may name roles the take lacks, which start as silence."""
    if not request.inputs.part_audio:
        raise GenerationError("needs_stems", f"pack {ctx.pack.name!r} makes stems and edits a "
                              f"take stem by stem; give the take's stems in inputs.part_audio "
                              "(role -> file)")
    given = read_stems(ctx, request.inputs.part_audio, max_frames=max_frames)
    edit = list(edit if edit is not None else request.structure.parts or given)
    check_pack_roles(ctx, edit, "asked to edit")
    silence = torch.zeros_like(next(iter(given.values())))
    tracks = {r: given.get(r, silence) for r in STEM_ROLES if r in given or r in edit}
    return Source(tracks, [r for r in STEM_ROLES if r in edit], list(given))


def encode_source(ctx: RunContext, source: Source) -> torch.Tensor:
    """[1, net_channels, L]: the mix's latent, or every stem's (silence for roles the source
    lacks), stacked in the prior's layout."""
    if MIX in source.tracks:
        return encode(ctx, source.tracks[MIX])
    model = ctx.model
    silence = torch.zeros(2, source.samples)
    wavs = torch.stack([source.tracks.get(r, silence) for r in model.roles])  # (S, 2, T)
    with ctx.stage("encode"), torch.inference_mode():
        z = ctx.model.to_prior(ctx.pack.autoencoder.encode(wavs.to(ctx.device)))  # (S, C, L)
    return z.reshape(1, -1, z.shape[-1]).clone()


def keep_mask(ctx: RunContext, source: Source) -> torch.Tensor | None:
    """[1, net_channels, 1] bool over the channels kept as they are (stems not edited, roles
    the source lacks), or None when everything is edited."""
    if MIX in source.tracks:
        return None
    return ctx.model.channel_mask([r for r in ctx.model.roles if r not in source.edit])


def track_latent(ctx: RunContext, z: torch.Tensor, name: str) -> torch.Tensor:
    """The latent of one track: the mix's all of z, a stem's its channel group."""
    return z if name == MIX else z[:, ctx.model.stem_slice(name)]


def full_keep_mask(ctx: RunContext, source: Source, n_frames: int) -> torch.Tensor | None:
    """`keep_mask` over `n_frames` frames, [1, net_channels, n_frames]."""
    keep = keep_mask(ctx, source)
    return None if keep is None else keep.expand(-1, -1, n_frames)


def decode_edits(ctx: RunContext, z: torch.Tensor, samples: int, source: Source
                 ) -> list[dict[str, torch.Tensor]]:
    """Per output of z [B, net_channels, L], the edited tracks decoded to [2, samples]."""
    if MIX in source.tracks:
        return [{MIX: a} for a in decode(ctx, z, samples)]
    return decode_parts(ctx, z, samples, source.edit)


def present(source: Source, structure: Structure) -> Structure | None:
    """The structure to condition on: `parts` = the stems in the output (None for a mix)."""
    if MIX in source.tracks:
        return None
    return dataclasses.replace(structure, parts=list(source.tracks))


def finish(source: Source, edited: dict[str, torch.Tensor]
           ) -> tuple[torch.Tensor, dict[str, torch.Tensor], list[str]]:
    """(mix, stems, given roles) of one output: the source's tracks with `edited` replacing
    theirs; a mix-only source gives no stems."""
    tracks = {**source.tracks, **edited}
    if MIX in tracks:
        return tracks[MIX], {}, []
    stems = {r: tracks[r] for r in STEM_ROLES if r in tracks}
    return mix_stems(stems), stems, [r for r in source.given if r not in edited]


def source_audio(ctx: RunContext, request: GenerationRequest, *, max_frames: int | None = None
            ) -> torch.Tensor:
    """The source take [2, T]; at most one window long unless `max_frames` says otherwise."""
    src = read_audio(request.inputs.source_audio, sample_rate=ctx.pack.sample_rate,
                     what="source audio", code="source_unreadable", min_seconds=0.1)
    limit = max_frames or pass_frames(ctx.model)
    frames = ctx.pack.autoencoder.latent_frames(src.shape[-1])
    if frames > limit:
        seconds = limit * ctx.pack.autoencoder.downsampling_ratio / ctx.pack.sample_rate
        raise GenerationError(
            "source_too_long", f"the source lasts {src.shape[-1] / ctx.pack.sample_rate:.1f} s;"
            f" this task handles at most {seconds:.1f} s; trim it first")
    return src


def read_source(ctx: RunContext, request: GenerationRequest, *, max_frames: int | None = None,
                edit: tp.Sequence[str] | None = None) -> Source:
    """The source of an editing task: the mix (`inputs.source_audio`) for a prior without
    stems, the take's stems (`inputs.part_audio`) for one with stems."""
    if ctx.model.has_stems:
        return stem_source(ctx, request, max_frames=max_frames or pass_frames(ctx.model),
                           edit=edit)
    return Source({MIX: source_audio(ctx, request, max_frames=max_frames)}, [MIX], [])
