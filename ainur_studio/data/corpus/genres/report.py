"""Per-genre figures measured by reading the arranger's MIDI files back with ``mido``:
how the melody moves (steps, leaps), whether its strong beats sit on chord tones, and
whether every pitched note is in the key or in its bar's chord.

``print(report_table(genre_report()))`` prints the table in docs/corpus-genres.md.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass

from ainur_studio.data.corpus.genres.arranger import arrange_song
from ainur_studio.data.corpus.genres.midi_out import import_mido, stem_midis
from ainur_studio.data.corpus.genres.song import MELODIC_ROLES, PITCHED_ROLES, Song, is_strong
from ainur_studio.data.corpus.genres.styles import GENRES
from ainur_studio.data.corpus.score_data import bar_length

STEP, LEAP = 2, 7   # semitones: a move of at most STEP is a step, one above LEAP a leap


@dataclass(frozen=True)
class MidiNote:
    start: float      # quarter notes
    duration: float
    pitch: int
    channel: int


@dataclass(frozen=True)
class MidiSong:
    bpm: float
    metre: str
    notes: list[MidiNote]


def read_midi(data: bytes) -> MidiSong:
    """Tempo, metre and notes (in quarter notes) of an SMF, paired note-on/note-off."""
    mido = import_mido()
    midi = mido.MidiFile(file=io.BytesIO(data))
    tpq, bpm, metre, notes = midi.ticks_per_beat, 120.0, "4/4", []
    for track in midi.tracks:
        now, sounding = 0, {}
        for msg in track:
            now += msg.time
            if msg.type == "set_tempo":
                bpm = mido.tempo2bpm(msg.tempo)
            elif msg.type == "time_signature":
                metre = f"{msg.numerator}/{msg.denominator}"
            elif msg.type == "note_on" and msg.velocity > 0:
                sounding[(msg.channel, msg.note)] = now
            elif msg.type in ("note_on", "note_off") and (msg.channel, msg.note) in sounding:
                start = sounding.pop((msg.channel, msg.note))
                notes.append(MidiNote(start / tpq, (now - start) / tpq, msg.note, msg.channel))
    return MidiSong(bpm, metre, sorted(notes, key=lambda n: (n.start, n.pitch)))


def moves(notes: list[MidiNote]) -> list[int]:
    """Semitone intervals between consecutive notes of a melody line."""
    return [b.pitch - a.pitch for a, b in zip(notes, notes[1:])]


def song_counts(song: Song) -> Counter:
    """Counts behind the figures, for one song, from its stem MIDI files."""
    files, counts = stem_midis(song), Counter(songs=1)
    for role in PITCHED_ROLES:
        read = read_midi(files[role])
        bar = bar_length(read.metre)
        for n in read.notes:
            chord = song.chords[min(int(n.start // bar + 1e-9), song.bars - 1)]
            counts["pitched"] += 1
            counts["in_key"] += n.pitch % 12 in song.key.scale
            counts["in_key_or_chord"] += n.pitch % 12 in song.key.scale + chord.tones
            if role in MELODIC_ROLES and is_strong(n.start, read.metre):
                counts["strong"] += 1
                counts["strong_chord"] += n.pitch % 12 in chord.tones
        if role in MELODIC_ROLES:
            counts["melody_notes"] += len(read.notes)
            intervals = moves(read.notes)
            counts["moves"] += len(intervals)
            counts["steps"] += sum(abs(i) <= STEP for i in intervals)
            counts["leaps"] += sum(abs(i) > LEAP for i in intervals)
    return counts


def figures(counts: Counter) -> dict[str, float]:
    def share(part: str, whole: str) -> float:
        return counts[part] / counts[whole] if counts[whole] else 0.0
    return {"songs": counts["songs"], "melody_notes": counts["melody_notes"],
            "step_share": share("steps", "moves"), "leap_share": share("leaps", "moves"),
            "strong_chord_share": share("strong_chord", "strong"),
            "in_key_share": share("in_key", "pitched"),
            "key_or_chord_share": share("in_key_or_chord", "pitched")}


def genre_report(genres: tuple[str, ...] = GENRES, seeds: range = range(4)) -> dict:
    """Figures per genre over `seeds` songs each."""
    report = {}
    for genre in genres:
        total = Counter()
        for seed in seeds:
            total += song_counts(arrange_song(genre, seed))
        report[genre] = figures(total)
    return report


def report_table(report: dict) -> str:
    """The report as a Markdown table."""
    head = ("| genre | songs | melody notes | moves <= 2 st | leaps > 7 st | strong beats on "
            "chord tones | notes in key | in key or chord |\n|---|---|---|---|---|---|---|---|")
    rows = [f"| {g} | {f['songs']} | {f['melody_notes']} | {f['step_share']:.0%} | "
            f"{f['leap_share']:.0%} | {f['strong_chord_share']:.0%} | {f['in_key_share']:.0%} | "
            f"{f['key_or_chord_share']:.0%} |" for g, f in report.items()]
    return "\n".join([head, *rows])
