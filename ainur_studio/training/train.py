"""`train(spec, ...)`: the one entry point of training, for the command line, the engine's
`train` job, the starter recipe and the GPU-bundle scripts.

It reads the spec (`spec.RunSpec`), joins the process group under torchrun, writes the spec
into the run folder, reads the data (`sources.load_sources`: a folder, a manifest, a latent
or a caption bundle; broken files reported and skipped; a genre corpus of stems or a stems
bundle for the prior) and hands over to the recipe of the component (`recipes.get_recipe`;
`recipes.stems` for stems), which builds batches and losses, trains with the shared
`Trainer` and exports. Under torchrun every rank runs this same function; only the main rank
writes files.
"""

from __future__ import annotations

import json
import typing as tp

from ainur_studio.data.ingest import MIN_SECONDS
from ainur_studio.paths import user_data_dir
from ainur_studio.progress import SILENT, Progress
from ainur_studio.training.distributed import setup_distributed
from ainur_studio.training.recipes import get_recipe
from ainur_studio.training.runs import RunEnv, json_safe
from ainur_studio.training.sources import load_sources
from ainur_studio.training.spec import RunSpec


def train(spec: tp.Mapping[str, tp.Any] | RunSpec, *, device: str | None = None,
          precision: str = "auto", progress: Progress = SILENT) -> dict[str, tp.Any]:
    """Run (or resume) one training run.

    Args:
        spec: a `RunSpec` or its JSON object (see `RunSpec.from_dict`).
        device: "cpu", "cuda", "cuda:1", ... (None = this rank's GPU if any, else CPU).
        precision: "auto" | "fp32" | "bf16" | "fp16".
        progress: `report(step, total, stage="train", loss=, lr=, samples_per_s=, eta=,
            previews=, validation=, event=)` after every optimizer step and validation;
            `should_stop()` polled before every step (True saves a checkpoint and returns);
            `log(message)` for one-line status messages (data report, encoding, exports).

    Returns:
        Summary: "steps", "loss", "first_loss", "seconds", "steps_per_s", "checkpoint",
        "pack" (exported folder or None), "out", "stopped", "skipped" (the report's skipped
        files), "batch_size", "trainable_parameters".
    """
    run = spec if isinstance(spec, RunSpec) else RunSpec.from_dict(spec)
    recipe = get_recipe(run.component)
    dist = setup_distributed(device=device)
    env = RunEnv(out=run.run_folder(user_data_dir()), dist=dist, precision=precision,
                 progress=progress)
    if dist.is_main:
        env.out.mkdir(parents=True, exist_ok=True)
        (env.out / "spec.json").write_text(json.dumps(run.to_dict(), indent=2) + "\n",
                                           encoding="utf-8")
    # a recording must last 2 s, or one crop when the crops are shorter
    sources = load_sources(run.data, min_seconds=min(MIN_SECONDS, run.crop_seconds),
                           kind=run.source_kind())
    env.log(sources.summary())
    if sources.stems is not None:  # a genre corpus or a stems bundle: the stems prior's recipe
        from ainur_studio.training.recipes import stems as recipe
    return json_safe(recipe.run(run, sources, env))
