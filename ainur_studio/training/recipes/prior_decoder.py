"""The decoder stage of a prior fine-tune: adapt the pack's decoder to the recordings first,
when its reconstructions say it cannot reproduce them.

A prior fine-tune alone cannot give a new timbre the base autoencoder never learnt to decode
(docs/training.md, "Does a fine-tune reach the prompt?"). So with `RunSpec.decoder` "auto"
the run measures first (on recordings; not on a latent or caption bundle, which hold a
corpus): the base autoencoder reconstructs a few windows of the recordings, and their log-mel
distance to the recordings (`closeness.MelStats`) is set against the recordings' own spread
(the floor); farther than `GAP` times the floor, the decoder is
fine-tuned by the "decoder" recipe (the autoencoder with its encoder frozen, so the prior's
cached latents stay valid) in `<out>/decoder/`, resumable, and the new autoencoder takes the
base's place for the prior stage and in the exported pack.
"""

from __future__ import annotations

import dataclasses
import json
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf
import torch

from ainur_studio.training.closeness import MelStats, closeness
from ainur_studio.training.recipes.clasp_data import read_window
from ainur_studio.training.runs import RunEnv
from ainur_studio.training.sources import Sources
from ainur_studio.training.spec import RunSpec

GAP = 2.0             # adapt when the reconstructions are farther than GAP x the floor
WINDOW_SECONDS = 10.0
WINDOWS = 4
STAGE = "decoder"     # the stage's folder in the run folder
DECISION = "decision.json"


@dataclass
class Decision:
    """Whether the decoder is adapted, and the measurement behind it (None when not measured:
    `decoder` "on" or "off", or no recordings)."""

    adapt: bool
    reason: str
    reconstruction: float | None = None
    floor: float | None = None

    def message(self) -> str:
        return f"decoder: {self.reason}: {'adapting' if self.adapt else 'kept'}"

    def to_dict(self) -> dict[str, tp.Any]:
        return dataclasses.asdict(self)


