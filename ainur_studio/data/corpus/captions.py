"""Caption fields and text for a render, in the project's descriptor format.

``Composer, Genre, instruments..., moods..., G major, 84 BPM, 4/4``, built by
``ainur_studio.descriptor.build_prompt``. BPM counts quarter notes, as DAWs do, in every metre.
Mood words come from the mode and the pace of the beat (the dotted quarter in 6/8, ...).
"""

from __future__ import annotations

import random

from ainur_studio.data.corpus.score_data import beat_length
from ainur_studio.descriptor import build_prompt
from ainur_studio.types import PromptFields

MOODS: dict[tuple[str, str], list[str]] = {
    ("major", "slow"): ["calm", "serene", "peaceful", "tender"],
    ("major", "medium"): ["warm", "gentle", "hopeful", "graceful"],
    ("major", "fast"): ["bright", "lively", "joyful", "cheerful", "playful", "energetic"],
    ("minor", "slow"): ["melancholic", "somber", "mournful", "sad"],
    ("minor", "medium"): ["wistful", "pensive", "bittersweet", "nostalgic"],
    ("minor", "fast"): ["driving", "restless", "dramatic", "tense"],
}
SACRED_MOODS = {"major": ["solemn", "reverent", "majestic"], "minor": ["solemn", "dark"]}


def pace(bpm: float, time_signature: str) -> str:
    """``slow`` / ``medium`` / ``fast`` by beats per minute of the metre's beat."""
    beats_per_minute = bpm / beat_length(time_signature)
    return "slow" if beats_per_minute < 72 else "fast" if beats_per_minute > 112 else "medium"


def mood_words(mode: str, bpm: float, time_signature: str, kind: str,
               rng: random.Random) -> list[str]:
    """One or two mood words."""
    mode = "minor" if mode == "minor" else "major"
    words = list(MOODS[(mode, pace(bpm, time_signature))])
    if kind == "sacred":
        words += SACRED_MOODS[mode]
    return rng.sample(words, k=rng.choice([1, 1, 2]))


def instrument_words(instruments: list[str]) -> list[str]:
    """Caption instrument names, melody first; the drum kit reads "drums"."""
    return list(dict.fromkeys(instruments))


def caption_fields(*, composer: str, genre: str, instruments: list[str], moods: list[str],
                   key: str, bpm: int, time_signature: str) -> PromptFields:
    return PromptFields(genre=[genre], instruments=instrument_words(instruments), mood=moods,
                        artist=composer, bpm=float(bpm), key=key,
                        time_signature=time_signature)


def caption(fields: PromptFields) -> str:
    """The descriptor text for `fields`."""
    return build_prompt(fields)
