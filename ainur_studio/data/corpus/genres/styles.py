"""One declarative spec per genre: tempo, metres, keys, swing, progressions, grooves,
bass idioms, comping layers, lead instrument and melody feel, sub-styles and forms.

Pattern names refer to ``grooves.GROOVES``, ``bass.BASS_PATTERNS``,
``harmony_parts.COMPS`` and ``melody.CELLS``; a style may list patterns for several metres
and the arranger keeps those that fit the metre it draws. Programs are General MIDI (0-127).
"""

from __future__ import annotations

from dataclasses import dataclass

from ainur_studio.data.corpus.genres import progressions as P


@dataclass(frozen=True)
class Layer:
    """A harmony instrument and how it comps."""

    instrument: str
    program: int
    comps: tuple[str, ...]
    low: int
    high: int
    velocity: int = 70
    extra: bool = False     # plays only where a section adds layers (chorus, bridge, outro)


@dataclass(frozen=True)
class SubStyle:
    name: str
    sung: bool                          # the melody is a vocal line (vocals stem)
    bpm: tuple[int, int] | None = None  # overrides the genre's tempo range


@dataclass(frozen=True)
class Style:
    name: str
    bpm: tuple[int, int]
    metres: tuple[str, ...]
    keys: tuple[str, ...]
    progressions: dict[str, tuple[P.Progression, ...]]   # per mode
    grooves: tuple[str, ...]
    fills: tuple[str, ...]
    bass: tuple[str, int]                                # instrument, program
    bass_patterns: tuple[str, ...]
    harmony: tuple[Layer, ...]
    lead: tuple[str, int]
    feel: str                                            # melody.CELLS key
    sub_styles: tuple[SubStyle, ...]
    forms: tuple[str, ...]
    swing: float = 0.5                                   # first note's share of a swung pair
    swing_unit: float = 0.25                             # swung subdivision in ql (16ths)
    bass_centre: int = 40
    bass_legato: float = 0.92
    lead_range: tuple[int, int] = (60, 79)
    vocal_range: tuple[int, int] = (57, 72)   # a singable octave and a fourth


_PAD = Layer("Pad 2 (warm)", 89, ("pad", "waltz_pad"), 48, 74, 56, extra=True)
_STRINGS = Layer("String Ensemble 1", 48, ("pad", "waltz_pad"), 48, 76, 54, extra=True)

