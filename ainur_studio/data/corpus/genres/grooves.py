"""Drum grooves and fills per genre on the General MIDI percussion map (data only).

A groove is one bar of step strings per drum key (see ``steps``: ``X`` accent, ``x`` normal,
``o`` ghost, ``r`` 32nd roll, ``t`` triplet roll); ``variation`` overrides some lanes in the
last bar of every four-bar phrase. A fill covers the end of a bar (its length in steps) and
replaces the groove there; the section after it starts with a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# General MIDI percussion keys (channel 10)
KICK, RIM, SNARE, CLAP, E_SNARE = 36, 37, 38, 39, 40
CLOSED_HAT, PEDAL_HAT, OPEN_HAT = 42, 44, 46
LOW_FLOOR_TOM, HIGH_FLOOR_TOM, LOW_TOM, LOW_MID_TOM, HIGH_MID_TOM, HIGH_TOM = (
    41, 43, 45, 47, 48, 50)
CRASH, RIDE, RIDE_BELL, TAMBOURINE, COWBELL, SHAKER = 49, 51, 53, 54, 56, 82
TOMS = (LOW_FLOOR_TOM, HIGH_FLOOR_TOM, LOW_TOM, LOW_MID_TOM, HIGH_MID_TOM, HIGH_TOM)
SNARES = (RIM, SNARE, CLAP, E_SNARE)
SPARSE_KEYS = (KICK, CLOSED_HAT, PEDAL_HAT, SHAKER, RIDE, TAMBOURINE)


@dataclass(frozen=True)
class Groove:
    name: str
    lanes: dict[int, str]
    variation: dict[int, str] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return len(next(iter(self.lanes.values())))


def _g(name: str, variation: dict[int, str] | None = None, **lanes: str) -> Groove:
    keys = {"kick": KICK, "snare": SNARE, "rim": RIM, "clap": CLAP, "hat": CLOSED_HAT,
            "pedal": PEDAL_HAT, "open": OPEN_HAT, "ride": RIDE, "shaker": SHAKER,
            "tamb": TAMBOURINE, "floor": LOW_FLOOR_TOM, "tom": LOW_TOM, "esnare": E_SNARE}
    return Groove(name, {keys[k]: v for k, v in lanes.items()}, variation or {})


_EIGHTHS = "x.x.x.x.x.x.x.x."
_BACKBEAT = "....X.......X..."
GROOVES = {g.name: g for g in (
    _g("pop_straight", {KICK: "x.......x.x...x."}, kick="x.......x.x.....",
       snare=_BACKBEAT, hat=_EIGHTHS),
    _g("pop_dance", {OPEN_HAT: "..x...x...x...xx"}, kick="x...x...x...x...",
       clap=_BACKBEAT, hat="x.x.x.x.x.x.x.x.", open="..............x."),
    _g("rock_beat", {KICK: "x.....x.x.x....."}, kick="x.....x.x.......", snare=_BACKBEAT,
       hat="X.x.X.x.X.x.X.x."),
    _g("rock_drive", {KICK: "x.x...x.x.x.x..."}, kick="x.x.....x.x.....", snare=_BACKBEAT,
       ride="X.x.X.x.X.x.X.x."),
    _g("boom_bap", {KICK: "x.....x..xx....."}, kick="x.....x...x.....", snare=_BACKBEAT,
       hat="x.x.x.x.x.x.x.x."),
    _g("boom_bap_push", {SNARE: "....X......oX..."}, kick="x.....x...x..x..",
       snare=_BACKBEAT, hat="x.xox.xox.xox.xo"),
    _g("lofi_lazy", {KICK: "x......x..x..x.."}, kick="x......x..x.....", rim=_BACKBEAT,
       hat="x.o.x.o.x.o.x.o."),
    _g("lofi_dusty", {SNARE: "....x......ox..."}, kick="x.......x.x.....", snare=_BACKBEAT,
       shaker="xoxoxoxoxoxoxoxo"),
    _g("trap_halftime", {CLOSED_HAT: "x.x.x.x.rrx.x.tt"}, kick="x......x..x.....",
       clap="........X.......", hat="x.x.x.x.x.x.x.x."),
    _g("trap_bounce", {CLOSED_HAT: "xxxxxxxxxxrrttxx"}, kick="x.....x...x..x..",
       clap="........X.......", hat="x.xxx.x.x.xxx.x."),
    _g("house_four", {OPEN_HAT: "..x...x...x...xx"}, kick="X...X...X...X...",
       clap=_BACKBEAT, open="..x...x...x...x.", shaker="oxoxoxoxoxoxoxox"),
    _g("house_garage", {CLAP: "....X..o....X..x"}, kick="X...X...X...X...",
       clap=_BACKBEAT, open="..x...x...x...x.", hat="x.xxx.xxx.xxx.xx"),
    _g("techno_straight", {RIM: "...x..x...x..x.x"}, kick="X...X...X...X...",
       open="..x...x...x...x.", hat="xxxxxxxxxxxxxxxx", rim="...x..x....x..x."),
    _g("techno_minimal", {CLAP: "....x.......x..x"}, kick="X...X...X...X...",
       clap="....x.......x...", hat="..x...x...x...x.", shaker="oxooox.oooxoox.o"),
    _g("dnb_two_step", {KICK: "x.........xx...."}, kick="x.........x.....",
       snare=_BACKBEAT, hat="x.x.x.x.x.x.x.x."),
    _g("dnb_rolling", {SNARE: "....X..o.o..X..o"}, kick="x.........x..x..",
       snare="....X.......X...", ride="x.x.x.x.x.x.x.x.", hat=".x.x.x.x.x.x.x.x"),
    _g("synthwave_drive", {KICK: "x...x...x...x.x."}, kick="x.......x.......",
       snare=_BACKBEAT, hat="x.x.x.x.x.x.x.x."),
    _g("synthwave_four", {OPEN_HAT: "..x...x...x...x."}, kick="x...x...x...x...",
       snare=_BACKBEAT, hat="xxxxxxxxxxxxxxxx"),
    _g("ambient_pulse", {SHAKER: "o.o.o.o.o.o.o.oo"}, kick="o...............",
       shaker="..o...o...o...o."),
    _g("ambient_heartbeat", {RIDE: "o...o...o...o..."}, kick="o.o.....o.......",
       ride="o.......o......."),
    _g("funk_sixteenths", {KICK: "x..x..x...x..xx."}, kick="x..x..x...x..x..",
       snare="....x..o.o..x..o", hat="Xxxxxxx.xxxxXxxx", open="......x........."),
    _g("funk_break", {SNARE: "....X.o..o.oX.o."}, kick="x.x...x..x......",
       snare="....X..o.o..X...", hat="x.x.x.x.x.x.x.x."),
    _g("jazz_ride", {SNARE: "......o.....o..o"}, kick="o...o...o...o...",
       ride="X...x.x.X...x.x.", pedal="....x.......x..."),
    _g("jazz_brushes", {SNARE: "..o...o...o.o..."}, kick="o.......o.......",
       ride="x...x.x.x...x.x.", pedal="....x.......x...", snare="o.o.o.o.o.o.o.o."),
    _g("reggae_one_drop", {RIM: "......o.X......."}, kick="........X.......",
       rim="........X.......", hat="x.x.x.x.x.x.x.x."),
    _g("reggae_steppers", {OPEN_HAT: "..x...x...x...x."}, kick="x...x...x...x...",
       rim="........X.......", hat="x.x.x.x.x.x.x.x."),
    _g("folk_four", {TAMBOURINE: "....x.x.....x.x."}, kick="x.......x.......",
       snare=_BACKBEAT, shaker="x.x.x.x.x.x.x.x."),
    _g("folk_train", {SNARE: "oxoxoxoXoxoxoxoX"}, kick="x.......x.......",
       snare="oxoXoxoXoxoXoxoX"),
    _g("folk_waltz", {TAMBOURINE: "....x...x.x."}, kick="x...........",
       tamb="....x...x...", shaker="x.x.x.x.x.x."),
    _g("folk_waltz_brush", {SNARE: "....o...o.o."}, kick="x...........",
       snare="....o...o...", ride="x.......x..."),
    _g("cinematic_toms", {LOW_TOM: "x..x..x.x..x.xxx"}, kick="x.......x.......",
       floor="x..x..x.x..x..x.", tom="........x......."),
    _g("cinematic_march", {SNARE: "x.oox.oox.oox.xx"}, kick="x.......x.......",
       snare="x.oox.oox.oox.o.", floor="x...x...x...x..."),
    _g("cinematic_waltz", {LOW_TOM: "x...x.x.x.x."}, kick="x...........",
       floor="x...x...x...", tom="........x..."),
)}

# name -> (lanes over the last steps of the bar); every fill has toms or a snare roll
FILLS: dict[str, dict[int, str]] = {
    "tom_run": {SNARE: "xx......", HIGH_TOM: "..xx....", LOW_MID_TOM: "....xx..",
                HIGH_FLOOR_TOM: "......xx", KICK: "x......."},
    "snare_roll": {SNARE: "xxxx", KICK: "x..."},
    "snare_build": {SNARE: "x.x.xxxx", KICK: "x...x..."},
    "trap_roll": {CLOSED_HAT: "rrrrtttt", CLAP: "....xxxx", KICK: "x......."},
    "funk_fill": {SNARE: "x.xo.xx.", HIGH_TOM: "....x...", LOW_TOM: ".....x.x"},
    "jazz_kicks": {SNARE: "..x.x...", HIGH_TOM: "....x.x.", LOW_FLOOR_TOM: "......xx",
                   KICK: "x......."},
    "reggae_roll": {RIM: "x.x.....", HIGH_TOM: "..x.x...", LOW_TOM: "....x.x.",
                    LOW_FLOOR_TOM: "......xx"},
    "soft_toms": {LOW_TOM: "o...o.o.", LOW_FLOOR_TOM: "..o...oo"},
    "timpani_roll": {LOW_FLOOR_TOM: "rrrrrrrr", HIGH_FLOOR_TOM: "....x.xx", KICK: "x......."},
}
