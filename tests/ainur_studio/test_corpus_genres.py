"""The genre arranger: seeded songs in 15 genres, checked by reading their MIDI back."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache

import pytest

from ainur_studio.data.corpus.genres.arranger import arrange_song
from ainur_studio.data.corpus.genres.form import SECTION_NAMES, SECTION_ROLES
from ainur_studio.data.corpus.genres.grooves import SNARES, TOMS
from ainur_studio.data.corpus.genres.midi_out import midi_bytes, stem_midis
from ainur_studio.data.corpus.genres.report import read_midi, song_counts
from ainur_studio.data.corpus.genres.song import DRUM_CHANNEL, PITCHED_ROLES, STEM_ROLES
from ainur_studio.data.corpus.genres.styles import GENRES
from ainur_studio.data.corpus.genres.theory import Key, chord, chord_scale

SEEDS = (0, 1)
KICK, RIM, SNARE, CLAP, PEDAL_HAT, RIDE, CRASH = 36, 37, 38, 39, 44, 51, 49


@cache
def song(genre: str, seed: int):
    return arrange_song(genre, seed)


@cache
def files(genre: str, seed: int) -> dict[str, bytes]:
    return stem_midis(song(genre, seed))


def drum_bars(genre: str, seed: int) -> dict[int, list]:
    """Drum notes read back from the drum stem, by bar, with the start within the bar."""
    s, out = song(genre, seed), {}
    for n in read_midi(files(genre, seed)["drums"]).notes:
        assert n.channel == DRUM_CHANNEL
        bar = int(n.start // s.bar_ql)
        out.setdefault(bar, []).append((round(n.start - bar * s.bar_ql, 3), n.pitch))
    return out


def groove_bars(genre: str, seed: int) -> list[int]:
    """Bars of full-drum sections that are neither fills nor section openings."""
    s = song(genre, seed)
    return [b for sec in s.sections if SECTION_ROLES[sec.name].drums == "full"
            for b in range(sec.start_bar + 1, sec.end_bar - 1)]


def test_fifteen_genres_and_the_stem_roles() -> None:
    assert len(GENRES) >= 14
    assert STEM_ROLES == ("drums", "bass", "harmony", "melody", "vocals")


@pytest.mark.parametrize("genre", GENRES)
def test_same_seed_same_bytes_other_seed_differs(genre: str) -> None:
    again = stem_midis(arrange_song(genre, 0))
    assert again == files(genre, 0)
    assert files(genre, 1)["mix"] != files(genre, 0)["mix"]


@pytest.mark.parametrize("genre", GENRES)
def test_pitched_notes_are_in_the_key_or_their_bars_chord(genre: str) -> None:
    for seed in SEEDS:
        s = song(genre, seed)
        for role in PITCHED_ROLES:
            for n in read_midi(files(genre, seed)[role]).notes:
                c = s.chords[int(n.start // s.bar_ql)]
                assert n.pitch % 12 in s.key.scale + c.tones, (role, n, c.symbol, s.key.name)


@pytest.mark.parametrize("genre", GENRES)
def test_bar_and_beat_times_match_the_midi_tempo_and_metre(genre: str) -> None:
    s = song(genre, 0)
    read = read_midi(files(genre, 0)["mix"])
    assert read.metre == s.metre and read.bpm == pytest.approx(s.bpm, rel=1e-5)
    beats_per_bar = int(s.metre.split("/")[0])
    second = 60.0 / read.bpm
    bar_times, beat_times = s.bar_times(), s.beat_times()
    assert len(beat_times) == beats_per_bar * len(bar_times) == beats_per_bar * s.bars
    for i, t in enumerate(beat_times):
        assert t == pytest.approx(i * second, abs=1e-4)
    onsets = [n.start * second for n in read.notes]     # every bar starts with a note
    assert all(any(abs(o - t) < 1e-3 for o in onsets) for t in bar_times)


@pytest.mark.parametrize("genre", GENRES)
def test_melody_moves_mostly_by_step(genre: str) -> None:
    counts = sum((song_counts(song(genre, seed)) for seed in (*SEEDS, 2)), Counter())
    assert counts["moves"] >= 40
    assert counts["steps"] / counts["moves"] >= 0.6
    assert counts["leaps"] / counts["moves"] <= 0.1
    assert counts["strong"] >= 10
    assert counts["strong_chord"] / counts["strong"] >= 0.7


@pytest.mark.parametrize("genre", GENRES)
def test_sections_cover_8_to_32_bars_and_fills_close_them(genre: str) -> None:
    for seed in SEEDS:
        s, bars = song(genre, seed), drum_bars(genre, seed)
        assert 8 <= s.bars <= 32
        assert [x.start_bar for x in s.sections] == [0] + [x.end_bar for x in s.sections[:-1]]
        assert s.sections[-1].end_bar == s.bars
        assert all(x.name in SECTION_NAMES and 2 <= x.bars <= 8 for x in s.sections)
        beat = s.bar_ql - s.beat_ql
        for section, following in zip(s.sections, s.sections[1:]):
            fill = bars[section.end_bar - 1]
            rolls = [t for t, k in fill if k in SNARES and t >= beat]
            assert any(k in TOMS for _, k in fill) or len(rolls) >= 4, (section, fill)
            assert (0.0, CRASH) in bars[following.start_bar]


def _every_bar(genre: str, seed: int, hits: set[tuple[float, int]]) -> None:
    bars = drum_bars(genre, seed)
    for bar in groove_bars(genre, seed):
        assert hits <= set(bars[bar]), (genre, bar, sorted(bars[bar]))


@pytest.mark.parametrize("seed", SEEDS)
def test_genre_grooves(seed: int) -> None:
    _every_bar("house", seed, {(b, KICK) for b in (0.0, 1.0, 2.0, 3.0)})
    _every_bar("techno", seed, {(b, KICK) for b in (0.0, 1.0, 2.0, 3.0)})
    _every_bar("boom_bap", seed, {(0.0, KICK), (1.5, KICK), (2.5, KICK), (1.0, SNARE),
                                  (3.0, SNARE)})
    _every_bar("dnb", seed, {(0.0, KICK), (2.5, KICK), (1.0, SNARE), (3.0, SNARE)})
    _every_bar("trap", seed, {(0.0, KICK), (2.0, CLAP)})
    _every_bar("jazz", seed, {(0.0, RIDE), (1.0, RIDE), (2.0, RIDE), (3.0, RIDE),
                              (1.0, PEDAL_HAT), (3.0, PEDAL_HAT)})
    _every_bar("reggae", seed, {(2.0, KICK), (2.0, RIM)})
    trap = drum_bars("trap", seed)
    assert not any((t, k) in {(1.0, CLAP), (3.0, CLAP)} for b in groove_bars("trap", seed)
                   for t, k in trap[b])     # half time: the backbeat only on beat 3


@pytest.mark.parametrize("genre", GENRES)
def test_labels_and_stems(genre: str) -> None:
    s = song(genre, 0)
    labels = json.loads(json.dumps(s.labels()))
    assert set(labels["instruments"]) == set(STEM_ROLES)
    assert len(labels["chords"]) == s.bars and labels["genre"] == genre
    lead = [p for p in s.parts if p.role in ("melody", "vocals")]
    assert len(lead) == 1 and len(lead[0].slots) == len(lead[0].notes) > 0
    for role in STEM_ROLES:
        notes = read_midi(files(genre, 0)[role]).notes
        written = sum(len(p.notes) for p in s.parts_of(role))
        assert 0.9 * written <= len(notes) <= written     # same-pitch overlaps are cut
        assert bool(notes) == bool(s.parts_of(role)), role
        assert all((n.channel == DRUM_CHANNEL) == (role == "drums") for n in notes)


def test_tempo_ranges_are_idiomatic() -> None:
    for genre, (low, high) in {"house": (120, 126), "dnb": (170, 176), "trap": (130, 150),
                               "boom_bap": (85, 95), "techno": (125, 135)}.items():
        assert all(low <= arrange_song(genre, seed).bpm <= high for seed in range(4))


def test_chords_from_roman_numerals() -> None:
    a_minor = Key.parse("A minor")
    assert chord("V7", a_minor).symbol == "E7" and chord("iiø7", a_minor).symbol == "Bm7b5"
    assert chord("bVII", Key.parse("C major")).symbol == "Bb"
    assert 8 in chord_scale(a_minor, chord("V7", a_minor))        # G# over E7 ...
    assert 7 not in chord_scale(a_minor, chord("V7", a_minor))    # ... instead of G


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="unknown genre 'polka'.*pop"):
        arrange_song("polka", 0)
    with pytest.raises(ValueError, match="bad roman numeral"):
        chord("X7", Key.parse("C major"))
    with pytest.raises(ValueError, match="unknown stem role"):
        midi_bytes(song("pop", 0), "choir")
