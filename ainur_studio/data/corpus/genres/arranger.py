"""``arrange_song(genre, seed) -> Song``: a complete multi-part piece in a genre, seeded.

One ``random.Random`` seeded from the genre and the seed draws, in order: sub-style, metre,
tempo, key, form, progressions, grooves and fills, bass pattern, comping, melody. Nothing
else is random, so the same (genre, seed) always gives the same song.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ainur_studio.data.corpus.genres import steps
from ainur_studio.data.corpus.genres.bass import BASS_PATTERNS, bass_part
from ainur_studio.data.corpus.genres.drums import drum_part
from ainur_studio.data.corpus.genres.form import SECTION_ROLES, sections_of
from ainur_studio.data.corpus.genres.grooves import GROOVES
from ainur_studio.data.corpus.genres.harmony_parts import COMPS, harmony_part
from ainur_studio.data.corpus.genres.lyrics_text import write_lyrics
from ainur_studio.data.corpus.genres.melody import Frame, melody_line
from ainur_studio.data.corpus.genres.progressions import song_chords
from ainur_studio.data.corpus.genres.song import Note, Part, Song
from ainur_studio.data.corpus.genres.styles import Style, SubStyle, get_style
from ainur_studio.data.corpus.genres.theory import Key
from ainur_studio.data.corpus.score_data import bar_length

VOICE = ("Lead Vocal (Voice Oohs)", 53)   # the sung line's placeholder timbre until singing


def fitting(names: tuple[str, ...], size: int, steps_of: Callable[[str], int],
            what: str) -> tuple[str, ...]:
    """The patterns among `names` written for bars of `size` steps."""
    fit = tuple(n for n in names if steps_of(n) == size)
    if not fit:
        raise ValueError(f"no {what} of {names} fits a {size}-step bar; add one for this metre")
    return fit


def harmony_parts(style: Style, song: Song, rng: random.Random, size: int) -> list[Part]:
    parts = []
    for layer in style.harmony:
        comp = rng.choice(fitting(layer.comps, size, lambda c: len(COMPS[c].bars[0]), "comp"))
        bars = [b for s in song.sections for b in range(s.start_bar, s.end_bar)
                if not layer.extra or SECTION_ROLES[s.name].layers]
        if bars:
            notes = harmony_part(comp, song.chords, bars, song.bar_ql, low=layer.low,
                                 high=layer.high, velocity=layer.velocity, rng=rng)
            parts.append(Part("harmony", layer.instrument, layer.program, notes))
    return parts


def lead_part(style: Style, sub: SubStyle, song: Song, rng: random.Random) -> Part:
    role, (instrument, program) = (("vocals", VOICE) if sub.sung else ("melody", style.lead))
    low, high = style.vocal_range if sub.sung else style.lead_range
    frame = Frame(song.key, song.chords, song.metre, song.bar_ql, low, high)
    sections = [s for s in song.sections if SECTION_ROLES[s.name].lead]
    lifts = {name: r.lift for name, r in SECTION_ROLES.items()}
    notes, slots = melody_line(sections, frame, style.feel, rng, centre=(low + high) // 2 - 2,
                               lifts=lifts)
    if sub.sung:   # its own generator, so the lyrics never change the music
        slots = write_lyrics(slots, sections, song.genre,
                             random.Random(f"{song.genre}/{song.seed}/lyrics"))
    return Part(role, instrument, program, notes, slots)


def swung(notes: list[Note], swing: float, unit: float) -> list[Note]:
    out = []
    for n in notes:
        start = steps.swing_time(n.start, swing, unit)
        end = max(steps.swing_time(n.start + n.duration, swing, unit), start + 0.05)
        out.append(Note(start, end - start, n.pitch, n.velocity))
    return out


def arrange_song(genre: str, seed: int) -> Song:
    """A complete song in `genre` (see ``styles.GENRES``); the same seed, the same song."""
    style = get_style(genre)
    rng = random.Random(f"{genre}/{seed}")
    sub = rng.choice(style.sub_styles)
    metre = rng.choice(style.metres)
    size = steps.steps_per_bar(bar_length(metre))
    bpm = rng.randint(*(sub.bpm or style.bpm))
    key = Key.parse(rng.choice(style.keys))
    sections = sections_of(rng.choice(style.forms))
    chords = song_chords(sections, style.progressions[key.mode], key, rng)
    song = Song(genre, sub.name, seed, bpm, metre, key, style.swing, sections, chords)
    grooves = fitting(style.grooves, size, lambda g: GROOVES[g].steps, "groove")
    song.parts.append(Part("drums", "Drum Kit", 0, drum_part(
        grooves, style.fills, sections, song.bar_ql, rng)))
    pattern = rng.choice(fitting(style.bass_patterns, size,
                                 lambda b: len(BASS_PATTERNS[b][0]), "bass pattern"))
    song.parts.append(Part("bass", *style.bass, bass_part(
        pattern, chords, key, song.bar_ql, centre=style.bass_centre,
        legato=style.bass_legato, rng=rng)))
    song.parts += harmony_parts(style, song, rng, size)
    song.parts.append(lead_part(style, sub, song, rng))
    if style.swing != 0.5:
        for part in song.parts:
            part.notes = swung(part.notes, style.swing, style.swing_unit)
    return song
