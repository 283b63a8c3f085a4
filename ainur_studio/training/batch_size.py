"""Memory-aware batch size: pick one from free GPU memory, halve it when a step runs out.

`pick_batch_size` measures one step at batch 1 (peak memory) and fills ~80 % of what is free;
`is_out_of_memory` recognises the errors after which the caller retries at half the batch.
"""

from __future__ import annotations

import typing as tp

import torch

CPU_DEFAULT = 4
HEADROOM = 0.8


def is_out_of_memory(exc: BaseException) -> bool:
    """True for CUDA (or other accelerator) out-of-memory errors."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def batch_for_memory(*, free_bytes: int, per_item_bytes: int, base_bytes: int = 0,
                     limit: int = 64) -> int:
    """Largest batch whose estimated use (base + batch * per item) fits `HEADROOM * free`.

    Returns at least 1 and at most `limit`.
    """
    if per_item_bytes <= 0:
        return limit
    room = HEADROOM * free_bytes - base_bytes
    return int(max(1, min(limit, room // per_item_bytes)))


def pick_batch_size(requested: int, device: torch.device, *,
                    probe: tp.Callable[[int], None] | None = None, limit: int = 64) -> int:
    """The batch size to start with.

    Args:
        requested: the user's choice; > 0 is used as is.
        device: where training runs; off CUDA the answer is `CPU_DEFAULT`.
        probe: `probe(batch)` runs one forward/backward at that batch (weights untouched);
            used on CUDA to measure the memory of one item.
        limit: upper bound (e.g. the number of training items).
    """
    if requested > 0:
        return min(requested, limit)
    if device.type != "cuda" or probe is None:
        return min(CPU_DEFAULT, limit)
    torch.cuda.synchronize(device)
    torch.cuda.empty_cache()
    base = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    try:
        probe(1)
    except Exception as exc:  # noqa: BLE001 - an OOM at batch 1 is reported below
        if is_out_of_memory(exc):
            raise RuntimeError("one training item does not fit in GPU memory; shorten "
                               "crop_seconds or use LoRA") from exc
        raise
    per_item = torch.cuda.max_memory_allocated(device) - base
    free, _ = torch.cuda.mem_get_info(device)
    torch.cuda.empty_cache()
    return batch_for_memory(free_bytes=free, per_item_bytes=per_item, limit=limit)
