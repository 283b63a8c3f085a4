"""The `generate` and `load_model` jobs: request -> model -> takes on disk.

`run(params, ctx, *, runtime)` parses the `GenerationRequest`, gets the pack from the
runtime's cache (at the request's style strength), calls the generate function with a progress callback (one `progress` event
per sampler step) and a cancel callback (polled once per step), then writes every output as a
take and announces it with `take_ready`: a folder of parts (`engine.take_folder`) for an output
with stems, a single file (`engine.takes`) for a mix-only pack's.
"""

from __future__ import annotations

import contextlib
import logging
import time
import typing as tp

from ainur_studio.errors import GenerationCancelled, GenerationError
from ainur_studio.limits import LIMITS, audio_file_problems, request_problems
from ainur_studio.types import GenerationRequest
from engine.devices import DeviceChoice, is_out_of_memory, release_gpu_memory
from engine.handlers.runtime import Runtime, default_generate_fn, warm_take_writer
from engine.jobs import JobCancelled, JobContext, JobError
from engine.protocol import ErrorCode, EventName

if tp.TYPE_CHECKING:
    from engine.takes import TakeOptions

log = logging.getLogger(__name__)


def parse_request(params: tp.Mapping[str, tp.Any]) -> GenerationRequest:
    """The `GenerationRequest` in ``params.request``, checked against `ainur_studio.limits`
    (ranges, the task's inputs, the headers of its audio files); no model is needed.

    Raises:
        JobError: `bad_params` naming the field and the allowed range.
    """
    data = params.get("request")
    if not isinstance(data, dict):
        raise JobError(ErrorCode.BAD_PARAMS, "generate needs params.request, a "
                       "GenerationRequest object (see docs/engine-protocol.md)")
    try:
        request = GenerationRequest.from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise JobError(ErrorCode.BAD_PARAMS, f"params.request is not a valid "
                       f"GenerationRequest: {exc}") from exc
    problems = request_problems(request) or audio_file_problems(request)
    if problems:
        raise JobError(ErrorCode.BAD_PARAMS, f"params.request: {problems[0].plain}",
                       detail=f"code: {problems[0].code}")
    return request


def check_params(params: tp.Mapping[str, tp.Any], *, runtime: Runtime) -> None:
    """Refuse a bad request or output option when it is submitted, before it is queued."""
    parse_request(params)
    take_options(params, runtime)


def take_options(params: tp.Mapping[str, tp.Any], runtime: Runtime) -> TakeOptions:
    from engine.takes import TakeOptions  # numpy/scipy: loaded on first use, not at start

    output = params.get("output") or {}
    if not isinstance(output, dict):
        raise JobError(ErrorCode.BAD_PARAMS, "params.output must be an object")
    try:
        return TakeOptions.from_params(output, default_dir=runtime.takes_dir)
    except (TypeError, ValueError) as exc:
        raise JobError(ErrorCode.BAD_PARAMS, f"params.output: {exc}") from exc


def run(params: dict[str, tp.Any], ctx: JobContext, *, runtime: Runtime) -> dict[str, tp.Any]:
    """Generate and write the takes of one request; returns ``{"takes": [paths]}``."""
    request = parse_request(params)
    options = take_options(params, runtime)
    ctx.report(0, 1, stage="load", message=f"loading {request.model}")
    t0 = time.monotonic()
    pack = runtime.packs.get(request.model, request.style_strength)
    load_s = time.monotonic() - t0
    ctx.report(1, 1, stage="load")
    ctx.check_cancelled()
    result = _generate(request, pack, ctx, runtime)
    audio = list(_get(result, "audio", []))
    if not audio:
        raise JobError(ErrorCode.GENERATION_ERROR, "the model returned no audio")
    timings = {"load": round(load_s, 3), **dict(_get(result, "timings", {}) or {})}
    metas = list(_get(result, "meta", []) or [])
    stems = list(_get(result, "stems", []) or [])
    given = list(_get(result, "given", []) or [])
    model_id = str(getattr(pack, "name", "") or request.model)
    model_hash = str(getattr(pack, "hash", "") or getattr(pack, "sha256", "") or "")
    paths = []
    for i, wav in enumerate(audio):
        ctx.check_cancelled()
        ctx.report(i, len(audio), stage="write", message=f"writing take {i + 1}/{len(audio)}")
        meta = metas[i] if i < len(metas) and isinstance(metas[i], dict) else {}
        output = Output(wav, stems[i] if i < len(stems) else {},
                        given[i] if i < len(given) else [])
        take = _write(output, request, options, i, meta, model_id, model_hash, timings)
        paths.append(take.path)
        ctx.emit(EventName.TAKE_READY.value, {
            "take": take.to_dict(), "index": i, "count": len(audio),
            "seed": int(meta.get("seed", request.seed + i)), "paths": take_paths(take)})
    ctx.report(len(audio), len(audio), stage="write")
    return {"takes": paths}


