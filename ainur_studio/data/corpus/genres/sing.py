"""``render_vocals(song, *, seed)``: the vocals stem sung by Festival, with its synced lyrics.

The sung line (the ``vocals`` part, one syllable per note, a trailing hyphen where a word
goes on) becomes a Festival singing-mode score (``Singing.v0_1.dtd``): one token per word
with a ``DURATION`` and a ``PITCH`` per syllable, a ``REST`` where the line pauses. Two of
singing mode's conventions are corrected by writing exact values instead: ``NOTE="A4"``
means 220 Hz there (it counts A5 as 440 Hz, an octave low), so pitches go in ``FREQ`` (Hz);
``BEATS`` are converted with bpm / 50 beats a second (1.2x the written tempo), so durations
go in ``SECONDS`` at the song's tempo. A third defect, Festival's ``item.leafs`` running past
a syllable's last phone (which squeezed the first syllable of every longer word), is
patched in the batch script. The word stamps of the returned lyrics are the rendered
utterance's own phone times (each word's first phone), so they are the audio's timing.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from ainur_studio.data.corpus.genres import festival
from ainur_studio.data.corpus.genres.form import SECTION_ROLES
from ainur_studio.data.corpus.genres.lyrics_text import LICENCE, SOURCE, write_lyrics
from ainur_studio.data.corpus.genres.song import Part, Song
from ainur_studio.types import LyricLine, Lyrics, LyricWord

SAMPLE_RATE = 48_000
PEAK = 0.5                 # -6 dBFS, room for the mix
MIN_REST_S = 0.03          # shorter gaps are sung through (no pause phone)
ONSET_LEVEL = 0.1          # a word after a pause starts where its level reaches 10 % of its peak
ONSET_SEARCH_S = (0.05, 0.12)   # ... searched this far before and after the synthesized onset
ENVELOPE_S = 0.005
LYRICS_TAGS = {"au": f"{SOURCE} ({LICENCE} licence)"}

_SCRIPT = """
(define (item.leafs si)
  (if (item.daughters si)
      (apply append (mapcar item.leafs (item.daughters si)))
      (list si)))
