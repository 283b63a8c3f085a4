"""How close a fine-tune's previews come to the user's held-out recordings, at each validation.

At the start of a run the base pack renders the preview prompts once (`base-<i>.wav` in the
previews folder, read back on resume); each validation then places the run's new previews
beside them in two audio spaces (`training.closeness`: log-mel statistics and the base pack's
CLASP audio embedding), against the held-out recordings, with the training recordings' own
distance as the floor, and flags previews that sit on a training recording (memorised).
The recordings are cut into windows as long as the previews and embedded once.
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass
from pathlib import Path

import torch

from ainur_studio.closeness_report import VERBATIM_TEXT
from ainur_studio.training.closeness import (
    MEL_RATE,
    ClaspAudio,
    Closeness,
    Embedder,
    MelStats,
    closeness_of,
    spread,
)
from ainur_studio.training.recipes.prior_decoder import recording_windows
from ainur_studio.training.recipes.prior_previews import Previews, render_previews

WINDOWS = 8     # windows of the held-out and of the training recordings


@dataclass
class Space:
    """One audio space with the recordings' embeddings made once, and the spread of each
    dimension over them and the base pack's previews (fixed for the run)."""

    embed: Embedder
    held: torch.Tensor
    train: torch.Tensor
    base: torch.Tensor | None = None
    scale: torch.Tensor | None = None


class ClosenessProbe:
    """Distances of the previews to the held-out recordings, beside the base pack's."""

    def __init__(self, spaces: list[Space]) -> None:
        self.spaces = spaces

    @classmethod
    def from_recordings(cls, held: tp.Sequence[str], train: tp.Sequence[str], *,
                        seconds: float, clasp: tp.Any | None) -> ClosenessProbe | None:
        """None when there is nothing to measure against (no held-out or training recordings,
        e.g. the data are latents)."""
        held_paths = [p for p in held if Path(p).is_file()]
        train_paths = [p for p in train if Path(p).is_file()]
        if not held_paths or not train_paths:
            return None
        held_clips, train_clips = (recording_windows(paths, sample_rate=MEL_RATE,
                                                     seconds=seconds, count=WINDOWS)
                                   for paths in (held_paths, train_paths))
        embedders: list[Embedder] = [MelStats()] + ([ClaspAudio(clasp)] if clasp else [])
        return cls([Space(e, e(held_clips), e(train_clips)) for e in embedders])

    def set_base(self, clips: tp.Sequence[torch.Tensor]) -> None:
        """The base pack's previews for the same prompts and seeds."""
        for space in self.spaces:
            space.base = space.embed(list(clips))
            space.scale = spread([space.held, space.train, space.base])

    def measure(self, clips: tp.Sequence[torch.Tensor]) -> list[Closeness]:
        return [closeness_of(space.embed(list(clips)), space.held, space.train, space.base,
                             space=space.embed.name, scale=space.scale)
                for space in self.spaces]

    def figures(self, clips: tp.Sequence[torch.Tensor]) -> dict[str, float]:
        """`metrics` of `measure`: a validation's closeness figures."""
        return metrics(self.measure(clips))

    def warning(self, step: int) -> str:
        return verbatim_warning(step)


def metrics(found: tp.Sequence[Closeness]) -> dict[str, float]:
    """Validation figures: per space the previews' distance, the base pack's, the floor and
    their ratio; `verbatim` 1.0 when a preview sits on a training recording in any space."""
    out: dict[str, float] = {}
    for c in found:
        key = f"closeness {c.space}"
        out[key] = c.takes
        out[f"{key} floor"] = c.floor
        if c.base is not None:
            out[f"{key} base"] = c.base
        if c.ratio is not None:
            out[f"{key} ratio"] = c.ratio
    if found:
        out["verbatim"] = float(any(c.verbatim for c in found))
    return out


def verbatim_warning(step: int) -> str:
    return f"warning: at step {step}: {VERBATIM_TEXT}"


def base_previews(pack: tp.Any, previews: Previews, *, device: torch.device | str,
                  resume: bool) -> list[torch.Tensor]:
    """The base pack's previews (before any training), rendered once per run folder."""
    from ainur_studio.audio.io import audio_read

    paths = [previews.folder / f"base-{i}.wav" for i in range(len(previews.prompts))]
    if not (resume and all(p.is_file() for p in paths)):
        rendered = render_previews(pack, previews, step=0, device=device, prefix="base")
        previews.written = []
        paths = [Path(p) for p in rendered]
    return [audio_read(p) for p in paths]


def closeness_probe(spec: tp.Any, pack: tp.Any, env: tp.Any, *, train: tp.Sequence[tp.Any],
                    held: tp.Sequence[tp.Any], prompts: list[str],
                    base_autoencoder: tp.Any) -> ClosenessProbe | None:
    """The run's probe, with the base pack's previews (decoded by `base_autoencoder`, the
    base's, even when the decoder stage replaced it); None (and the plan says why) when the
    run does not validate or holds no recordings out."""
    if not spec.preview_every:
        env.choice("previews: off (set preview_every to see how close the run gets to your "
                   "recordings)")
        return None
    probe = ClosenessProbe.from_recordings([it.path for it in held], [it.path for it in train],
                                           seconds=spec.preview_seconds, clasp=pack.clasp)
    if probe is None:
        env.choice(f"previews: every {spec.preview_every} steps; no held-out recordings to "
                   "measure them against")
        return None
    previews = Previews(prompts=prompts, seconds=spec.preview_seconds,
                        steps=spec.preview_steps, folder=env.out / "previews")
    tuned, pack.autoencoder = pack.autoencoder, base_autoencoder
    try:
        probe.set_base(base_previews(pack, previews, device=env.dist.device,
                                     resume=spec.resume))
    finally:
        pack.autoencoder = tuned
    env.choice(f"previews: every {spec.preview_every} steps for {len(prompts)} training "
               f"caption(s), each measured against {len(held)} held-out recording(s) beside "
               "the base pack's takes (" + ", ".join(s.embed.name for s in probe.spaces) + ")")
    return probe
