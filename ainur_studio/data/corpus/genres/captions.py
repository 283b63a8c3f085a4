"""Captions of a genre clip in several phrasings, as people prompt, from its labels.

``"lo-fi hip hop beat, dusty drums, mellow rhodes, 85 BPM, C minor"``: the project's
descriptor (``descriptor.build_prompt``), a tag list, a sentence and a short prompt. Every
word comes from the labels: genre and sub-style, instruments per stem, the drum kit, the
genre's effect colour, BPM, key, metre and mood words of the mode and tempo.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from typing import Any

from ainur_studio.data.corpus.captions import mood_words
from ainur_studio.data.corpus.genres.effects import COLOURS
from ainur_studio.data.corpus.genres.song import Song
from ainur_studio.descriptor import build_prompt
from ainur_studio.types import PromptFields

GENRE_NAMES = {"boom_bap": "boom bap", "lofi": "lo-fi hip hop", "dnb": "drum and bass"}
NOUNS = {"boom_bap": "beat", "lofi": "beat", "trap": "beat", "house": "track",
         "techno": "track", "dnb": "track", "synthwave": "track", "ambient": "piece",
         "cinematic": "cue", "jazz": "tune", "folk": "song", "reggae": "tune"}
INSTRUMENT_WORDS = {
    "808 Bass (Synth Bass 1)": "808 bass", "Acoustic Bass": "upright bass",
    "Electric Bass (finger)": "bass guitar", "Electric Bass (pick)": "picked bass",
    "Slap Bass 1": "slap bass", "Synth Bass 1": "synth bass", "Synth Bass 2": "synth bass",
    "Acoustic Grand Piano": "piano", "Acoustic Guitar (steel)": "acoustic guitar",
    "Electric Piano 1": "rhodes", "Electric Piano 2": "electric piano",
    "Electric Guitar (clean)": "clean guitar", "Electric Guitar (jazz)": "jazz guitar",
    "Distortion Guitar": "distorted guitars", "Overdriven Guitar": "overdriven guitar",
    "Drawbar Organ": "organ", "Rock Organ": "organ", "Brass Section": "brass",
    "String Ensemble 1": "strings", "String Ensemble 2": "strings",
    "Lead 1 (square)": "square lead", "Lead 2 (sawtooth)": "saw lead",
    "Lead 6 (voice)": "voice lead", "Pad 3 (polysynth)": "polysynth",
    "Lead Vocal (Voice Oohs)": "vocals",
}
DRUM_WORDS = {"TR-808": "808 drums", "Brush": "brushed drums", "Jazz": "jazz kit",
              "Electronic": "drum machine", "Orchestra": "orchestral percussion",
              "Power": "big drums", "Room": "roomy drums"}
ADJECTIVES = {
    "dusty": {"drums": "dusty", "bass": "warm", "harmony": "mellow", "melody": "soft"},
    "club": {"drums": "punchy", "bass": "deep", "harmony": "bright", "melody": "catchy"},
    "driven": {"drums": "driving", "bass": "gritty", "harmony": "crunchy", "melody": "bold"},
    "wide": {"drums": "distant", "bass": "deep", "harmony": "lush", "melody": "airy"},
    "live": {"drums": "live", "bass": "round", "harmony": "warm", "melody": "expressive"},
    "polished": {"drums": "tight", "bass": "smooth", "harmony": "shimmering",
                 "melody": "catchy"},
}
ORDER = ("drums", "harmony", "melody", "vocals", "bass")


def genre_name(genre: str) -> str:
    return GENRE_NAMES.get(genre, genre)


def instrument_word(name: str) -> str:
    """A caption word for a GM instrument name: "Pad 2 (warm)" -> "warm pad"."""
    if name in INSTRUMENT_WORDS:
        return INSTRUMENT_WORDS[name]
    if name.startswith("Pad ") and "(" in name:
        return name.split("(")[1].rstrip(")").lower() + " pad"
    return name.split(" (")[0].lower()


def style_name(song: Song) -> str:
    """"synth-pop", "deep house", "jungle drum and bass": the sub-style with its genre."""
    name = genre_name(song.genre)
    return song.sub_style if name in song.sub_style else f"{song.sub_style} {name}"


def drum_word(kit_name: str | None) -> str:
    return DRUM_WORDS.get(kit_name or "", "drums")


def stem_words(song: Song, kit_name: str | None) -> list[str]:
    """One phrase per sounding stem, e.g. "dusty drums", "mellow rhodes"."""
    adjectives = ADJECTIVES[COLOURS.get(song.genre, "polished")]
    words = []
    for role in ORDER:
        names = song.instruments()[role]
        if not names:
            continue
        noun = (drum_word(kit_name) if role == "drums"
                else " and ".join(dict.fromkeys(instrument_word(n) for n in names)))
        adjective = adjectives.get(role, "")
        words.append(f"{adjective} {noun}".strip() if role != "vocals" else noun)
    return words


def caption_fields(song: Song, instruments: list[str], moods: list[str]) -> PromptFields:
    return PromptFields(genre=[genre_name(song.genre), song.sub_style], instruments=instruments,
                        mood=moods, bpm=float(song.bpm), key=song.key.name,
                        time_signature=song.metre)


def clip_captions(song: Song, kit_name: str | None, rng: random.Random) -> dict[str, Any]:
    """``caption`` (the descriptor), ``captions`` (every phrasing), ``moods``, ``fields``."""
    words = stem_words(song, kit_name)
    moods = mood_words(song.key.mode, song.bpm, song.metre, "", rng)
    name, noun = genre_name(song.genre), NOUNS.get(song.genre, "song")
    instruments = [drum_word(kit_name) if role == "drums" else instrument_word(n)
                   for role in ORDER for n in song.instruments()[role]]
    fields = caption_fields(song, list(dict.fromkeys(instruments)), moods)
    descriptor = build_prompt(fields)
    tags = ", ".join([f"{name} {noun}", *words[:3], f"{song.bpm} BPM", song.key.name])
    sentence = (f"A {moods[0]} {song.sub_style} {noun} in {song.key.name} at {song.bpm} BPM "
                f"with {_listing(words)}.")
    short = f"{style_name(song)}, {words[0]}, {song.bpm}bpm"
    return {"caption": descriptor, "captions": [descriptor, tags, sentence, short],
            "moods": moods, "fields": asdict(fields)}


def _listing(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
