"""Where in the DAW (or the server) a delivery puts a take's files."""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass, field


@dataclass
class DeliveryOptions:
    track: int | None = None      # bitwig (1-8) / ableton (0-based) track: the first one
    slot: int | None = None       # bitwig clip slot (1-8)
    position_beats: float = 0.0   # ableton arrangement position
    bufnum: int = 0               # scsynth buffer: the first one
    bank: int = 8                 # bitwig: DrivenByMoss's Bank Page Size
    timeout: float = 10.0
    extra: dict[str, tp.Any] = field(default_factory=dict)
