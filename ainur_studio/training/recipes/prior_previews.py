"""Validation during fine-tuning: held-out loss, preview clips, CLASP retrieval.

Everything here runs on the main rank with the EMA weights swapped in (the trainer does that)
and leaves the global random generators as it found them, so validating never changes the
training trajectory.
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ainur_studio.data.datasets import LatentCropDataset, collate_crops

VALIDATION_SEED = 1234
MAX_RETRIEVAL_ITEMS = 32


@dataclass
class Previews:
    """Preview settings: one clip per prompt, seed i for prompt i."""

    prompts: list[str]
    seconds: float = 4.0
    steps: int = 0                 # 0 = the pack's default
    folder: Path = Path("previews")
    written: list[str] = field(default_factory=list)  # paths of the newest set


@torch.no_grad()
def held_out_loss(objective: tp.Any, dataset: LatentCropDataset, *, batch_size: int = 4,
                  seed: int = VALIDATION_SEED) -> float:
    """Mean loss over fixed crops, with fixed noise levels and noise (comparable across steps)."""
    total, count = 0.0, 0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for start in range(0, len(dataset), batch_size):
            items = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
            loss = objective.training_losses(collate_crops(items))["loss"]
            total += float(loss) * len(items)
            count += len(items)
    return total / max(count, 1)


def render_previews(pack: tp.Any, previews: Previews, *, step: int,
                    device: torch.device | str, prefix: str = "") -> list[str]:
    """Generate one clip per preview prompt with fixed seeds; returns the WAV paths
    (`step-<step>-<i>.wav`, or `<prefix>-<i>.wav`)."""
    from ainur_studio.audio.io import audio_write
    from ainur_studio.inference.generate import generate
    from ainur_studio.types import GenerationRequest

    steps = previews.steps or int(pack.defaults.get("steps", 8))
    paths = []
    with torch.random.fork_rng(devices=[]):
        for i, prompt in enumerate(previews.prompts):
            request = GenerationRequest(prompt=prompt, duration_s=previews.seconds, seed=i,
                                        steps=steps, model=pack.name)
            result = generate(request, pack, device=device)
            name = f"{prefix}-{i}" if prefix else f"step-{step:08d}-{i}"
            path = previews.folder / f"{name}.wav"
            paths.append(str(audio_write(path, result.audio[0], result.sample_rate)))
    previews.written = paths
    return paths


@torch.no_grad()
def clasp_retrieval(clasp: tp.Any, items: tp.Sequence[tp.Any]) -> dict[str, float]:
    """Prompt -> audio retrieval over held-out items with cached CLASP audio embeddings
    (empty when CLASP or prompts are missing, or fewer than two items)."""
    rows = [it for it in items if it.clasp_audio is not None and it.prompt.strip()]
    rows = rows[:MAX_RETRIEVAL_ITEMS]
    if clasp is None or len(rows) < 2:
        return {}
    from ainur_studio.metrics import retrieval_report

    audio = torch.stack([it.clasp_audio for it in rows])
    text = clasp.embed_text([it.prompt for it in rows]).float().cpu()
    report = retrieval_report({"text": text, "audio": audio}, ks=(1,))
    return {f"clasp {k} {m}": float(v) for k, d in report.items() for m, v in d.items()
            if m != "n"}


def make_validate_fn(*, objective: tp.Any, pack: tp.Any, held_out: LatentCropDataset | None,
                     previews: Previews | None, device: torch.device,
                     step_of: tp.Callable[[], int], probe: tp.Any | None = None,
                     log: tp.Callable[[str], None] = lambda _m: None
                     ) -> tp.Callable[[tp.Any], dict[str, float]]:
    """The trainer's `validate_fn`: returns the metrics; preview paths land in `previews`.
    With a `prior_closeness.ClosenessProbe` the previews are also placed against the held-out
    recordings (and a warning is logged when one sits on a training recording)."""
    def validate(_model: tp.Any) -> dict[str, float]:
        metrics: dict[str, float] = {}
        if held_out is not None and len(held_out):
            metrics["held_out_loss"] = held_out_loss(objective, held_out)
            metrics.update(clasp_retrieval(pack.clasp, held_out.items))
        if previews is not None and previews.prompts:
            paths = render_previews(pack, previews, step=step_of(), device=device)
            if probe is not None:
                from ainur_studio.audio.io import audio_read

                found = probe.figures([audio_read(p) for p in paths])
                metrics.update(found)
                if found.get("verbatim"):
                    log(probe.warning(step_of()))
        return metrics

    return validate
