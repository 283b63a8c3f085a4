"""music21 Score -> `ScoreData` (notes, bars, metre, key, lyric syllables)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ainur_studio.data.corpus.deps import require_music21
from ainur_studio.data.corpus.score_data import Bar, Note, Part, ScoreData, Syllable, bar_length

DEFAULT_VELOCITY = 80


def score_data(score: Any) -> ScoreData:
    """Reduce a parsed score. Repeats are written out for pieces without lyrics (their
    second-time verses would need the lyric numbers to be matched to the passes). Tied notes
    are merged here rather than with music21's ``stripTies``, which copies the whole score
    and takes most of the time on long movements."""
    m21 = require_music21()
    if not _has_lyrics(score):
        score = _try_expand_repeats(score)
    streams = list(score.parts) or [score]
    parts = [p for p in (_part(s, i) for i, s in enumerate(streams)) if p.notes]
    time_signature = _time_signature(score, m21)
    meta = score.metadata
    return ScoreData(
        parts=parts,
        bars=_bars(streams[0], m21, time_signature, score.highestTime),
        time_signature=time_signature,
        key=_key(score),
        syllables=_syllables(streams, m21),
        title=str(meta.bestTitle or "") if meta else "",
        composer=str(meta.composer or "") if meta else "",
    )


def _has_lyrics(score: Any) -> bool:
    return any(n.lyrics for n in score.recurse().notes)


def _try_expand_repeats(score: Any) -> Any:
    try:
        return score.expandRepeats()
    except Exception:  # malformed repeat marks: play the score as written
        return score


def _part(stream: Any, index: int) -> Part:
    notes: list[Note] = []
    open_ties: dict[int, int] = {}  # MIDI pitch -> index of the note its tie continues
    for el in stream.flatten().notes:
        duration = float(el.quarterLength)
        if duration <= 0:  # grace notes
            continue
        start = float(el.offset)
        velocity = getattr(el.volume, "velocity", None) or DEFAULT_VELOCITY
        for member in (el.notes if el.isChord else [el]):
            if not hasattr(member, "pitch"):
                continue  # unpitched percussion
            pitch = int(member.pitch.midi)
            tie = getattr(member.tie or el.tie, "type", None)
            if tie in ("stop", "continue") and pitch in open_ties:
                first = notes[open_ties[pitch]]
                notes[open_ties[pitch]] = replace(first, duration=start + duration - first.start)
                if tie == "stop":
                    del open_ties[pitch]
                continue
            notes.append(Note(start, duration, pitch, int(velocity)))
            if tie == "start":
                open_ties[pitch] = len(notes) - 1
    name = str(getattr(stream, "partName", "") or f"part {index + 1}")
    return Part(name=name, notes=sorted(notes, key=lambda n: (n.start, n.pitch)))


def _bars(stream: Any, m21: Any, time_signature: str, total: float) -> list[Bar]:
    measures = list(stream.getElementsByClass(m21.stream.Measure))
    bars = [Bar(float(m.offset), float(m.quarterLength)) for m in measures
            if float(m.quarterLength) > 0]
    if bars:
        return bars
    step = bar_length(time_signature)
    return [Bar(i * step, step) for i in range(max(1, int(-(-float(total) // step))))]


def _time_signature(score: Any, m21: Any) -> str:
    for ts in score.recurse().getElementsByClass(m21.meter.TimeSignature):
        return str(ts.ratioString)
    return "4/4"


def _key(score: Any) -> str:
    try:
        key = score.analyze("key")
    except Exception:  # no pitches to analyse
        return "C major"
    return f"{key.tonic.name.replace('-', 'b')} {key.mode}"


def _syllables(streams: list[Any], m21: Any) -> list[Syllable]:
    """The notes of the part carrying most lyrics, with the syllables of its first verse."""
    counts = [sum(1 for n in s.flatten().notes if n.lyrics) for s in streams]
    if not counts or max(counts) == 0:
        return []
    stream = streams[counts.index(max(counts))]
    notes = [n for n in stream.flatten().notes if float(n.quarterLength) > 0]
    verse = min(ly.number for n in notes for ly in n.lyrics)
    out = []
    for n in notes:
        lyric = next((ly for ly in n.lyrics if ly.number == verse), None)
        fermata = any(isinstance(e, m21.expressions.Fermata) for e in n.expressions)
        out.append(Syllable(float(n.offset), float(n.quarterLength),
                            text=(lyric.text or "") if lyric else "",
                            syllabic=(lyric.syllabic or "") if lyric else "",
                            fermata=fermata))
    return out
