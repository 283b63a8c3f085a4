"""The real engine process with fake model functions, for tests that need no torch model.

Run as ``python -m tests.fakes.fake_engine [engine options]`` from the repository root. The
environment variable ``AINUR_ENGINE_FAKE`` picks the behaviour:

- ``ok`` (default): a fast generator of deterministic tones, one progress step per step;
- ``slow``: 0.2 s per sampler step, honouring cancel (for cancel and kill tests);
- ``crash``: the process aborts (SIGABRT) half-way through the first generation;
- ``hang``: the generation ignores cancel and never returns;
- ``garbage``: every protocol line is preceded by a line of non-protocol junk;
- ``slow_start``: the engine waits 3 s before it serves.

Everything else (protocol, queue, takes on disk, logging) is the production code.
"""

from __future__ import annotations

import math
import os
import sys
import time
import typing as tp
from dataclasses import dataclass, field

import numpy as np

from ainur_studio.errors import GenerationCancelled

SAMPLE_RATE = 48_000


@dataclass
class FakeResult:
    audio: list[np.ndarray]
    timings: dict[str, float] = field(default_factory=dict)
    meta: list[dict[str, tp.Any]] = field(default_factory=list)


@dataclass
class FakePack:
    name: str
    hash: str = "0" * 64


def mode() -> str:
    return os.environ.get("AINUR_ENGINE_FAKE", "ok")


def fake_load_pack(name: str, *, device: str = "cpu") -> FakePack:
    if name == "missing":
        raise FileNotFoundError(f"no pack called {name!r}")
    return FakePack(name=name)


def tone(seconds: float, seed: int) -> np.ndarray:
    """A deterministic stereo chord with an envelope: [2, T] float32."""
    t = np.arange(int(round(seconds * SAMPLE_RATE))) / SAMPLE_RATE
    base = 110.0 * 2 ** ((seed % 12) / 12)
    env = 0.6 + 0.4 * np.sin(2 * math.pi * 0.5 * t) ** 2
    left = sum(np.sin(2 * math.pi * base * k * t) / k for k in (1, 2, 3)) * env * 0.2
    right = sum(np.sin(2 * math.pi * base * 1.5 * k * t) / k for k in (1, 2)) * env * 0.2
    return np.stack([left, right]).astype(np.float32)


def fake_generate(request: tp.Any, pack: FakePack, *, device: str = "cpu",
                  progress: tp.Callable[[dict], None] | None = None,
                  cancel: tp.Callable[[], bool] | None = None) -> FakeResult:
    """Follows `ainur_studio.inference.generate.generate`'s contract."""
    behaviour = mode()
    delay = float(os.environ.get("AINUR_ENGINE_FAKE_STEP_S") or
                  {"slow": 0.2, "crash": 0.05}.get(behaviour, 0.0))
    print("a chatty library prints to stdout")  # must not reach the protocol stream
    os.write(1, b"native code writes to fd 1\n")
    for step in range(1, request.steps + 1):
        if behaviour == "hang":
            while True:
                time.sleep(1.0)
        if cancel is not None and cancel():
            raise GenerationCancelled("cancelled")
        if behaviour == "crash" and step > request.steps // 2:
            sys.stderr.write("fake engine: about to crash on purpose\n")
            sys.stderr.flush()
            os.abort()
        time.sleep(delay)
        if progress is not None:
            progress({"step": step, "total": request.steps, "stage": "sample"})
    seeds = [request.seed + i for i in range(request.variations)]
    return FakeResult(audio=[tone(request.duration_s, s) for s in seeds],
                      timings={"sample": 0.01}, meta=[{"seed": s} for s in seeds])


def fake_train(spec: dict, *, device: str, precision: str, callback: tp.Callable[[dict], None],
               should_stop: tp.Callable[[], bool],
               log: tp.Callable[[str], None] | None = None) -> dict:
    total = int(spec.get("steps", 10))
    for step in range(1, total + 1):
        if should_stop():
            return {"steps_done": step - 1}
        time.sleep(float(spec.get("step_s", 0.0)))
        callback({"step": step, "total": total, "loss": 1.0 / step, "lr": 1e-4,
                  "samples_per_s": 10.0})
    return {"steps_done": total}


def fake_list_models() -> list[dict[str, tp.Any]]:
    return [{"name": "debug", "path": "", "size_bytes": 0, "sample_rate": SAMPLE_RATE,
             "hash": "0" * 64}]


def main(argv: list[str] | None = None) -> int:
    from engine.__main__ import main as engine_main

    if mode() == "slow_start":
        time.sleep(3.0)
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--device" not in argv:
        argv += ["--device", "cpu"]
    if mode() == "garbage":
        _install_garbage_writer()
    return engine_main(argv, generate_fn=fake_generate, load_pack=fake_load_pack,
                       train_fn=fake_train, list_models=fake_list_models)


def _install_garbage_writer() -> None:
    """Precede every protocol line with junk a robust client must skip."""
    import engine.__main__ as em

    real = em.protect_stdout

    def protect() -> tp.TextIO:
        stream = real()
        write = stream.write

        def junky(text: str) -> int:
            write("\x00 not json {{{\n")
            return write(text)

        stream.write = junky  # type: ignore[method-assign]
        return stream

    em.protect_stdout = protect


if __name__ == "__main__":
    sys.exit(main())