def recording_windows(paths: tp.Sequence[str], *, sample_rate: int,
                      seconds: float = WINDOW_SECONDS, count: int = WINDOWS
                      ) -> list[torch.Tensor]:
    """`count` windows [2, T] of the recordings, spread over them: each as long as `seconds`,
    or as the shortest recording when that is shorter."""
    durations = [sf.info(p).duration for p in paths]
    seconds = min(seconds, *durations)
    spots = [(p, i * seconds) for p, d in zip(paths, durations, strict=True)
             for i in range(max(1, int(d // seconds)))]
    picked = [spots[round(k * (len(spots) - 1) / max(count - 1, 1))]
              for k in range(min(count, len(spots)))]
    n = round(seconds * sample_rate)
    return [read_window(p, start, seconds, sample_rate=sample_rate)[:, :n] for p, start in picked]


def reconstruct(autoencoder: tp.Any, clips: tp.Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """What `autoencoder` makes of each clip [2, T] (cut to the clip's length)."""
    device = next(autoencoder.parameters()).device
    with torch.no_grad():
        return [autoencoder.decode(autoencoder.encode(c[None].to(device)))[0, :, :c.shape[-1]]
                .float().cpu() for c in clips]


def reconstruction_gap(autoencoder: tp.Any, paths: tp.Sequence[str]) -> tuple[float, float]:
    """(reconstructions, floor): the log-mel distance of the autoencoder's reconstructions of
    a few windows of the recordings to those windows, and of the windows themselves."""
    windows = recording_windows(paths, sample_rate=autoencoder.sample_rate)
    near = closeness(reconstruct(autoencoder, windows), windows, windows, MelStats())
    return near.takes, near.floor


def decide(spec: RunSpec, sources: Sources, autoencoder: tp.Any, *, gap: float | None = None
           ) -> Decision:
    """Whether this run adapts the decoder (see the module docstring)."""
    gap = GAP if gap is None else gap
    if not spec.adapts_decoder():
        return Decision(False, f"not adapted ({spec.mode} {spec.component}, decoder "
                               f"{spec.decoder!r})")
    if sources.latents is not None or not sources.train:
        if spec.decoder == "on":
            raise ValueError(f"decoder 'on' needs recordings to train on; {spec.data} holds "
                             "latents only: set decoder to 'auto' or 'off'")
        return Decision(False, "no recordings to measure"
                        + (" (the data are latents)" if sources.latents is not None else ""))
    if spec.decoder == "on":
        return Decision(True, "on as asked")
    if sources.text is not None:
        return Decision(False, "a caption bundle is a corpus, not recordings to adapt to")
    recon, floor = reconstruction_gap(autoencoder, [it.path for it in sources.train])
    return Decision(recon > gap * floor,
                    f"reconstructions at {recon:.1f} against {floor:.1f} between the recordings",
                    recon, floor)


def decoder_spec(spec: RunSpec, folder: Path) -> RunSpec:
    """The decoder stage's own run: the "decoder" recipe on the same data and base."""
    return dataclasses.replace(spec, component=STAGE, mode="full", steps=spec.decoder_steps,
                               crop_seconds=spec.decoder_crop_seconds, out=str(folder),
                               warmup=min(spec.warmup, spec.decoder_steps // 10),
                               preview_every=0, install=False, cache_dir="",
                               name=f"{spec.pack_name()}-decoder")


def adapt_decoder(spec: RunSpec, sources: Sources, pack: tp.Any, env: RunEnv
                  ) -> dict[str, tp.Any]:
    """Run the decoder stage when it is wanted and put its autoencoder in `pack`.

    Returns:
        {"decision": ..., "stopped": bool, and when it trained "steps", "pack",
        "checkpoint"}; "stopped" means a stop request ended the stage (the prior stage must
        not start).
    """
    folder = env.out / STAGE
    decision = _decision(spec, sources, pack, folder, env)
    env.choice(decision.message())
    if not decision.adapt:
        return {"decision": decision.to_dict(), "stopped": False}
    finished = folder / "pack"
    if spec.resume and (finished / "pack.json").is_file():
        env.log(f"decoder: the stage finished before; using {finished}")
        summary: dict[str, tp.Any] = {"pack": str(finished), "stopped": False}
    else:
        from ainur_studio.training.recipes import autoencoder

        stage_env = dataclasses.replace(env, out=folder)
        summary = autoencoder.run(decoder_spec(spec, folder), sources, stage_env)
    out = {"decision": decision.to_dict(), "stopped": bool(summary.get("stopped")),
           "steps": summary.get("steps"), "pack": summary.get("pack"),
           "checkpoint": summary.get("checkpoint")}
    if not out["stopped"]:
        from ainur_studio.training.distributed import barrier

        barrier()  # the main rank exported the stage's pack
        use_autoencoder(pack, finished)
    return out


def _decision(spec: RunSpec, sources: Sources, pack: tp.Any, folder: Path, env: RunEnv
              ) -> Decision:
    """The decision, measured once per run folder (a resumed run reads it back)."""
    path = folder / DECISION
    if spec.resume and path.is_file():
        return Decision(**json.loads(path.read_text(encoding="utf-8")))
    decision = decide(spec, sources, pack.autoencoder)
    if env.dist.is_main and decision.adapt:
        from ainur_studio.fileio import atomic_write_text

        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(decision.to_dict(), indent=2) + "\n")
    return decision


def use_autoencoder(pack: tp.Any, folder: Path) -> None:
    """Put the autoencoder of the pack in `folder` in place of `pack`'s (same config and
    encoder; the pack's hash and cached latents keep pointing at the base)."""
    from ainur_studio.models.pretrained import load_component

    cfg, module = load_component(folder, "autoencoder")
    if cfg != pack.configs["autoencoder"]:
        raise ValueError(f"the decoder stage's autoencoder in {folder} has another config than "
                         f"the base pack's; delete {folder.parent} and run again")
    device = next(pack.autoencoder.parameters()).device
    pack.autoencoder = module.eval().requires_grad_(False).to(device)