(require 'singing-mode)
(set! sing_adjcons singing_adjcons_syllable)
(define (singing_adjcons_syllable syl)
  (sing_adjcons syl)
  (let ((prev (item.prev (item.relation syl 'Syllable))))
    (if prev
        (let ((offset (item.feat syl 'addoffset))
              (cap (/ (apply + (syl->durations prev)) 4.0)))
          (if (> offset cap) (set! offset cap))
          (item.set_feat prev 'subtractoffset offset)
          (item.set_feat syl 'addoffset offset)))))
(set! sing_n 0)
(define (sing_record utt)
  (utt.save.wave utt (format nil "part%d.wav" sing_n) 'riff)
  (mapcar (lambda (w)
    (format t "word %d %s" sing_n (item.name w))
    (mapcar (lambda (syl)
              (let ((first (item.daughter1 syl)))
                (format t " %f" (+ (item.feat first "R:Segment.start")
                                   (get_duration_offset (item.name first))))))
            (item.daughters (item.relation w 'SylStructure)))
    (format t "\\n"))
    (utt.relation.items utt 'Word))
  (set! sing_n (+ 1 sing_n))
  utt)
(set! tts_hooks (list utt.synth sing_record))
(tts_file "score.xml" 'singing)
"""


@dataclass
class SungWord:
    text: str
    phrase: int
    starts: list[float]       # seconds, one per syllable (note onsets)
    durations: list[float]    # seconds
    freqs: list[float]        # Hz
    rest: float = 0.0         # seconds of silence after the word


def hz(pitch: int) -> float:
    """MIDI note number -> Hz (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((pitch - 69) / 12)


def sung_words(part: Part, song: Song) -> list[SungWord]:
    """The part's notes grouped into words by their syllables' hyphens."""
    words: list[SungWord] = []
    open_word = False
    for note, slot in zip(part.notes, part.slots):
        start, length = song.seconds(note.start), song.seconds(note.duration)
        if open_word:
            words[-1].text += slot.text.rstrip("-")
            words[-1].durations[-1] = start - words[-1].starts[-1]
            words[-1].starts.append(start)
            words[-1].durations.append(length)
            words[-1].freqs.append(hz(note.pitch))
        else:
            words.append(SungWord(slot.text.rstrip("-"), slot.phrase, [start], [length],
                                  [hz(note.pitch)]))
        open_word = slot.text.endswith("-")
    for word, following in zip(words, words[1:]):
        gap = following.starts[0] - word.starts[-1] - word.durations[-1]
        word.durations[-1] += gap if gap < MIN_REST_S else 0.0
        word.rest = gap if gap >= MIN_REST_S else 0.0
    return words


def singing_xml(words: list[SungWord], bpm: int) -> str:
    """A singing-mode score of `words` (times exact in seconds, pitches exact in Hz)."""
    lines = ['<?xml version="1.0"?>',
             '<!DOCTYPE SINGING PUBLIC "-//SINGING//DTD SINGING mark up//EN" '
             '"Singing.v0_1.dtd" []>', f'<SINGING BPM="{bpm}">']
    if words and words[0].starts[0] > 0:
        lines.append(f'<REST SECONDS="{words[0].starts[0]:.6f}"></REST>')
    for w in words:
        seconds = ",".join(f"{d:.6f}" for d in w.durations)
        freqs = ",".join(f"{f:.4f}" for f in w.freqs)
        lines.append(f'<DURATION SECONDS="{seconds}"><PITCH FREQ="{freqs}">'
                     f'{escape(w.text)}</PITCH></DURATION>')
        if w.rest:
            lines.append(f'<REST SECONDS="{w.rest:.6f}"></REST>')
    return "\n".join(lines + ["</SINGING>", ""])


def sing(xml: str) -> tuple[np.ndarray, int, list[tuple[str, list[float]]]]:
    """Festival's rendering of a singing score: mono audio, its sample rate, and each
    word's syllable onsets (seconds) as synthesized."""
    import soundfile as sf

    with tempfile.TemporaryDirectory(prefix="ainur-sing-") as tmp:
        work = Path(tmp)
        (work / "score.xml").write_text(xml, encoding="utf-8")
        out = festival.run_batch(_SCRIPT, work)
        parts = sorted(work.glob("part*.wav"), key=lambda p: int(p.stem[4:]))
        waves = [sf.read(p, dtype="float32", always_2d=True) for p in parts]
    if not waves:
        raise festival.SingingError("festival wrote no audio for the singing score")
    rate = waves[0][1]
    offsets = np.cumsum([0] + [len(w) for w, _ in waves]) / rate
    timed = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0] == "word":
            at = offsets[int(fields[1])]
            timed.append((fields[2], [at + float(t) for t in fields[3:]]))
    return np.concatenate([w[:, 0] for w, _ in waves]), rate, timed


def checked_onsets(words: list[SungWord], timed: list[tuple[str, list[float]]]) -> list[float]:
    """Each word's first-phone time, after checking Festival sang our words and syllables."""
    if len(timed) != len(words):
        raise festival.SingingError(
            f"festival sang {len(timed)} words for {len(words)} written; keep lyric words "
            f"to letters and apostrophes (lyrics_text.THEMES)")
    for word, (name, onsets) in zip(words, timed):
        if len(onsets) != len(word.starts):
            raise festival.SingingError(
                f"festival splits {name!r} into {len(onsets)} syllables but the score has "
                f"{len(word.starts)} notes for it; make syllables.EXCEPTIONS[{name!r}] agree "
                f"with Festival's lexicon")
    return [onsets[0] for _, onsets in timed]


def sung_lyrics(words: list[SungWord], onsets: list[float]) -> Lyrics:
    """Lines (one per phrase) with word stamps at the sung onsets, in milliseconds."""
    lines: list[LyricLine] = []
    for i, (word, onset) in enumerate(zip(words, onsets)):
        end = word.starts[-1] + word.durations[-1]
        if i + 1 < len(words) and words[i + 1].phrase == word.phrase:
            end = min(end, onsets[i + 1])
        stamp = LyricWord(round(onset * 1000), word.text, round(end * 1000))
        if not lines or words[i - 1].phrase != word.phrase:
            lines.append(LyricLine(stamp.start_ms, "", words=[]))
        lines[-1].words.append(stamp)
    for line in lines:
        line.text = " ".join(w.text for w in line.words)
        line.end_ms = line.words[-1].end_ms
    return Lyrics(lines=lines, tags=dict(LYRICS_TAGS))


def vocal_part(song: Song, seed: int) -> Part | None:
    """The song's sung part, its syllables written (from `seed`) if the slots are empty."""
    parts = [p for p in song.parts_of("vocals") if p.notes]
    if not parts:
        return None
    part = parts[0]
    if all(s.text for s in part.slots):
        return part
    sections = [s for s in song.sections if SECTION_ROLES[s.name].lead]
    slots = write_lyrics(part.slots, sections, song.genre,
                         random.Random(f"{song.genre}/{seed}/lyrics"))
    return replace(part, slots=slots)


def render_vocals(song: Song, *, seed: int) -> tuple[np.ndarray, Lyrics]:
    """The vocals stem ([T, 2] float32 at 48 kHz, the song's length) and its synced lyrics.
    A song without a sung part gives silence and no lines. `seed` picks the words only
    when the part's syllable slots have none; the singing itself is deterministic."""
    frames = round(song.seconds(song.length) * SAMPLE_RATE)
    stem = np.zeros((frames, 2), dtype=np.float32)
    part = vocal_part(song, seed)
    if part is None:
        return stem, Lyrics(tags=dict(LYRICS_TAGS))
    words = sung_words(part, song)
    mono, rate, timed = sing(singing_xml(words, song.bpm))
    audio = resampled(mono, rate)[:frames]
    onsets = heard_onsets(audio, words, checked_onsets(words, timed))
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    stem[:len(audio)] = (audio * (PEAK / peak if peak > 0 else 0.0))[:, None]
    return stem, sung_lyrics(words, onsets)


def envelope(audio: np.ndarray) -> np.ndarray:
    """RMS level per `ENVELOPE_S` frame of mono `audio` at `SAMPLE_RATE`."""
    hop = round(ENVELOPE_S * SAMPLE_RATE)
    usable = audio[:len(audio) // hop * hop].astype(np.float64)
    return np.sqrt((usable.reshape(-1, hop) ** 2).mean(axis=1))


def heard_onsets(audio: np.ndarray, words: list[SungWord], onsets: list[float]) -> list[float]:
    """`onsets` with each word that follows a pause moved to where its sound rises (a
    stop's closure or a vowel's attack is silent); words sung through keep the
    synthesizer's phone time."""
    env, rate = envelope(audio), 1.0 / ENVELOPE_S
    heard = list(onsets)
    for i, t in enumerate(onsets):
        if i and not words[i - 1].rest:
            continue
        lo = max(0, int((t - ONSET_SEARCH_S[0]) * rate))
        hi = int((t + ONSET_SEARCH_S[1]) * rate)
        peak = env[int(t * rate):int((t + 0.3) * rate)].max(initial=0.0)
        above = np.nonzero(env[lo:hi] > ONSET_LEVEL * peak)[0]
        if peak > 0 and len(above):
            heard[i] = (lo + above[0]) / rate
    return heard


def resampled(mono: np.ndarray, rate: int) -> np.ndarray:
    """`mono` at `SAMPLE_RATE` (polyphase, exact ratio)."""
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(SAMPLE_RATE, rate)
    return resample_poly(mono, SAMPLE_RATE // g, rate // g).astype(np.float32)
