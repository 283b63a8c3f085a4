"""Per-request state shared by the task functions: the pack, sampling settings, stage timings,
progress reporting and cancellation."""

from __future__ import annotations

import contextlib
import time
import typing as tp
from dataclasses import dataclass, field

import torch

from ainur_studio.diffusion.samplers import get_sampler
from ainur_studio.diffusion.schedules import get_sigmas
from ainur_studio.inference.errors import GenerationCancelled
from ainur_studio.progress import SILENT, Progress


@dataclass
class SamplingSettings:
    """Sampler, schedule, steps and guidance scales of one request (`structure_scale` 1 =
    no structure guidance pass)."""

    sampler: str
    schedule: str
    steps: int
    text_scale: float
    clasp_scale: float
    structure_scale: float = 1.0

    def sigmas(self) -> torch.Tensor:
        """[steps + 1] sigmas; v-DDIM always uses Ainur's linear-angle schedule."""
        name = "linear-angle" if self.sampler == "v-ddim" else self.schedule
        return get_sigmas(name, self.steps)


@dataclass
class RunContext:
    """Everything a task needs besides its inputs.

    Attributes:
        pack: the loaded `ModelPack`; device: where the models run.
        settings: sampling settings; progress: the caller's progress contract (reports once
            per sampler step; `should_stop()` cancels at the next one).
        timings: stage -> accumulated seconds.
        passes: sampler runs planned for the request (for progress), pass_index: current one.
    """

    pack: tp.Any
    device: torch.device
    settings: SamplingSettings
    progress: Progress = SILENT
    timings: dict[str, float] = field(default_factory=dict)
    passes: int = 1
    pass_index: int = 0

    @property
    def model(self) -> tp.Any:
        return self.pack.prior

    @contextlib.contextmanager
    def stage(self, name: str) -> tp.Iterator[None]:
        """Time a stage (accumulated across calls)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start

    def check_cancelled(self) -> None:
        """Raise `GenerationCancelled` when the caller asked to stop."""
        if self.progress.should_stop():
            raise GenerationCancelled("generation cancelled")

    def _on_step(self, info: dict[str, tp.Any]) -> None:
        self.check_cancelled()
        done, passes = self.pass_index + 1, self.passes
        self.progress.report(int(info["i"]) + 1, int(info["total"]), stage="prior",
                             message=f"pass {done}/{passes}" if passes > 1 else "",
                             **{"pass": done, "passes": passes})

    def run_sampler(self, denoiser: tp.Callable[..., torch.Tensor], x: torch.Tensor,
                    sigmas: torch.Tensor) -> torch.Tensor:
        """One sampler pass over `sigmas`, reporting and checking cancellation every step."""
        self.check_cancelled()
        sampler = get_sampler(self.settings.sampler)
        with self.stage("prior"):
            out = sampler(denoiser, x, sigmas.to(x.device), callback=self._on_step)
        self.pass_index += 1
        return out
