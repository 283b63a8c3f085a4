"""Song forms: named section plans of 8-32 bars, and what each kind of section plays."""

from __future__ import annotations

from dataclasses import dataclass

from ainur_studio.data.corpus.genres.song import Section

SECTION_NAMES = ("intro", "verse", "chorus", "bridge", "outro")
MIN_BARS, MAX_BARS = 8, 32

# form name -> (section, bars) in order; sections have even lengths (two-bar phrases)
FORMS: dict[str, tuple[tuple[str, int], ...]] = {
    "verse_chorus": (("intro", 4), ("verse", 8), ("chorus", 8), ("bridge", 4), ("chorus", 8)),
    "short_song": (("intro", 4), ("verse", 8), ("chorus", 8), ("outro", 4)),
    "hook_first": (("intro", 2), ("chorus", 8), ("verse", 8), ("chorus", 8)),
    "loop": (("intro", 4), ("verse", 8), ("chorus", 8)),
    "build_drop": (("intro", 8), ("verse", 8), ("chorus", 8), ("outro", 4)),
    "breakdown": (("intro", 4), ("chorus", 8), ("bridge", 4), ("chorus", 8)),
    "aaba": (("verse", 8), ("verse", 8), ("bridge", 8), ("verse", 8)),
    "head": (("intro", 4), ("verse", 8), ("bridge", 4), ("verse", 8)),
    "arc": (("intro", 4), ("verse", 8), ("bridge", 8), ("outro", 4)),
    "ballad": (("intro", 2), ("verse", 8), ("chorus", 8), ("verse", 4), ("outro", 2)),
}


@dataclass(frozen=True)
class SectionRole:
    """What a kind of section plays."""

    drums: str           # "full" | "sparse" (kick and hats only)
    lead: bool           # a melody (lead instrument or voice)
    layers: bool         # extra harmony layers (pads, strings) on top of the main comping
    lift: int            # semitones the melody's register rises (choruses sit higher)


SECTION_ROLES = {
    "intro": SectionRole(drums="sparse", lead=False, layers=False, lift=0),
    "verse": SectionRole(drums="full", lead=True, layers=False, lift=0),
    "chorus": SectionRole(drums="full", lead=True, layers=True, lift=3),
    "bridge": SectionRole(drums="full", lead=True, layers=True, lift=1),
    "outro": SectionRole(drums="sparse", lead=False, layers=True, lift=0),
}


def sections_of(form: str) -> list[Section]:
    """The sections of `form`, bar by bar from 0."""
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; use one of {sorted(FORMS)}")
    out, bar = [], 0
    for name, bars in FORMS[form]:
        out.append(Section(name, bar, bars))
        bar += bars
    return out


def section_at(sections: list[Section], bar: int) -> Section:
    return next(s for s in sections if s.start_bar <= bar < s.end_bar)
