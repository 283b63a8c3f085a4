"""Device and precision choice, memory figures, out-of-memory advice.

CUDA > MPS > CPU; bf16 (or fp16 where bf16 is missing) on GPUs; on the CPU bf16 when the device
choice is ``auto`` and the CPU computes bf16 natively (avx512_bf16 / amx_bf16 / Arm bf16, read
from /proc/cpuinfo once), fp32 otherwise and for an explicit ``cpu``; either can be overridden.
torch is imported inside the functions: nothing probes devices at import time, and an explicit
``cpu`` choice never loads torch at all.
"""

from __future__ import annotations

import functools
import re
import sys
import typing as tp
from dataclasses import dataclass
from pathlib import Path

PRECISIONS = ("fp32", "bf16", "fp16")
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})  # x86, x86, Arm


@dataclass(frozen=True)
class DeviceChoice:
    """Where and how models run.

    Attributes:
        device: torch device string: ``cuda:0``, ``mps`` or ``cpu``.
        precision: ``fp32``, ``bf16`` or ``fp16``.
    """

    device: str
    precision: str

    @property
    def dtype_name(self) -> str:
        """The torch dtype attribute name (``float32``, ``bfloat16``, ``float16``)."""
        return {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}[self.precision]


def choose_device(device: str | None = None, precision: str | None = None) -> DeviceChoice:
    """Pick a device and precision; `None` or ``"auto"`` means choose automatically.

    Raises:
        ValueError: for an unknown or unavailable device or an unsupported precision.
    """
    device = (device or "auto").strip().lower()
    if precision is not None and precision.lower() not in (*PRECISIONS, "auto"):
        raise ValueError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    precision = None if precision in (None, "auto") else precision.lower()
    if device == "cpu":
        resolved = "cpu"
    else:
        resolved = _resolve_accelerator(device)
    if precision is None:
        precision = _default_precision(resolved, auto=device == "auto")
    if resolved == "cpu" and precision == "fp16":
        raise ValueError("fp16 is not supported on the CPU; use fp32 (or bf16 on recent CPUs)")
    return DeviceChoice(resolved, precision)


def _resolve_accelerator(device: str) -> str:
    if not re.fullmatch(r"auto|mps|cuda(:\d+)?", device):
        raise ValueError(f"unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps")
    import torch

    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if device == "auto":
        return "cuda:0" if cuda else "mps" if mps else "cpu"
    if device == "cuda" or device.startswith("cuda:"):
        if not cuda:
            raise ValueError(f"device {device!r} requested but CUDA is not available; "
                             "use 'auto' or 'cpu'")
        index = int(device.split(":")[1]) if ":" in device else 0
        if not 0 <= index < torch.cuda.device_count():
            raise ValueError(f"device {device!r} does not exist; this machine has "
                             f"{torch.cuda.device_count()} CUDA device(s)")
        return f"cuda:{index}"
    if not mps:
        raise ValueError("device 'mps' requested but Metal is not available; use 'cpu'")
    return "mps"


def _default_precision(device: str, *, auto: bool) -> str:
    if device.startswith("cuda"):
        import torch

        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if device == "mps":
        return "fp16"
    return "bf16" if auto and cpu_has_native_bf16() else "fp32"


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when this CPU computes bf16 in hardware (Linux /proc/cpuinfo; False elsewhere)."""
    try:
        return has_native_bf16(Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return False


def has_native_bf16(cpuinfo: str) -> bool:
    """True when the first ``flags`` (x86) or ``Features`` (Arm) line of a /proc/cpuinfo text
    names a native bf16 instruction set."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return bool(NATIVE_BF16_FLAGS & set(value.split()))
    return False


def memory_info(device: str) -> dict[str, float]:
    """Used / total / free memory in MiB for a CUDA device; ``{}`` elsewhere."""
    if not device.startswith("cuda"):
        return {}
    import torch

    free, total = torch.cuda.mem_get_info(torch.device(device))
    used = torch.cuda.memory_allocated(torch.device(device))
    mib = 1024 * 1024
    return {"used_mb": round(used / mib, 1), "total_mb": round(total / mib, 1),
            "free_mb": round(free / mib, 1)}


def suggested_limits(free_mb: float | None) -> dict[str, tp.Any]:
    """Defaults that fit the free GPU memory: longest clip, most variations per batch, and
    the decoder chunk length. `None` (CPU) gives conservative values."""
    if free_mb is None:
        return {"max_duration_s": 60.0, "max_batch": 1, "decode_chunk_s": 10.0}
    if free_mb >= 20_000:
        return {"max_duration_s": 300.0, "max_batch": 8, "decode_chunk_s": 60.0}
    if free_mb >= 10_000:
        return {"max_duration_s": 180.0, "max_batch": 4, "decode_chunk_s": 30.0}
    if free_mb >= 5_000:
        return {"max_duration_s": 120.0, "max_batch": 2, "decode_chunk_s": 20.0}
    return {"max_duration_s": 60.0, "max_batch": 1, "decode_chunk_s": 10.0}


def release_gpu_memory(choice: DeviceChoice) -> None:
    """Return cached blocks to the driver after an out-of-memory error."""
    if choice.device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()


def release_freed_heap() -> bool:
    """Give the heap's free pages back to the system (glibc's `malloc_trim`); True when it
    ran. Loading a pack frees its fp16 file copies and the fresh weights it replaced, and
    glibc keeps such pages resident until trimmed (about 25 MB for the starter pack). Other
    C libraries: nothing to do, False."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # musl and other libcs have no malloc_trim
        return False
    return True


def is_out_of_memory(exc: BaseException) -> bool:
    """True for CUDA/MPS out-of-memory errors and Python `MemoryError`."""
    if isinstance(exc, MemoryError):
        return True
    if type(exc).__name__ == "OutOfMemoryError":
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def out_of_memory_message(params: tp.Mapping[str, tp.Any]) -> str:
    """A sentence that says what ran out and what to change."""
    request = params.get("request") if isinstance(params.get("request"), dict) else {}
    duration = request.get("duration_s")
    variations = request.get("variations")
    what = []
    if isinstance(duration, (int, float)):
        what.append(f"a {duration:g} s clip")
    if isinstance(variations, int) and variations > 1:
        what.append(f"{variations} variations")
    asked = f" for {' with '.join(what)}" if what else ""
    return (f"Out of memory{asked}. Try a shorter clip, fewer variations at once, a smaller "
            "model pack, or run on the CPU (slower, but limited only by system memory).")
