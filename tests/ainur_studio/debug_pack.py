"""One debug pack per test session, shared by the generation, pack and factory tests (it is
never modified by them)."""

from __future__ import annotations

import functools

from ainur_studio.models.pretrained import ModelPack, load_pack


@functools.lru_cache(maxsize=1)
def shared_debug_pack() -> ModelPack:
    return load_pack("debug")
