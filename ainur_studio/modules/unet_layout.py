"""Parameter paths of the published UNetV0 checkpoints.

The Ainur prior was built with audio-diffusion-pytorch 0.1.3 on a-unet 0.0.16, whose modules are
wrapped in several anonymous containers. The wrappers add levels to every parameter name
(`...blocks.3.blocks.0.block.to_q.weight`). To load those checkpoints unchanged, our blocks keep
their layers at the same paths: `nest` builds the holders around a layer and `unnest` finds it
again. The holders have no behaviour of their own; every block documents its layout.
"""

from __future__ import annotations

from torch import nn


def nest(path: str, module: nn.Module) -> nn.Module:
    """Wrap `module` in holders so that it sits at `path` below the returned holder.

    Args:
        path: dot-separated names, each a name (a `ModuleDict` key) or `0` (the single entry
            of a `ModuleList`), e.g. `"blocks.0.block"`.
        module: the layer to place.

    Returns:
        The outermost holder; `unnest(holder, path) is module`.

    Raises:
        ValueError: an index other than 0 in `path`.
    """
    for part in reversed(path.split(".")):
        if part == "0":
            module = nn.ModuleList([module])
        elif part.isdigit():
            raise ValueError(f"nest path {path!r}: only index 0 is supported, found {part}")
        else:
            module = nn.ModuleDict({part: module})
    return module


def unnest(holder: nn.Module, path: str) -> nn.Module:
    """The layer placed at `path` by `nest` (or found in any container along `path`)."""
    module = holder
    for part in path.split("."):
        module = module[int(part)] if part.isdigit() else module[part]  # type: ignore[index]
    return module