def _generate(request: GenerationRequest, pack: tp.Any, ctx: JobContext,
              runtime: Runtime) -> tp.Any:
    generate = runtime.generate_fn or default_generate_fn()
    try:
        with precision_context(runtime.device):
            return generate(request, pack, device=runtime.device.device, progress=ctx)
    except JobError:
        raise
    except Exception as exc:
        if ctx.cancelled or isinstance(exc, GenerationCancelled):
            raise JobCancelled(ctx.job.id) from exc
        if is_out_of_memory(exc):
            release_gpu_memory(runtime.device)
        if isinstance(exc, GenerationError):
            raise JobError(ErrorCode.GENERATION_ERROR, exc.plain,
                           detail=f"code: {exc.code}") from exc
        raise


def precision_context(choice: DeviceChoice) -> tp.ContextManager[tp.Any]:
    """Autocast to bf16/fp16 (on a GPU, or bf16 on a CPU that runs it natively); nothing for
    fp32."""
    if choice.precision == "fp32":
        return contextlib.nullcontext()
    import torch

    device_type = "cuda" if choice.device.startswith("cuda") else choice.device
    return torch.autocast(device_type=device_type, dtype=getattr(torch, choice.dtype_name))


class Output(tp.NamedTuple):
    """One output of the generate function: the mix, and its stems when the pack makes them."""

    audio: tp.Any                   # [2, T]
    stems: tp.Mapping[str, tp.Any]  # role -> [2, T]; empty for a mix-only pack
    given: tp.Sequence[str]         # the roles in `stems` that were given (add-parts)


def take_paths(take: tp.Any) -> dict[str, tp.Any]:
    """The ``paths`` of a `take_ready` event: audio (the mix), sidecar, lrc, folder (``""``
    for a single-file take) and parts (role -> file)."""
    return {"audio": take.path, "sidecar": take.sidecar_path, "lrc": take.lrc_path,
            "folder": take.folder, "parts": {p.role: p.path for p in take.parts}}


def _write(output: Output, request: GenerationRequest, options: TakeOptions, index: int,
           meta: dict[str, tp.Any], model_id: str, model_hash: str,
           timings: dict[str, float]) -> tp.Any:
    seed = meta.get("seed")
    common = {"request": request, "options": options, "index": index,
              "seed": None if seed is None else int(seed), "model_id": model_id,
              "model_hash": model_hash, "timings": timings, "meta": meta}
    try:
        if output.stems:
            from engine.take_folder import write_take_folder

            return write_take_folder(output.stems, given=output.given, **common)
        from engine.takes import write_take

        return write_take(output.audio, **common)
    except ValueError as exc:
        raise JobError(ErrorCode.GENERATION_ERROR, str(exc)) from exc
    except OSError as exc:
        raise JobError(ErrorCode.WRITE_ERROR, f"could not write the take to "
                       f"{options.out_dir}: {exc.strerror or exc}; check that the folder is "
                       "writable and the disk has space", detail=repr(exc)) from exc


def run_load_model(params: dict[str, tp.Any], ctx: JobContext, *,
                   runtime: Runtime) -> dict[str, tp.Any]:
    """Load a pack (at `params.style_strength`, default 1) into the cache, and the take
    writer, ahead of the first generation."""
    name = params.get("model")
    if not isinstance(name, str) or not name:
        raise JobError(ErrorCode.BAD_PARAMS, "load_model needs params.model, a pack name "
                       "or folder (see `ainur-studio models`)")
    strength = params.get("style_strength", 1.0)
    limit = LIMITS["style_strength"]
    if not limit.holds(strength):
        raise JobError(ErrorCode.BAD_PARAMS, f"params.{limit.describe()}, got {strength!r}",
                       detail=f"code: {limit.code}")
    ctx.report(0, 1, stage="load", message=f"loading {name}")
    runtime.packs.get(name, float(strength))
    warm_take_writer()
    ctx.report(1, 1, stage="load")
    return {"model": name, "style_strength": float(strength)}


def _get(obj: tp.Any, name: str, default: tp.Any) -> tp.Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)
