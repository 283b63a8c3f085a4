"""One debug pack per test session, shared by the generation, pack and factory tests (it is
never modified by them)."""

from __future__ import annotations

import functools

from ainur_studio.models.factory import load_config
from ainur_studio.models.pretrained import ModelPack, load_pack


@functools.lru_cache(maxsize=1)
def shared_debug_pack() -> ModelPack:
    return load_pack("debug")


def mix_only_recipe() -> dict:
    """The recipe of the built-in "debug-mix" pack: the debug pack with a prior that makes only
    the mix (no stems, no structure track), as the starter pack and the published prior do."""
    return load_config("pack_debug_mix")


@functools.lru_cache(maxsize=1)
def shared_mix_pack() -> ModelPack:
    return load_pack("debug-mix")
