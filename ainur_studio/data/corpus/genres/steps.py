"""Step strings: the one notation every rhythm of the arranger is written in.

A bar is a string of sixteenth-note steps (16 in 4/4, 12 in 3/4). A non-space character
other than ``-`` and ``.`` starts a hit; ``-`` holds the previous hit; ``.`` is a rest.
The hit character carries meaning for whoever reads the pattern: a velocity mark for drums
(``X`` accent, ``x`` normal, ``o`` ghost, ``r`` a 32nd-note roll, ``t`` a triplet roll), a
chord-tone token for bass lines (``R`` root, ``5`` fifth, ``A`` approach...), ``x`` for
melody and comping rhythms.
"""

from __future__ import annotations

from dataclasses import dataclass

STEP_QL = 0.25  # a sixteenth note in quarter lengths
HOLD, REST = "-", "."


@dataclass(frozen=True)
class Hit:
    step: int      # sixteenth from the start of the bar
    length: int    # in steps, the hit and its holds
    mark: str      # the character that started it

    @property
    def start(self) -> float:
        return self.step * STEP_QL

    @property
    def duration(self) -> float:
        return self.length * STEP_QL


def steps_per_bar(bar_ql: float) -> int:
    return round(bar_ql / STEP_QL)


def parse(pattern: str, steps: int | None = None) -> list[Hit]:
    """The hits of one bar's `pattern`; `steps` checks its length against the metre."""
    if steps is not None and len(pattern) != steps:
        raise ValueError(f"step pattern {pattern!r} has {len(pattern)} steps; "
                         f"this metre needs {steps} (one character per sixteenth)")
    hits: list[Hit] = []
    for i, mark in enumerate(pattern):
        if mark == HOLD:
            if hits and hits[-1].step + hits[-1].length == i:
                last = hits[-1]
                hits[-1] = Hit(last.step, last.length + 1, last.mark)
        elif mark != REST:
            hits.append(Hit(i, 1, mark))
    return hits


def swing_time(t: float, swing: float, unit: float) -> float:
    """`t` (ql) with the off-beat `unit` of each pair delayed so the pair's first note
    takes `swing` of it (0.5 straight, 0.67 triplet swing)."""
    pair = 2 * unit
    if abs((t % pair) - unit) < 1e-6:
        return t + (swing - 0.5) * pair
    return t
