"""English words -> syllables, one per sung note: a small spelling-rule splitter plus an
exception table for the words the rules get wrong.

The count is what matters (each syllable gets a note, and the singing synthesizer's lexicon
must agree, see ``sing.py``); the split points are the usual spelling ones: a single
consonant starts the next syllable (``mo-ment``), a cluster is split after its first letter
(``hap-py``, ``win-dow``) unless it starts with a digraph (``sing-ing``, ``moth-er``).
"""

from __future__ import annotations

import re

VOWELS = "aeiouy"
DIGRAPHS = ("ch", "ck", "gh", "ng", "ph", "sh", "th", "wh")
# ending -> whether it adds a syllable after these letters ("-ed" after t or d: "want-ed")
_SILENT_ENDINGS = (("ed", "td"), ("es", "sxzhgc"))
_GROUP = re.compile(r"[aeiouy]+")

EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "every": ("ev", "er", "y"), "evening": ("eve", "ning"), "everything": ("ev", "ery", "thing"),
    "everyone": ("ev", "ery", "one"), "someone": ("some", "one"), "anyone": ("an", "y", "one"),
    "fire": ("fi", "re"), "higher": ("high", "er"), "lion": ("li", "on"),
    "being": ("be", "ing"), "going": ("go", "ing"), "doing": ("do", "ing"),
    "seeing": ("see", "ing"), "saying": ("say", "ing"), "playing": ("play", "ing"),
    "staying": ("stay", "ing"), "flying": ("fly", "ing"), "crying": ("cry", "ing"),
    "trying": ("try", "ing"), "dying": ("dy", "ing"), "dreaming": ("dream", "ing"),
    "quiet": ("qui", "et"), "riot": ("ri", "ot"), "diamond": ("dia", "mond"),
    "alive": ("a", "live"), "above": ("a", "bove"), "away": ("a", "way"),
    "again": ("a", "gain"), "along": ("a", "long"), "alone": ("a", "lone"),
    "around": ("a", "round"), "awake": ("a", "wake"), "ago": ("a", "go"),
    "tonight": ("to", "night"), "today": ("to", "day"), "forever": ("for", "ev", "er"),
    "heaven": ("heav", "en"), "open": ("o", "pen"), "over": ("o", "ver"),
    "ocean": ("o", "cean"), "river": ("riv", "er"), "silver": ("sil", "ver"),
    "little": ("lit", "tle"), "gentle": ("gen", "tle"), "table": ("ta", "ble"),
    "people": ("peo", "ple"), "whistle": ("whis", "tle"), "candle": ("can", "dle"),
    "golden": ("gold", "en"), "sometimes": ("some", "times"), "somewhere": ("some", "where"),
    "nowhere": ("no", "where"), "maybe": ("may", "be"), "lonely": ("lone", "ly"),
    "slowly": ("slow", "ly"), "lately": ("late", "ly"), "movement": ("move", "ment"),
    "homeward": ("home", "ward"), "wildfire": ("wild", "fi", "re"), "ceiling": ("ceil", "ing"),
    "rhythm": ("rhy", "thm"), "real": ("real",), "something": ("some", "thing"),
    "everybody": ("ev", "ery", "bod", "y"), "radio": ("ra", "di", "o"),
    "stereo": ("ster", "e", "o"), "video": ("vid", "e", "o"), "neon": ("ne", "on"),
    "create": ("cre", "ate"), "idea": ("i", "de", "a"), "violet": ("vi", "o", "let"),
    "our": ("o", "ur"), "hour": ("ho", "ur"), "hours": ("ho", "urs"),
    "hundred": ("hun", "dred"), "flower": ("flow", "er"),
    "power": ("pow", "er"), "tower": ("tow", "er"),
}


def syllabify(word: str) -> list[str]:
    """`word`'s syllables in spelling (their concatenation is the word, case kept).

    >>> syllabify("window"), syllabify("singing"), syllabify("time")
    (['win', 'dow'], ['sing', 'ing'], ['time'])
    """
    key = word.lower()
    if key in EXCEPTIONS:
        return _cut(word, [len(s) for s in EXCEPTIONS[key]])
    if not re.fullmatch(r"[a-z']+", key):
        raise ValueError(f"cannot syllabify {word!r}: write lyric words with letters and "
                         f"apostrophes only (spell numbers out, drop other punctuation)")
    return _cut(word, _lengths(key))


def count_syllables(text: str) -> int:
    """Syllables in a line of words separated by spaces."""
    return sum(len(syllabify(w)) for w in text.split())


def _cut(word: str, lengths: list[int]) -> list[str]:
    out, at = [], 0
    for n in lengths:
        out.append(word[at:at + n])
        at += n
    if at != len(word):
        raise ValueError(f"syllables.EXCEPTIONS[{word.lower()!r}] does not spell the word")
    return out


def _nuclei(word: str) -> list[tuple[int, int]]:
    """(start, end) of each vowel group that is a syllable's nucleus."""
    groups = [m.span() for m in _GROUP.finditer(word)]
    if groups and groups[0] == (0, 1) and word[0] == "y" and len(word) > 1:
        groups = groups[1:]                          # "yes": y is a consonant
    if len(groups) > 1 and _silent_tail(word, groups[-1]):
        groups = groups[:-1]
    return groups or [(0, len(word))]


def _silent_tail(word: str, last: tuple[int, int]) -> bool:
    """A final "e", "ed" or "es" that is not pronounced ("time", "played", "times")."""
    tail = word[last[0]:]
    before = word[last[0] - 1] if last[0] > 0 else ""
    syllabic_le = before == "l" and last[0] > 1 and word[last[0] - 2] not in VOWELS
    if tail in ("e", "es") and syllabic_le:
        return False                                 # "ta-ble", "set-tles"
    if tail == "e":
        return True
    for ending, voiced_after in _SILENT_ENDINGS:
        if tail == ending and before not in voiced_after:
            return before not in VOWELS
    return False


def _lengths(word: str) -> list[int]:
    nuclei = _nuclei(word)
    cuts = [_split_point(word, a[1], b[0]) for a, b in zip(nuclei, nuclei[1:])]
    bounds = [0, *cuts, len(word)]
    return [b - a for a, b in zip(bounds, bounds[1:])]


def _split_point(word: str, after: int, before: int) -> int:
    """Where the consonants between two nuclei (``word[after:before]``) are split."""
    cluster = word[after:before]
    if len(cluster) == 1 and cluster != "'":
        return after                                 # "mo-ment"
    if cluster[:2] in DIGRAPHS:
        return after + 2                             # "moth-er", "sing-ing"
    return after + 1                                 # "hap-py", "win-dow"
