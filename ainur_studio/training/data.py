"""Deterministic, resumable data order.

Epoch e visits the dataset in `randperm(n)` drawn from a generator seeded with `seed + e`; each
global batch of `batch_size * world_size` indices is split between ranks. Position p (batches
consumed by each rank) fully determines the next batch, so a resumed run sees exactly the
batches the uninterrupted run would have seen.
"""

from __future__ import annotations

import typing as tp

import torch


class ResumableBatchSampler:
    """Infinite stream of per-rank index batches, starting at `start` (a batch position).

    Args:
        num_items: dataset length.
        batch_size: items per batch per rank.
        seed: base seed of the permutations.
        rank, world_size: this process's share of each global batch.
        start: position of the first batch yielded.
    """

    def __init__(self, num_items: int, *, batch_size: int, seed: int = 0, rank: int = 0,
                 world_size: int = 1, start: int = 0) -> None:
        self.num_items, self.batch_size, self.seed = num_items, batch_size, seed
        self.rank, self.world_size, self.start = rank, world_size, start
        if self.batches_per_epoch < 1:
            raise ValueError(
                f"dataset of {num_items} items is smaller than one global batch "
                f"({batch_size} x {world_size} ranks); lower the batch size or add data")
        self._cache: tuple[int, torch.Tensor] | None = None

    @property
    def batches_per_epoch(self) -> int:
        return self.num_items // (self.batch_size * self.world_size)

    def _permutation(self, epoch: int) -> torch.Tensor:
        if self._cache is None or self._cache[0] != epoch:
            gen = torch.Generator().manual_seed(self.seed + epoch)
            self._cache = (epoch, torch.randperm(self.num_items, generator=gen))
        return self._cache[1]

    def batch_at(self, position: int) -> list[int]:
        """Indices of this rank's batch at `position`."""
        epoch, i = divmod(position, self.batches_per_epoch)
        g = self.batch_size * self.world_size
        chunk = self._permutation(epoch)[i * g:(i + 1) * g]
        return chunk[self.rank * self.batch_size:(self.rank + 1) * self.batch_size].tolist()

    def __iter__(self) -> tp.Iterator[list[int]]:
        position = self.start
        while True:
            yield self.batch_at(position)
            position += 1
