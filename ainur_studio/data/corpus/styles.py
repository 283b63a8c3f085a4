"""What each music21 collection is: its kind (drives tempo, instruments and drums), the genre
words of its captions and its composer."""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("sacred", "vocal", "song", "dance", "chamber")


@dataclass(frozen=True)
class Style:
    kind: str            # one of KINDS
    genre: str           # descriptor genre phrase
    composer: str = ""   # empty: taken from the score, if it names one
    lyrics: bool = True  # False where the corpus' lyric text is unusable


COLLECTIONS: dict[str, Style] = {
    "bach": Style("sacred", "Baroque chorale", "Johann Sebastian Bach"),
    "palestrina": Style("sacred", "Renaissance mass", "Giovanni Pierluigi da Palestrina"),
    "josquin": Style("sacred", "Renaissance mass", "Josquin des Prez"),
    # The madrigal texts in the music21 corpus are raw OCR ("soavementre quel suo earqg
    # Iucente"): rendered as instrumentals.
    "monteverdi": Style("vocal", "Italian madrigal", "Claudio Monteverdi", lyrics=False),
    "trecento": Style("vocal", "Trecento polyphony"),
    "ciconia": Style("vocal", "medieval polyphony", "Johannes Ciconia"),
    "luca": Style("vocal", "medieval polyphony"),
    "lusitano": Style("sacred", "Renaissance motet", "Vicente Lusitano"),
    # Its "lyrics" are the figured-bass numbers of the continuo part.
    "corelli": Style("chamber", "Baroque trio sonata", "Arcangelo Corelli", lyrics=False),
    "essenFolksong": Style("song", "folk song"),
    "airdsAirs": Style("song", "Scottish air"),
    "miscFolk": Style("song", "folk song"),
    "oneills1850": Style("dance", "Irish"),
    "ryansMammoth": Style("dance", "fiddle tune"),
    "nottingham-dataset": Style("dance", "English folk dance"),
    "beethoven": Style("chamber", "Classical chamber music", "Ludwig van Beethoven"),
    "mozart": Style("chamber", "Classical chamber music", "Wolfgang Amadeus Mozart"),
    "haydn": Style("chamber", "Classical chamber music", "Joseph Haydn"),
    "schumann_robert": Style("chamber", "Romantic piece", "Robert Schumann"),
    "schumann_clara": Style("chamber", "Romantic piece", "Clara Schumann"),
}
DEFAULT_STYLE = Style("chamber", "classical piece")
# Teaching material, analyses and lead sheets without full parts.
EXCLUDED_COLLECTIONS = frozenset({"demos", "theoryExercises", "leadSheet"})

_REGIONS = (("deutschland", "German"), ("lothringen", "Lorraine"), ("schweiz", "Swiss"),
            ("china", "Chinese"), ("österreich", "Austrian"), ("oesterreich", "Austrian"),
            ("nederland", "Dutch"), ("france", "French"), ("frankreich", "French"),
            ("polen", "Polish"), ("jugoslavija", "Yugoslav"), ("luxemburg", "Luxembourg"))
_DANCES = ("hornpipe", "reel", "jig", "polka", "waltz", "march", "strathspey", "clog",
           "schottische", "slide", "quickstep", "mazurka", "set dance")
_IRISH_BY_METRE = {"6/8": "jig", "9/8": "slip jig", "12/8": "slide", "3/4": "air",
                   "2/4": "march", "2/2": "reel", "4/4": "reel"}


def style_of(collection: str) -> Style:
    return COLLECTIONS.get(collection, DEFAULT_STYLE)


def genre_of(collection: str, *, title: str = "", locale: str = "",
             time_signature: str = "") -> str:
    """The caption genre: the collection's, refined by region (Essen) or dance type."""
    style = style_of(collection)
    if collection == "essenFolksong":
        lowered = locale.casefold()
        region = next((name for key, name in _REGIONS if key in lowered), "European")
        return f"{region} folk song"
    if collection == "oneills1850":
        return f"Irish {_dance_in(title) or _IRISH_BY_METRE.get(time_signature, 'tune')}"
    if collection == "ryansMammoth":
        dance = _dance_in(title)
        return f"fiddle {dance}" if dance else style.genre
    return style.genre


def composer_of(collection: str, score_composer: str = "") -> str:
    """The composer for captions: the collection's, else the score's ("Last, First" turned
    around); anonymous and traditional pieces give "". Folk collections give "" too: their
    ABC ``C:`` fields hold notes such as "a Highland Air." rather than composers."""
    style = style_of(collection)
    if style.composer or style.kind in ("song", "dance"):
        return style.composer
    name = re.sub(r"\s+", " ", score_composer or "").strip()
    if not name or name.lower().startswith(("anon", "trad", "unknown")):
        return ""
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        name = f"{first} {last}".strip()
    return name


def _dance_in(title: str) -> str:
    lowered = title.casefold()
    return next((dance for dance in _DANCES if re.search(rf"\b{dance}", lowered)), "")
