"""The closeness figures of a fine-tune's validation, as lines for a person (torch-free: the
Training page and `ainur-studio train` both print them).

A validation's metrics hold, per audio space, "closeness <space>" (the previews' distance to
the held-out recordings), "... base" (the base pack's takes for the same prompts), "... floor"
(the training recordings themselves) and "... ratio" (previews / base), and "verbatim" (1.0
when a preview sits on a training recording); see `ainur_studio.training.closeness`.
"""

from __future__ import annotations

import typing as tp

PREFIX = "closeness "


def spaces(validation: tp.Mapping[str, tp.Any]) -> list[str]:
    """The audio spaces a validation measured, in its order."""
    return [key[len(PREFIX):] for key in validation
            if key.startswith(PREFIX) and not key.endswith((" base", " floor", " ratio"))]


def closeness_lines(validation: tp.Mapping[str, tp.Any]) -> list[str]:
    """One line per space: "log-mel: previews 14.2 · base pack 26.1 · your recordings 7.0 →
    0.54 of the base pack's distance" (lower is closer); empty when nothing was measured."""
    lines = []
    for space in spaces(validation):
        key = PREFIX + space
        parts = [f"previews {float(validation[key]):.1f}"]
        if key + " base" in validation:
            parts.append(f"base pack {float(validation[key + ' base']):.1f}")
        if key + " floor" in validation:
            parts.append(f"your recordings {float(validation[key + ' floor']):.1f}")
        line = f"{space}: " + " · ".join(parts)
        if key + " ratio" in validation:
            line += f" → {float(validation[key + ' ratio']):.2f} of the base pack's distance"
        lines.append(line)
    return lines


def is_verbatim(validation: tp.Mapping[str, tp.Any]) -> bool:
    """A preview sits on one of the training recordings: the run has started to memorise."""
    return bool(validation.get("verbatim"))


VERBATIM_TEXT = ("A preview is nearly a copy of one of your training recordings: the run has "
                 "started to memorise. Keep an earlier checkpoint, or train fewer steps or on "
                 "more recordings.")
