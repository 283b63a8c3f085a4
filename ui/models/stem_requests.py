"""Add-parts requests from a take's stems or an audio file (Qt-free).

"Add a part…" and "Replace this part…" both become one `add-parts` request: the take's
other parts are given (`inputs.part_audio`), the chosen roles are wanted
(`structure.parts`). The prompt, seed and sampler settings come from the prompt panel; the
grid (tempo, metre, bars, chords) comes from the take when it has one, since the given
parts are in time with it.
"""

from __future__ import annotations

import copy
import dataclasses

from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import GenerationRequest, Take, Task, TaskInputs
from ui.models.stem_audio import part_files


def given_parts(take: Take, wanted: list[str]) -> dict[str, str]:
    """role -> file of the take's parts that are not being (re)generated."""
    return {role: path for role, path in part_files(take).items() if role not in wanted}


def missing_roles(take: Take) -> list[str]:
    """The stem roles the take has no part for, in `STEM_ROLES` order."""
    have = {p.role for p in take.parts}
    return [r for r in STEM_ROLES if r not in have]


def add_parts_request(base: GenerationRequest, *, given: dict[str, str], wanted: list[str],
                      duration_s: float, grid_from: GenerationRequest | None = None
                      ) -> GenerationRequest:
    """`base` (the prompt panel's request) turned into an add-parts request generating
    `wanted` in time with `given` (role -> file) over `duration_s`. The grid of `grid_from`
    (the take's request) replaces the prompt's when it sets a tempo."""
    request = copy.deepcopy(base)
    structure = request.structure
    if grid_from is not None and grid_from.structure.bpm is not None:
        grid = grid_from.structure
        structure = dataclasses.replace(structure, bpm=grid.bpm, metre=grid.metre,
                                        start_bar=grid.start_bar, bars=grid.bars,
                                        chords=list(grid.chords))
    notes = {role: n for role, n in structure.notes.items() if role in wanted}
    request.structure = dataclasses.replace(structure, parts=list(wanted), notes=notes)
    request.task = Task.ADD_PARTS
    request.inputs = TaskInputs(part_audio=dict(given))
    if duration_s > 0:
        request.duration_s = round(duration_s, 3)
    return request