STYLES = {s.name: s for s in (
    Style("pop", (92, 124), ("4/4",), ("C major", "G major", "D major", "F major", "A major",
                                         "A minor", "E minor"),
          {"major": (P.AXIS, P.DOO_WOP, P.SENSITIVE, ("I", "IV", "vi", "V")),
           "minor": (P.AEOLIAN_LOOP, ("i", "iv", "VI", "VII"), ("i", "VI", "VII", "VII"))},
          ("pop_straight", "pop_dance"), ("tom_run", "snare_roll", "snare_build"),
          ("Electric Bass (finger)", 33), ("pop_pulse", "rock_eighths"),
          (Layer("Acoustic Grand Piano", 0, ("piano_pop", "piano_eighths"), 55, 76, 72), _PAD),
          ("Lead 1 (square)", 80), "pop",
          (SubStyle("dance-pop", True, (112, 126)), SubStyle("ballad", True, (68, 86)),
           SubStyle("synth-pop", True), SubStyle("pop instrumental", False)),
          ("verse_chorus", "short_song", "hook_first")),
    Style("rock", (100, 150), ("4/4",), ("E major", "A major", "D major", "G major",
                                          "E minor", "A minor"),
          {"major": (("I", "IV", "V", "IV"), ("I", "bVII", "IV", "I"), P.AXIS, P.PLAGAL_LOOP),
           "minor": (("i", "VI", "VII", "i"), ("i", "VII", "VI", "VII"), ("i", "iv", "VII", "i"))},
          ("rock_beat", "rock_drive"), ("tom_run", "snare_build"),
          ("Electric Bass (pick)", 34), ("rock_eighths",),
          (Layer("Distortion Guitar", 30, ("power_eighths", "power_hits"), 40, 64, 84),
           Layer("Rock Organ", 18, ("pad",), 48, 72, 52, extra=True)),
          ("Overdriven Guitar", 29), "pop",
          (SubStyle("classic rock", True), SubStyle("hard rock", True, (124, 150)),
           SubStyle("indie rock", True), SubStyle("instrumental rock", False)),
          ("verse_chorus", "short_song", "breakdown")),
    Style("boom_bap", (85, 95), ("4/4",), ("A minor", "D minor", "E minor", "C minor",
                                           "G minor", "F major"),
          {"minor": (P.TWO_CHORD_MINOR, ("i7", "iv7", "i7", "v7"), ("i7", "VImaj7", "iv7", "v7")),
           "major": (("ii7", "V7", "Imaj7", "vi7"), ("Imaj7", "vi7", "ii7", "V7"))},
          ("boom_bap", "boom_bap_push"), ("snare_roll", "funk_fill"),
          ("Electric Bass (finger)", 33), ("boom_bap",),
          (Layer("Electric Piano 1", 4, ("chops", "lofi_keys"), 55, 74, 74), _STRINGS),
          ("Vibraphone", 11), "syncopated",
          (SubStyle("east coast", False), SubStyle("jazz rap beat", False)),
          ("loop", "hook_first", "short_song"), swing=0.6),
    Style("lofi", (70, 90), ("4/4",), ("F major", "C major", "Eb major", "D major",
                                        "A minor", "D minor"),
          {"major": (("Imaj7", "vi7", "ii7", "V7"), ("ii9", "V9", "Imaj9", "vi9"),
                     ("Imaj7", "IVmaj7", "iii7", "vi7"), ("IVmaj7", "iii7", "ii9", "Imaj7")),
           "minor": (("i9", "iv9", "VImaj7", "v7"), ("i9", "VImaj7", "iv9", "i9"))},
          ("lofi_lazy", "lofi_dusty"), ("snare_roll", "funk_fill"),
          ("Acoustic Bass", 32), ("lofi_walk", "sustain"),
          (Layer("Electric Piano 1", 4, ("lofi_keys", "pad_half"), 53, 74, 62),
           Layer("Vibraphone", 11, ("arp_eighths",), 62, 84, 48, extra=True)),
          ("Electric Piano 2", 5), "pop",
          (SubStyle("chillhop", False), SubStyle("jazzhop", False)),
          ("loop", "short_song", "arc"), swing=0.58, bass_centre=38),
    Style("trap", (130, 150), ("4/4",), ("C minor", "F minor", "G minor", "A minor",
                                          "E minor", "B minor"),
          {"minor": (P.TWO_CHORD_MINOR, ("i", "i", "VI", "V"), P.MINOR_DROP,
                     ("i", "VI", "i", "VII"))},
          ("trap_halftime", "trap_bounce"), ("trap_roll", "snare_roll"),
          ("808 Bass (Synth Bass 1)", 38), ("trap_808",),
          (Layer("Pad 8 (sweep)", 95, ("pad",), 48, 72, 52),
           Layer("Glockenspiel", 9, ("bells",), 72, 91, 54, extra=True)),
          ("Lead 2 (sawtooth)", 81), "syncopated",
          (SubStyle("dark trap", False), SubStyle("melodic trap", True)),
          ("hook_first", "loop", "short_song"), bass_centre=36, bass_legato=1.0),
    Style("house", (120, 126), ("4/4",), ("A minor", "F minor", "G minor", "D minor",
                                           "C major", "F major"),
          {"minor": (P.AEOLIAN_LOOP, ("i7", "iv7", "v7", "i7"), ("i", "VI", "VII", "i")),
           "major": (("IVmaj7", "V", "iii7", "vi7"), ("ii7", "V7", "Imaj7", "vi7"))},
          ("house_four", "house_garage"), ("snare_build", "snare_roll"),
          ("Synth Bass 2", 39), ("house_offbeat",),
          (Layer("Acoustic Grand Piano", 0, ("house_piano", "house_stabs"), 57, 79, 78),
           Layer("Pad 3 (polysynth)", 90, ("pad",), 48, 72, 50, extra=True)),
          ("Lead 1 (square)", 80), "syncopated",
          (SubStyle("deep house", False), SubStyle("vocal house", True)),
          ("build_drop", "breakdown")),
    Style("techno", (125, 135), ("4/4",), ("A minor", "F minor", "D minor", "E minor",
                                            "G minor"),
          {"minor": (P.TWO_CHORD_MINOR, ("i", "i", "VI", "VI"), ("i7", "i7", "iv7", "v7"))},
          ("techno_straight", "techno_minimal"), ("snare_build", "snare_roll"),
          ("Synth Bass 1", 38), ("techno_roll", "house_offbeat"),
          (Layer("Pad 3 (polysynth)", 90, ("techno_stab",), 52, 72, 76),
           Layer("Pad 7 (halo)", 94, ("pad",), 48, 72, 44, extra=True)),
          ("Lead 2 (sawtooth)", 81), "riff",
          (SubStyle("peak time", False), SubStyle("minimal", False),
           SubStyle("dub techno", False, (120, 126))),
          ("build_drop", "breakdown")),
    Style("dnb", (170, 176), ("4/4",), ("F minor", "G minor", "A minor", "D minor", "E minor"),
          {"minor": (P.AEOLIAN_LOOP, ("i7", "iv7", "VImaj7", "v7"),
                     ("i9", "VImaj7", "i9", "VImaj7"))},
          ("dnb_two_step", "dnb_rolling"), ("snare_roll", "snare_build"),
          ("Synth Bass 2", 39), ("dnb_sub",),
          (Layer("Pad 2 (warm)", 89, ("pad",), 48, 74, 56),
           Layer("Electric Piano 1", 4, ("lofi_keys",), 55, 76, 60, extra=True)),
          ("Lead 6 (voice)", 85), "sparse",
          (SubStyle("liquid", True), SubStyle("rollers", False), SubStyle("jungle", False)),
          ("build_drop", "breakdown"), bass_centre=36),
    Style("synthwave", (80, 118), ("4/4",), ("A minor", "E minor", "F# minor", "C minor",
                                              "D minor"),
          {"minor": (P.AEOLIAN_LOOP, P.EPIC, ("VI", "VII", "i", "i"), ("i", "iv", "VI", "VII"))},
          ("synthwave_drive", "synthwave_four"), ("tom_run", "snare_roll"),
          ("Synth Bass 1", 38), ("synth_octaves", "synth_drive"),
          (Layer("Pad 3 (polysynth)", 90, ("gated_pad", "pad"), 52, 76, 62),
           Layer("Lead 1 (square)", 80, ("arp_sixteenths",), 60, 84, 50, extra=True)),
          ("Lead 2 (sawtooth)", 81), "pop",
          (SubStyle("outrun", False), SubStyle("dreamwave", True, (80, 100)),
           SubStyle("darksynth", False, (100, 118))),
          ("verse_chorus", "short_song", "build_drop")),
    Style("ambient", (60, 80), ("4/4",), ("D major", "C major", "F major", "E major",
                                           "A minor", "D minor"),
          {"major": (("Imaj7", "IVmaj7", "Imaj7", "IVmaj7"), ("Iadd9", "vi7", "IVmaj7", "Iadd9"),
                     ("Iadd9", "Iadd9", "IVmaj7", "IVmaj7")),
           "minor": (("i9", "VImaj7", "i9", "VImaj7"), ("i", "i", "VI", "VI"))},
          ("ambient_pulse", "ambient_heartbeat"), ("soft_toms",),
          ("Fretless Bass", 35), ("sustain",),
          (Layer("Pad 1 (new age)", 88, ("pad",), 48, 76, 54),
           Layer("Celesta", 8, ("arp_eighths",), 67, 88, 44, extra=True)),
          ("Pan Flute", 75), "sparse",
          (SubStyle("drone", False), SubStyle("space", False), SubStyle("new age", False)),
          ("arc", "head")),
    Style("funk", (96, 118), ("4/4",), ("E minor", "A minor", "D minor", "G major", "C major"),
          {"minor": (("i7", "iv7", "i7", "iv7"), ("i7", "i7", "iv7", "v7")),
           "major": (("I7", "I7", "IV7", "IV7"), ("I7", "IV7", "I7", "V7"))},
          ("funk_sixteenths", "funk_break"), ("funk_fill", "snare_roll"),
          ("Slap Bass 1", 36), ("funk_pop",),
          (Layer("Clavinet", 7, ("clav",), 55, 74, 80),
           Layer("Brass Section", 61, ("chops",), 58, 77, 78, extra=True)),
          ("Alto Sax", 65), "syncopated",
          (SubStyle("p-funk", True), SubStyle("jazz-funk", False),
           SubStyle("disco-funk", True, (110, 122))),
          ("verse_chorus", "short_song", "loop"), swing=0.54),
    Style("jazz", (110, 180), ("4/4",), ("F major", "Bb major", "Eb major", "C major",
                                          "D minor", "C minor"),
          {"major": (("ii7", "V7", "Imaj7", "Imaj7"), ("Imaj7", "vi7", "ii7", "V7"),
                     ("iii7", "vi7", "ii7", "V7"), ("Imaj7", "IVmaj7", "ii7", "V7")),
           "minor": (("iiø7", "V7", "i7", "i7"), ("i7", "iv7", "iiø7", "V7"))},
          ("jazz_ride", "jazz_brushes"), ("jazz_kicks",),
          ("Acoustic Bass", 32), ("walking", "walking_up"),
          (Layer("Acoustic Grand Piano", 0, ("charleston",), 52, 72, 64),
           Layer("Electric Guitar (jazz)", 26, ("pad_half",), 50, 70, 48, extra=True)),
          ("Tenor Sax", 66), "swing",
          (SubStyle("swing", False), SubStyle("vocal jazz", True, (100, 140)),
           SubStyle("bebop", False, (160, 200))),
          ("aaba", "head"), swing=0.64, swing_unit=0.5, lead_range=(58, 80)),
    Style("reggae", (70, 90), ("4/4",), ("G major", "C major", "D major", "A major",
                                          "A minor", "E minor"),
          {"major": (P.PLAGAL_LOOP, P.AXIS, ("I", "IV", "V", "IV")),
           "minor": (("i", "iv", "i", "iv"), ("i", "VII", "VI", "VII"), ("i", "iv", "v", "i"))},
          ("reggae_one_drop", "reggae_steppers"), ("reggae_roll",),
          ("Electric Bass (finger)", 33), ("reggae_drop",),
          (Layer("Electric Guitar (clean)", 27, ("skank",), 57, 72, 80),
           Layer("Drawbar Organ", 16, ("organ_bubble",), 52, 70, 56, extra=True)),
          ("Harmonica", 22), "pop",
          (SubStyle("roots", True), SubStyle("lovers rock", True), SubStyle("dub", False)),
          ("verse_chorus", "short_song"), swing=0.55, bass_centre=38),
    Style("folk", (80, 120), ("4/4", "3/4"), ("G major", "D major", "C major", "A major",
                                               "E minor", "A minor"),
          {"major": (P.PLAGAL_LOOP, ("I", "V", "IV", "I"), P.DOO_WOP, ("I", "IV", "vi", "V")),
           "minor": (("i", "III", "VII", "i"), ("i", "iv", "i", "v"), ("i", "VI", "III", "VII"))},
          ("folk_four", "folk_train", "folk_waltz", "folk_waltz_brush"),
          ("snare_roll", "soft_toms", "tom_run"),
          ("Acoustic Bass", 32), ("folk_root_fifth", "waltz"),
          (Layer("Acoustic Guitar (steel)", 25, ("strum_folk", "waltz_strum"), 52, 71, 74),
           Layer("Accordion", 21, ("pad_half", "waltz_comp"), 55, 74, 52, extra=True)),
          ("Fiddle", 110), "folk",
          (SubStyle("singer-songwriter", True), SubStyle("country folk", True),
           SubStyle("fiddle tune", False, (96, 120))),
          ("verse_chorus", "short_song", "ballad")),
    Style("cinematic", (60, 100), ("4/4", "3/4"), ("D minor", "C minor", "E minor", "A minor",
                                                    "C major", "D major"),
          {"minor": (P.EPIC, P.AEOLIAN_LOOP, P.MINOR_DROP, ("i", "i", "VI", "VI")),
           "major": (("I", "I", "IV", "IV"), ("I", "iii", "IV", "IV"), ("vi", "IV", "I", "V"))},
          ("cinematic_toms", "cinematic_march", "cinematic_waltz"), ("timpani_roll", "tom_run"),
          ("Contrabass", 43), ("sustain", "ostinato", "waltz_sustain", "waltz_ostinato"),
          (Layer("String Ensemble 1", 48, ("strings_ostinato", "waltz_arp"), 55, 79, 66),
           Layer("String Ensemble 2", 49, ("pad", "waltz_pad"), 48, 72, 54),
           Layer("Brass Section", 61, ("brass_swell", "waltz_pad"), 46, 70, 64, extra=True)),
          ("French Horn", 60), "sparse",
          (SubStyle("epic", False), SubStyle("emotional", False, (60, 80)),
           SubStyle("adventure", False, (84, 100))),
          ("short_song", "arc", "build_drop"), bass_centre=38, lead_range=(53, 77)),
)}
GENRES = tuple(STYLES)


def get_style(genre: str) -> Style:
    if genre not in STYLES:
        raise ValueError(f"unknown genre {genre!r}; use one of {', '.join(GENRES)}")
    return STYLES[genre]
