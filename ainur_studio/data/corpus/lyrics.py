"""Score syllables -> words -> lines -> synced `Lyrics` (enhanced LRC), and clip windows.

Syllables join into words by their MusicXML ``syllabic`` value (``begin``/``middle`` continue a
word, ``single``/``end`` close it) or a trailing hyphen, which some editions use instead. Notes
without a syllable after a syllable are its melisma. A line ends after a word that ends in
punctuation, holds a fermata or is followed by a rest, and at the latest after `max_line_ql`.
Times come from note onsets at the rendered tempo, rounded to centiseconds (``mm:ss.xx``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ainur_studio.data.corpus.score_data import Syllable, seconds
from ainur_studio.types import LyricLine, Lyrics, LyricWord

_PUNCTUATION_END = re.compile(r"[,.;:!?]['\"’”)\]]*$")
_STRIP = "-_~ \t\u00ad"  # \u00ad: soft hyphen
MIN_REST_QL = 1.0


@dataclass
class ScoreWord:
    start: float          # ql
    end: float            # ql, end of its last note (melisma included)
    text: str
    fermata: bool = False


def normalise_hyphens(syllables: list[Syllable]) -> list[Syllable]:
    """Some editions (a few Monteverdi madrigal books) mark continued syllables with a
    trailing ``ú`` instead of a hyphen; when that is common in a piece, read it as one."""
    texts = [s.text.rstrip() for s in syllables if s.text.strip()]
    marked = sum(1 for t in texts if t.endswith("ú"))
    if not texts or marked < 0.1 * len(texts):
        return syllables
    return [replace(s, text=s.text.rstrip()[:-1] + "-") if s.text.rstrip().endswith("ú") else s
            for s in syllables]


def words_from_syllables(syllables: list[Syllable]) -> list[ScoreWord]:
    """Join syllables into words; textless notes extend the word before them."""
    syllables = normalise_hyphens(syllables)
    words: list[ScoreWord] = []
    open_word = False
    for syl in syllables:
        end = syl.start + syl.duration
        text = syl.text.strip(_STRIP)
        if not text:
            if words and syl.start - words[-1].end < 1e-6:
                words[-1].end, words[-1].fermata = end, words[-1].fermata or syl.fermata
            continue
        if open_word and words:
            words[-1].text += text
            words[-1].end, words[-1].fermata = end, syl.fermata
        else:
            words.append(ScoreWord(syl.start, end, text, syl.fermata))
        open_word = (syl.syllabic in ("begin", "middle")
                     or syl.text.rstrip().endswith(("-", "\u00ad")))
    return words


def lines_from_words(words: list[ScoreWord], *, max_line_ql: float) -> list[list[ScoreWord]]:
    """Group words into phrases (see the module docstring)."""
    lines: list[list[ScoreWord]] = []
    current: list[ScoreWord] = []
    for i, word in enumerate(words):
        if current and word.end - current[0].start > max_line_ql:
            lines.append(current)
            current = []
        current.append(word)
        following = words[i + 1] if i + 1 < len(words) else None
        rest = following is not None and following.start - word.end >= MIN_REST_QL
        if following is None or rest or word.fermata or _PUNCTUATION_END.search(word.text):
            lines.append(current)
            current = []
    return lines


def score_lyrics(syllables: list[Syllable], *, bpm: float, max_line_ql: float) -> Lyrics:
    """Synced lyrics of a whole piece at `bpm` (quarter notes per minute)."""
    words = words_from_syllables(syllables)
    lines = []
    for group in lines_from_words(words, max_line_ql=max_line_ql):
        lyric_words = [LyricWord(_ms(w.start, bpm), w.text) for w in group]
        lyric_words[-1].end_ms = _ms(group[-1].end, bpm)
        text = " ".join(w.text for w in lyric_words)
        lines.append(LyricLine(lyric_words[0].start_ms, text, words=lyric_words))
    return Lyrics(lines=lines)


def clip_lyrics(lyrics: Lyrics, start_s: float, end_s: float) -> Lyrics:
    """The words starting in ``[start_s, end_s)``, re-timed from the clip start. A line cut by
    the window keeps the words inside it."""
    lo, hi = round(start_s * 1000), round(end_s * 1000)
    lines = []
    for line in lyrics.lines:
        kept = [w for w in line.words if lo <= w.start_ms < hi]
        if not kept:
            continue
        words = [LyricWord(_cs(w.start_ms - lo), w.text,
                           None if w.end_ms is None else _cs(min(w.end_ms, hi) - lo))
                 for w in kept]
        text = " ".join(w.text for w in words)
        lines.append(LyricLine(words[0].start_ms, text, words=words))
    return Lyrics(lines=lines, tags=dict(lyrics.tags))


def _ms(ql: float, bpm: float) -> int:
    return _cs(round(seconds(ql, bpm) * 1000))


def _cs(ms: int) -> int:
    """Round to whole centiseconds, the resolution of ``[mm:ss.xx]``."""
    return int(round(ms / 10.0)) * 10
