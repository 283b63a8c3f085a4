"""Errors that cross the model core's boundary, torch-free so the engine, the command line and
the UI can catch them by type without loading the model libraries."""

from __future__ import annotations


class GenerationError(ValueError):
    """A request that cannot be served. `code` is stable (for the UI and the engine protocol);
    the message says what is wrong and how to fix it.

    Codes: unknown_task, unknown_sampler, empty_prompt, bad_prompt, duration_out_of_range,
    bad_steps, bad_guidance, bad_seed, bad_strength, bad_region, bad_extend, bad_count,
    no_source, reference_unreadable, reference_too_short, source_unreadable, source_too_short,
    source_too_long, bad_interpolation, no_clasp, pack_mismatch; structure: bad_parts, bad_bpm,
    bad_metre, bad_bars, bad_chords, bad_notes, no_stems (a mix-only pack asked for parts),
    needs_stems (a stems edit given only a mix); bad_style_strength, no_style_strength (a
    style strength for a pack that is not a fine-tune).
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.plain = message  # the sentence without the code, for a person to read
        super().__init__(f"{message} [{code}]")


class GenerationCancelled(Exception):
    """`progress.should_stop()` returned True; raised at the next sampler step."""


class PackError(ValueError):
    """A pack is missing, damaged or its components do not fit together."""
