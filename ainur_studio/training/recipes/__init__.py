"""Training recipes: one module per trained component, over the model-free framework.

A recipe knows how to build its model (from scratch or from a pack, full or LoRA), its batches
and losses, and how it exports; `ainur_studio.training.train.train(spec)` picks it by the
spec's component and calls its `run(spec, sources, env) -> summary`. The framework it uses
(`loop.Trainer`, checkpoints, EMA, schedules, `runs`) knows no model.

- `prior`: the latent diffusion prior on cached latent crops (`prior_cache`), with the
  objective in `prior_objective`, previews in `prior_previews` and export in `prior_export`,
  fitted by `prior_fit` (shared with `stems`), after the decoder stage of `prior_decoder`
  when the recordings need it;
- `stems`: a prior that makes stems, on a genre corpus of stems or a stems bundle, with the
  objective in `stems_objective` (`train` picks it when the data holds stems);
- `clasp` and `autoencoder` (also "decoder": the autoencoder with its encoder frozen): one
  module trained on audio crops (`module` runs both, `clasp_data` holds CLASP's pairs);
- `starter`: the starter pack's stages over the corpus (each one a `train(spec)` run), with
  the pack's records in `starter_pack`.
"""

from __future__ import annotations

import importlib
import typing as tp

if tp.TYPE_CHECKING:
    from ainur_studio.training.runs import RunEnv
    from ainur_studio.training.sources import Sources
    from ainur_studio.training.spec import RunSpec

RECIPES = {"prior": "prior", "clasp": "clasp", "autoencoder": "autoencoder",
           "decoder": "autoencoder"}


class Recipe(tp.Protocol):
    """A component's training run."""

    def run(self, spec: RunSpec, sources: Sources, env: RunEnv) -> dict[str, tp.Any]: ...


def get_recipe(component: str) -> Recipe:
    """The recipe module of `component` (imported on first use)."""
    try:
        name = RECIPES[component]
    except KeyError:
        raise ValueError(f"no training recipe for {component!r}; use one of "
                         f"{', '.join(RECIPES)}") from None
    return tp.cast(Recipe, importlib.import_module(f"{__name__}.{name}"))
