"""DDP under torchrun with the same code path as a single process.

`torchrun --nproc_per_node=N ...` sets RANK / WORLD_SIZE / LOCAL_RANK; `setup_distributed`
joins the process group (NCCL on CUDA, gloo on CPU). Without those variables everything here
is a no-op, so the trainer never branches on how it was launched. Several machines:
`torchrun --nnodes=M --node_rank=K --nproc_per_node=N --rdzv_backend=c10d
--rdzv_endpoint=HOST:29500 ...` on each.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    """Where this process sits: rank among world_size, and the device it trains on."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def launched_by_torchrun() -> bool:
    """True when the torchrun environment variables are present."""
    return all(k in os.environ for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))


def pick_device(device: str | None, local_rank: int = 0) -> torch.device:
    """`device` if given, else this rank's CUDA device when there is one, else CPU."""
    if device:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def setup_distributed(*, device: str | None = None) -> DistInfo:
    """Join the torchrun process group if launched by torchrun (idempotent)."""
    if not launched_by_torchrun() or int(os.environ["WORLD_SIZE"]) == 1:
        return DistInfo(device=pick_device(device))
    local_rank = int(os.environ["LOCAL_RANK"])
    dev = pick_device(device, local_rank)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo")
    return DistInfo(rank=dist.get_rank(), world_size=dist.get_world_size(),
                    local_rank=local_rank, device=dev)


def barrier() -> None:
    """Wait for every rank (no-op outside DDP)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def cleanup_distributed() -> None:
    """Leave the process group if one was joined."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
