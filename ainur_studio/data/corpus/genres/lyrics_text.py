"""Original lyric lines for the genre corpus, and a seeded chooser that fits them to phrases.

Every line here was written for the Ainur Studio corpus (no quoted or adapted text) and is
distributed under the project's licence, MIT (``LICENCE``). A theme is a pool of short
fragments (3-8 syllables, counted by ``syllables``); a phrase of n notes gets one fragment
of n syllables or two that add up to n, so every note sings one syllable. Choruses repeat
their words when their melody repeats.
"""

from __future__ import annotations

import random
from dataclasses import replace

from ainur_studio.data.corpus.genres.song import Section, Slot
from ainur_studio.data.corpus.genres.syllables import count_syllables, syllabify

LICENCE = "MIT"
SOURCE = "original lyrics written for the Ainur Studio corpus"
FILLERS = ("oh", "yeah", "hey")   # pad phrases no fragment pair fits

THEMES: dict[str, tuple[str, ...]] = {
    "night drive": (
        "city lights", "on the road tonight", "neon on the rain", "engines hum",
        "we drive until the dawn", "streetlights passing by", "the radio is low",
        "windows down", "a highway made of stars", "no one knows the way",
        "the night belongs to us", "we ride the dark", "a thousand windows glowing",
        "the city hums a song for two", "chasing every light", "silver cars go by",
        "the skyline calls us home", "follow me tonight", "the city never sleeps",
        "over the bridge we go", "your hand in mine", "red lights turning green",
        "the motor and the moon", "we never look behind us", "I feel the city breathing slow"),
    "love": (
        "hold me close", "say my name again", "I was waiting here", "you and I",
        "my heart is in your hands", "I keep you in my dreams", "stay a little while",
        "every time you smile", "love is a slow fire", "you light the room",
        "whisper to me now", "I know you feel it too", "closer than before",
        "never let me go", "I found my way to you", "we were meant to be",
        "the morning in your eyes", "don't you walk away", "my sweet one", "call me home", "I would wait a hundred years",
        "the stars are brighter when you stay", "I hear your heartbeat in the dark"),
    "open road": (
        "miles to go", "dust upon my boots", "the wind is at my back", "rolling on",
        "I left the town behind", "open sky above", "the river runs along",
        "over the hill", "I carry all I own", "a long way from home",
        "the engine and the rain", "burning through the night", "nothing holds me down",
        "the road goes on and on", "wild horses run", "under the western sky",
        "I'm never coming back", "the sun is going down", "I chase the morning light",
        "the highway hums beneath my wheels", "no map to show the way",
        "a thousand miles of shining track", "far away"),
    "dance floor": (
        "move your feet", "feel the bass go down", "everybody up", "hands up high",
        "we dance until the morning", "lose yourself tonight", "the music takes control",
        "turn it up", "the floor is shaking now", "nobody sits down",
        "one more time", "the rhythm in my bones", "spin me round and round",
        "we're shining like the stars", "all night long", "feel it in the air",
        "dancing with the crowd", "the beat is calling you", "let it go", "jump jump",
        "the lights are flashing on the ceiling", "we party till the sun comes up",
        "the speakers shake the walls"),
    "home": (
        "coming home", "the kettle on the stove", "the garden in the spring",
        "my mother sang to me", "an old wooden door", "the fields are golden now",
        "by the fire", "we gather at the table", "the bells across the valley",
        "the apple trees in bloom", "snow upon the hill", "a candle in the window",
        "the river by the mill", "the evening settles down", "my father at the door", "a quiet house", "the old clock ticking on the wall",
        "we sing the songs the old ones knew", "the lantern glowing warm",
        "the seasons come and go", "back where I belong"),
    "rise up": (
        "rise up now", "we won't back down", "I'm climbing to the top", "stand tall",
        "they said it couldn't happen", "I worked for every dollar", "we're getting higher",
        "nothing can stop us", "the fire in my chest", "started from the bottom floor",
        "keep your head up", "we're building something real", "the crown is on my head",
        "hear the people shout", "I'm never giving up", "the power in my hands", "go go", "we are the ones who never quit",
        "the thunder rolling in my veins",
        "we own the night", "the world will know my name"),
    "sunshine": (
        "summer sun", "the ocean breeze is warm", "sitting by the sea",
        "easy like a sunday", "the waves are rolling in", "no worries today",
        "sweet island sound", "the palm trees sway", "the sky is blue again",
        "we sing the whole day long", "lazy afternoon", "feel the sunshine",
        "the children play outside", "the music on the shore", "brighter days are coming",
        "the tide is turning now", "golden light", "a gentle wind is blowing through",
        "the coconut trees are dancing slow", "we walk along the sandy bay",
        "warm and slow"),
}
GENRE_THEMES: dict[str, tuple[str, ...]] = {
    "pop": ("love", "dance floor"), "rock": ("open road", "rise up"),
    "boom_bap": ("rise up", "night drive"), "lofi": ("home", "love"),
    "trap": ("rise up", "night drive"), "house": ("dance floor", "night drive"),
    "techno": ("night drive", "dance floor"), "dnb": ("night drive", "rise up"),
    "synthwave": ("night drive", "love"), "ambient": ("home", "sunshine"),
    "funk": ("dance floor", "rise up"), "jazz": ("love", "night drive"),
    "reggae": ("sunshine", "rise up"), "folk": ("home", "open road"),
    "cinematic": ("open road", "home"),
}


