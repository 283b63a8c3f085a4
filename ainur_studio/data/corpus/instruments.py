"""General MIDI instruments by caption name, and the ensembles a render picks from."""

from __future__ import annotations

# caption name -> GM program (0-based)
PROGRAMS: dict[str, int] = {
    "piano": 0, "bright piano": 1, "electric piano": 4, "harpsichord": 6, "celesta": 8,
    "glockenspiel": 9, "music box": 10, "vibraphone": 11, "marimba": 12, "church organ": 19,
    "reed organ": 20, "accordion": 21, "harmonica": 22, "nylon guitar": 24,
    "acoustic guitar": 25, "acoustic bass": 32, "electric bass": 33, "violin": 40,
    "viola": 41, "cello": 42, "contrabass": 43, "pizzicato strings": 45, "harp": 46,
    "strings": 48, "slow strings": 49, "choir": 52, "voice oohs": 53, "trumpet": 56,
    "trombone": 57, "tuba": 58, "french horn": 60, "brass section": 61, "soprano sax": 64,
    "alto sax": 65, "tenor sax": 66, "baritone sax": 67, "oboe": 68, "english horn": 69,
    "bassoon": 70, "clarinet": 71, "piccolo": 72, "flute": 73, "recorder": 74,
    "pan flute": 75, "banjo": 105, "fiddle": 110,
}
# Sounding range (low, high) a melody is moved into by octaves.
RANGES: dict[str, tuple[int, int]] = {
    "piccolo": (74, 100), "flute": (62, 91), "recorder": (62, 86), "pan flute": (60, 86),
    "oboe": (58, 86), "clarinet": (52, 84), "soprano sax": (56, 84), "alto sax": (49, 78),
    "trumpet": (55, 80), "violin": (55, 93), "fiddle": (55, 88), "harmonica": (60, 84),
    "accordion": (53, 84), "music box": (60, 96), "celesta": (60, 96), "marimba": (48, 84),
    "vibraphone": (53, 89), "glockenspiel": (72, 100), "banjo": (50, 79),
}
SUSTAINED = frozenset({"strings", "slow strings", "church organ", "reed organ", "accordion",
                       "choir", "voice oohs", "brass section", "harmonica"})

# Families from the top voice to the bottom one; parts take them by register.
FAMILIES: dict[str, list[str]] = {
    "string quartet": ["violin", "violin", "viola", "cello"],
    "brass": ["trumpet", "trumpet", "french horn", "trombone", "tuba"],
    "woodwinds": ["flute", "oboe", "clarinet", "bassoon"],
    "saxophones": ["soprano sax", "alto sax", "tenor sax", "baritone sax"],
    "recorders": ["recorder", "recorder", "english horn", "bassoon"],
}
SOLO_KEYBOARDS = ["piano", "harpsichord", "church organ", "reed organ", "electric piano",
                  "harp", "nylon guitar", "marimba", "vibraphone", "accordion"]
UNIFORM = ["choir", "voice oohs", "strings", "slow strings", "brass section"]
LEADS = ["violin", "flute", "oboe", "clarinet", "trumpet", "soprano sax", "french horn",
         "english horn", "recorder", "cello"]
PADS = ["strings", "church organ", "piano", "harp", "nylon guitar", "slow strings",
        "harpsichord", "reed organ", "electric piano"]

FOLK_LEADS = ["fiddle", "violin", "flute", "recorder", "pan flute", "oboe", "clarinet",
              "accordion", "harmonica", "trumpet", "soprano sax", "piano", "banjo", "marimba",
              "vibraphone", "celesta", "music box", "piccolo", "nylon guitar", "harp"]
FOLK_COMPS = ["nylon guitar", "acoustic guitar", "piano", "harp", "accordion", "strings",
              "reed organ", "electric piano", "harpsichord", "pizzicato strings",
              "church organ"]
BASSES = ["acoustic bass", "contrabass", "cello", "tuba", "electric bass", "bassoon"]

# Ensemble kinds per collection kind, with weights.
POLYPHONIC_ENSEMBLES: dict[str, dict[str, float]] = {
    "sacred": {"uniform": 3, "solo": 3, "doubled": 2, "family": 3, "lead and pad": 1},
    "vocal": {"uniform": 3, "solo": 2, "doubled": 1, "family": 3, "lead and pad": 2},
    "chamber": {"uniform": 2, "solo": 2, "doubled": 1, "family": 4, "lead and pad": 2},
    "song": {"uniform": 1, "solo": 2, "doubled": 1, "family": 2, "lead and pad": 3},
    "dance": {"uniform": 1, "solo": 2, "doubled": 1, "family": 2, "lead and pad": 3},
}
DOUBLINGS = [("church organ", "strings"), ("choir", "church organ"), ("piano", "strings"),
             ("harpsichord", "strings"), ("choir", "strings"), ("woodwinds", "strings")]


def by_register(family: list[str], n: int) -> list[str]:
    """Spread a top-to-bottom family over `n` parts (top part first)."""
    if n <= 1:
        return family[:1]
    return [family[round(i * (len(family) - 1) / (n - 1))] for i in range(n)]


def fit_range(pitches: list[int], instrument: str) -> int:
    """Octave shift (semitones) that moves a melody's mean pitch into the instrument's range."""
    if instrument not in RANGES or not pitches:
        return 0
    low, high = RANGES[instrument]
    mean, centre = sum(pitches) / len(pitches), (low + high) / 2
    return 12 * round((centre - mean) / 12)
