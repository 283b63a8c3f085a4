"""Job handlers (`run(params, ctx) -> dict`) and the runtime they share.

The model functions are parameters, not imports, so tests and the fake engine can inject
their own: `generate_fn(request, pack, *, device, progress)` (the contract of
`ainur_studio.inference.generate.generate`), `load_pack(name, *, device)` (the contract of
`ainur_studio.models.pretrained.load_pack`) and `train_fn` (see `engine.handlers.train`).
The defaults import the model core lazily, on first use.
"""

from __future__ import annotations

import functools
import typing as tp

from engine.handlers.runtime import (
    PackCache,
    Runtime,
    default_generate_fn,
    default_list_models,
    default_load_pack,
    import_model_function,
    pack_summary,
)
from engine.jobs import JobContext

__all__ = ["PackCache", "Runtime", "build_checks", "build_handlers", "default_generate_fn",
           "default_list_models", "default_load_pack", "import_model_function", "pack_summary"]


def build_handlers(runtime: Runtime) -> dict[str, tp.Callable[[dict, JobContext], dict]]:
    """Job kind -> handler bound to `runtime`."""
    from engine.handlers import generate, train

    return {"generate": functools.partial(generate.run, runtime=runtime),
            "load_model": functools.partial(generate.run_load_model, runtime=runtime),
            "train": functools.partial(train.run, runtime=runtime)}


def build_checks(runtime: Runtime) -> dict[str, tp.Callable[[dict], None]]:
    """Job kind -> the check that refuses bad params when the job is submitted."""
    from engine.handlers import generate

    return {"generate": functools.partial(generate.check_params, runtime=runtime)}