def fragments_by_length(themes: tuple[str, ...]) -> dict[int, list[str]]:
    """The fragments of `themes` grouped by syllable count (in the order written)."""
    pool: dict[int, list[str]] = {}
    for theme in themes:
        for fragment in THEMES[theme]:
            pool.setdefault(count_syllables(fragment), []).append(fragment)
    return pool


def shapes_of(count: int, lengths: list[int], parts: int = 3) -> list[tuple[int, ...]]:
    """Non-decreasing tuples of at most `parts` of `lengths` that add up to `count`."""
    if count == 0:
        return [()]
    if parts == 0:
        return []
    return [(n, *rest) for n in lengths if n <= count
            for rest in shapes_of(count - n, [m for m in lengths if m >= n], parts - 1)]


def line_of(count: int, pool: dict[int, list[str]], rng: random.Random) -> str:
    """A line of exactly `count` syllables: the fewest fragments that fit, or the longest
    fragment that fits padded with fillers."""
    shapes = shapes_of(count, sorted(pool))
    if not shapes:
        longest = max((n for n in pool if n <= count), default=0)
        head = [rng.choice(pool[longest])] if longest else []
        return " ".join(head + rng.choices(FILLERS, k=count - longest))
    fewest = min(len(s) for s in shapes)
    shape = list(rng.choice([s for s in shapes if len(s) == fewest]))
    rng.shuffle(shape)
    parts: list[str] = []
    for n in shape:
        fresh = [f for f in pool[n] if f not in parts] or pool[n]
        parts.append(rng.choice(fresh))
    return " ".join(parts)


def phrase_keys(sections: list[Section]) -> list[tuple[str, int]]:
    """(section kind, two-bar unit) of every phrase of a melody over `sections`."""
    return [(s.name, u) for s in sections for u in range(s.bars // 2)]


def write_lyrics(slots: list[Slot], sections: list[Section], genre: str,
                 rng: random.Random) -> list[Slot]:
    """`slots` with their syllables: a line per phrase, the same words for a repeated
    chorus phrase of the same length."""
    themes = GENRE_THEMES.get(genre, ("love",))
    pool = fragments_by_length((rng.choice(themes),))
    keys = phrase_keys(sections)
    sung: dict[tuple[str, int, int], list[str]] = {}
    out: list[Slot] = []
    for phrase in sorted({s.phrase for s in slots}):
        line = [s for s in slots if s.phrase == phrase]
        name, unit = keys[phrase] if phrase < len(keys) else ("verse", phrase)
        key = (name, unit, len(line)) if name == "chorus" else (name, phrase, len(line))
        if key not in sung:
            sung[key] = syllable_texts(line_of(len(line), pool, rng))
        out += [replace(s, text=t) for s, t in zip(line, sung[key])]
    return out


def syllable_texts(line: str) -> list[str]:
    """A line's syllables, those that continue a word marked with a trailing hyphen."""
    texts = []
    for word in line.split():
        parts = syllabify(word)
        texts += [p + "-" for p in parts[:-1]] + [parts[-1]]
    return texts
