"""Per-stem effect chains (``pedalboard``): filters, compression, saturation, delay, reverb.

A chain is plain data, ``[{"type": "Compressor", "threshold_db": -16.0, ...}, ...]``, drawn
with the clip's seeded ``random.Random`` from the stem's role and the genre's colour (dusty
lo-fi and boom bap, driven rock and funk, club genres, wide pads and spaces, live rooms,
polished pop), so the manifest can record exactly what was applied. Parameters are rounded
before use, so the recorded values are the values used.
"""

from __future__ import annotations

import importlib
import random
from typing import Any

import numpy as np

from ainur_studio.data.corpus.deps import MissingDependency
from ainur_studio.data.corpus.render import SAMPLE_RATE

Chain = list[dict[str, Any]]

COLOURS = {
    "lofi": "dusty", "boom_bap": "dusty", "rock": "driven", "funk": "driven",
    "pop": "polished", "trap": "club", "house": "club", "techno": "club", "dnb": "club",
    "synthwave": "wide", "ambient": "wide", "cinematic": "wide", "jazz": "live",
    "folk": "live", "reggae": "live",
}


def import_pedalboard():
    try:
        return importlib.import_module("pedalboard")
    except ImportError as exc:
        raise MissingDependency("rendering genre stems needs pedalboard: pip install "
                                "pedalboard (or pip install -e '.[corpus]')") from exc


def _u(rng: random.Random, low: float, high: float, digits: int = 2) -> float:
    return round(rng.uniform(low, high), digits)


def _fx(kind: str, **params: float) -> dict[str, Any]:
    return {"type": kind, **params}


def _comp(rng: random.Random, threshold: tuple[float, float], ratio: tuple[float, float],
          attack: tuple[float, float] = (5, 20)) -> dict[str, Any]:
    return _fx("Compressor", threshold_db=_u(rng, *threshold), ratio=_u(rng, *ratio),
               attack_ms=_u(rng, *attack), release_ms=_u(rng, 60, 200, 0))


def _reverb(rng: random.Random, room: tuple[float, float], wet: tuple[float, float]
            ) -> dict[str, Any]:
    wet_level = _u(rng, *wet, 3)
    return _fx("Reverb", room_size=_u(rng, *room), damping=_u(rng, 0.3, 0.7),
               wet_level=wet_level, dry_level=round(1.0 - wet_level / 2, 3),
               width=_u(rng, 0.7, 1.0))


def _cut(kind: str, rng: random.Random, low: float, high: float) -> dict[str, Any]:
    return _fx(kind, cutoff_frequency_hz=_u(rng, low, high, 0))


def _delay(rng: random.Random, beat_s: float, mix: tuple[float, float]) -> dict[str, Any]:
    return _fx("Delay", delay_seconds=round(beat_s * rng.choice((0.5, 0.75, 1.0)), 4),
               feedback=_u(rng, 0.15, 0.35), mix=_u(rng, *mix, 3))


def drums_chain(colour: str, rng: random.Random, beat_s: float) -> Chain:
    chain = [_cut("HighpassFilter", rng, 28, 45), _comp(rng, (-20, -12), (3, 6), (3, 12))]
    if colour == "dusty":
        chain += [_cut("LowpassFilter", rng, 5000, 8500),
                  _fx("Bitcrush", bit_depth=float(rng.choice((10, 11, 12))))]
    elif colour in ("driven", "club"):
        chain.append(_fx("Distortion", drive_db=_u(rng, 1, 6)))
    if colour == "club":
        chain.append(_fx("HighShelfFilter", cutoff_frequency_hz=8000.0,
                         gain_db=_u(rng, 1, 3), q=0.707))
    wet = (0.08, 0.2) if colour == "wide" else (0.03, 0.1)
    return chain + [_reverb(rng, (0.1, 0.35), wet)]


def bass_chain(colour: str, rng: random.Random, beat_s: float) -> Chain:
    chain = [_cut("HighpassFilter", rng, 25, 35), _comp(rng, (-24, -16), (4, 8))]
    if colour in ("driven", "club"):
        chain.append(_fx("Distortion", drive_db=_u(rng, 2, 6)))
    top = (1500, 3000) if colour == "dusty" else (2500, 5000)
    return chain + [_cut("LowpassFilter", rng, *top)]


def harmony_chain(colour: str, rng: random.Random, beat_s: float) -> Chain:
    chain = [_cut("HighpassFilter", rng, 80, 160)]
    if colour == "dusty":
        chain.append(_cut("LowpassFilter", rng, 3500, 6000))
    if colour in ("wide", "polished"):
        chain.append(_fx("Chorus", rate_hz=_u(rng, 0.3, 1.2), depth=_u(rng, 0.15, 0.35),
                         centre_delay_ms=_u(rng, 5, 9), feedback=0.0, mix=_u(rng, 0.2, 0.4)))
    room, wet = ((0.6, 0.9), (0.2, 0.35)) if colour == "wide" else ((0.3, 0.7), (0.08, 0.22))
    return chain + [_comp(rng, (-18, -12), (2, 3)), _reverb(rng, room, wet)]


def melody_chain(colour: str, rng: random.Random, beat_s: float) -> Chain:
    chain = [_cut("HighpassFilter", rng, 150, 250)]
    if colour == "dusty":
        chain.append(_cut("LowpassFilter", rng, 4000, 7000))
    elif colour == "driven":
        chain.append(_fx("Distortion", drive_db=_u(rng, 1, 5)))
    return chain + [_comp(rng, (-18, -12), (2, 4)), _delay(rng, beat_s, (0.08, 0.2)),
                    _reverb(rng, (0.3, 0.8), (0.1, 0.25))]


def vocals_chain(colour: str, rng: random.Random, beat_s: float) -> Chain:
    return [_cut("HighpassFilter", rng, 90, 130), _comp(rng, (-20, -14), (3, 5), (2, 8)),
            _fx("PeakFilter", cutoff_frequency_hz=_u(rng, 2500, 4000, 0),
                gain_db=_u(rng, 1.5, 4), q=_u(rng, 0.7, 1.2)),
            _delay(rng, beat_s, (0.05, 0.15)), _reverb(rng, (0.3, 0.6), (0.1, 0.2))]


CHAINS = {"drums": drums_chain, "bass": bass_chain, "harmony": harmony_chain,
          "melody": melody_chain, "vocals": vocals_chain}


def stem_chain(role: str, genre: str, rng: random.Random, *, beat_s: float) -> Chain:
    """The effect chain of a stem of `role` in `genre`; delays follow the beat (`beat_s`)."""
    return CHAINS[role](COLOURS.get(genre, "polished"), rng, beat_s)


def apply_chain(audio: np.ndarray, chain: Chain) -> np.ndarray:
    """`audio` (float32 ``[T, 2]``, 48 kHz) through `chain`; the same length comes back."""
    if not chain:
        return audio
    pedalboard = import_pedalboard()
    board = pedalboard.Pedalboard([
        getattr(pedalboard, fx["type"])(**{k: v for k, v in fx.items() if k != "type"})
        for fx in chain])
    out = board(np.ascontiguousarray(audio.T, dtype=np.float32), SAMPLE_RATE)
    return np.ascontiguousarray(out.T, dtype=np.float32)
