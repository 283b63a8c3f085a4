"""A song -> one stereo stem per role (``song.STEM_ROLES``), all the same length, 48 kHz float.

Per stem: each part gets a SoundFont drawn for it (``soundfonts``), a random gain and a pan;
then one FluidSynth pass per SoundFont renders every part drawn for it, each on its own
channel (``synth``). A stem's parts are panned and summed, its effect chain (``effects``) is
applied and it is levelled to its role's loudness with a random offset. Then ONE gain,
the same for every stem, brings the mix (their sum) to the target loudness with peaks, of the
mix and of every stem, at most -1 dBFS. So the mix is exactly the sum of the stems. Silent
roles are zeros.

Every role draws from its own ``random.Random`` seeded from the clip key and the role, so the
vocals (``render_vocals``: sung by Festival, see ``sing``) change nothing else.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ainur_studio.data.corpus.genres import effects
from ainur_studio.data.corpus.genres.midi_out import channels
from ainur_studio.data.corpus.genres.song import STEM_ROLES, Part, Song
from ainur_studio.data.corpus.genres.soundfonts import (
    DRUM_BANK,
    KIT_NAMES,
    SoundFont,
    drum_kit,
    pick_soundfont,
)
from ainur_studio.data.corpus.genres.synth import SongMidi, render_channels
from ainur_studio.data.corpus.render import SAMPLE_RATE, RenderError

TAIL_S = 2.0              # reverb and release after the last bar
FADE_S = 0.05             # fade at the very end (the same on every stem)
MIX_RMS_DB = -18.0
PEAK_CEILING_DB = -1.0
ROLE_RMS_DB = {"drums": -20.0, "bass": -21.0, "harmony": -24.0, "melody": -23.0,
               "vocals": -21.0}
PAN_RANGE = {"drums": (0.0, 0.1), "bass": (0.0, 0.05), "harmony": (0.15, 0.6),
             "melody": (0.0, 0.35), "vocals": (0.0, 0.05)}


@dataclass
class StemAudio:
    audio: np.ndarray                                        # float32 [T, 2]
    parts: list[dict[str, Any]] = field(default_factory=list)  # what each part was rendered with
    lyrics: Any = None                                       # the sung words' real timing


@dataclass
class StemRender:
    stems: dict[str, np.ndarray]       # every role, float32 [T, 2]
    settings: dict[str, Any]           # per role: parts, effects, level; the shared gain
    mix: np.ndarray                    # float32 [T, 2]: the levelled stems' sum times the gain
    midi: SongMidi                     # the MIDI as rendered (the drum kit included)
    lyrics: Any = None                 # `Lyrics` stamped from the sung vocals, if any


def sum_stems(stems: dict[str, np.ndarray]) -> np.ndarray:
    """The sum of the stems, in float64."""
    total = np.zeros(next(iter(stems.values())).shape, dtype=np.float64)
    for audio in stems.values():
        total += audio
    return total


def song_frames(song: Song) -> int:
    return round((song.seconds(song.length) + TAIL_S) * SAMPLE_RATE)


def db(value: float) -> float:
    return float(10 ** (value / 20))


def rms(audio: np.ndarray) -> float:
    """Root mean square (numpy's pairwise sums keep float32 accurate enough for a level)."""
    return float(np.sqrt(np.mean(np.square(audio))))


def pan(audio: np.ndarray, position: float) -> np.ndarray:
    """Balance a stereo part: -1 left, 0 unchanged, 1 right (constant power)."""
    angle = (position + 1) * np.pi / 4
    gains = np.array([np.cos(angle), np.sin(angle)], dtype=np.float32) * np.float32(np.sqrt(2))
    return audio * gains


def _pan_position(role: str, rng: random.Random) -> float:
    low, high = PAN_RANGE[role]
    return round(rng.uniform(low, high) * rng.choice((-1, 1)), 3)


@dataclass
class PartPlan:
    """How one part is rendered: drawn before any audio, so the draws never depend on it."""

    part: Part
    channel: int
    font: SoundFont
    bank: int
    program: int
    gain_db: float
    pan: float

    def settings(self) -> dict[str, Any]:
        return {"instrument": self.part.instrument, "bank": self.bank, "program": self.program,
                "soundfont": self.font.name, "gain_db": self.gain_db, "pan": self.pan}


def plan_parts(song: Song, parts: list[Part], *, rng: random.Random,
               fonts: tuple[SoundFont, ...], kit: int | None = None) -> list[PartPlan]:
    """A SoundFont, gain and pan per part of one stem, drawn in part order."""
    channel_of = {id(p): c for p, c in zip(song.parts, channels(song))}
    plans = []
    for part in parts:
        bank, program = (DRUM_BANK, kit or 0) if part.is_drum else (0, part.program)
        font = pick_soundfont(fonts, bank, program, rng)
        gain_db, position = round(rng.uniform(-2.0, 2.0), 2), _pan_position(part.role, rng)
        plans.append(PartPlan(part, channel_of[id(part)], font, bank, program, gain_db,
                              position))
    return plans


def render_plans(midi: SongMidi, plans: list[PartPlan], frames: int) -> dict[int, np.ndarray]:
    """Every planned part, dry, by MIDI channel: one FluidSynth pass per SoundFont plays all
    the parts drawn for it, each on its own channel and output."""
    out: dict[int, np.ndarray] = {}
    for font in dict.fromkeys(p.font for p in plans):
        group = [p for p in plans if p.font == font]
        out.update(render_channels(midi.smf([p.part for p in group]), font.path, frames,
                                   [p.channel for p in group]))
    return out


def dry_stem(plans: list[PartPlan], audio: dict[int, np.ndarray], frames: int) -> StemAudio:
    """One stem's planned parts panned, with their gains, summed (dry)."""
    out = StemAudio(np.zeros((frames, 2), dtype=np.float32))
    for plan in plans:
        out.audio += pan(audio[plan.channel], plan.pan) * np.float32(db(plan.gain_db))
        out.parts.append(plan.settings())
    return out


def render_vocals(song: Song, *, frames: int) -> StemAudio:
    """The vocals stem, dry: the sung line with its words, sung by Festival (`sing`), with the
    LRC stamped from the rendered audio. Festival is needed only for songs that are sung."""
    if not song.parts_of("vocals"):
        return StemAudio(np.zeros((frames, 2), dtype=np.float32))
    from ainur_studio.data.corpus.genres.festival import VOICE
    from ainur_studio.data.corpus.genres.sing import render_vocals as sing

    audio, lyrics = sing(song, seed=song.seed)
    stem = np.zeros((frames, 2), dtype=np.float32)
    stem[:min(frames, len(audio))] = audio[:frames]
    return StemAudio(stem, [{"role": "vocals", "voice": f"festival {VOICE}"}], lyrics)


def _plan_stem(song: Song, role: str, rng: random.Random, fonts: tuple[SoundFont, ...]
               ) -> tuple[list[PartPlan], dict[str, Any]]:
    if role == "vocals":
        return [], {}
    if role == "drums":
        kit = drum_kit(song.genre, rng)
        return (plan_parts(song, song.parts_of(role), rng=rng, fonts=fonts, kit=kit),
                {"kit": kit, "kit_name": KIT_NAMES.get(kit, str(kit))})
    return plan_parts(song, song.parts_of(role), rng=rng, fonts=fonts), {}


def process_stem(song: Song, role: str, dry: StemAudio, rng: random.Random
                 ) -> tuple[np.ndarray, dict[str, Any]]:
    """Effects, then the role's level with a random offset; a silent stem stays zeros."""
    if not dry.parts or not np.any(dry.audio):
        return np.zeros_like(dry.audio), {"parts": dry.parts, "effects": [], "level_db": None}
    chain = effects.stem_chain(role, song.genre, rng, beat_s=song.seconds(song.beat_ql))
    wet = effects.apply_chain(dry.audio, chain)
    level_db = round(ROLE_RMS_DB[role] + rng.uniform(-2.0, 2.0), 2)
    if rms(wet) == 0.0:
        raise RenderError(f"the {role} stem of {song.genre} seed {song.seed} is silent "
                          "after its effects")
    wet = wet * np.float32(db(level_db) / rms(wet))
    return wet, {"parts": dry.parts, "effects": chain, "level_db": level_db}


def fade_end(audio: np.ndarray) -> np.ndarray:
    n = min(len(audio), round(FADE_S * SAMPLE_RATE))
    audio[len(audio) - n:] *= np.linspace(1, 0, n, dtype=np.float32)[:, None]
    return audio


def normalise(stems: dict[str, np.ndarray]) -> tuple[float, np.ndarray]:
    """One gain for every stem (in place): the mix at `MIX_RMS_DB` RMS, no peak of the mix
    or of any stem above `PEAK_CEILING_DB`. Returns the gain in dB and the mix: the stems'
    sum before the gain, times the gain (float32)."""
    mix = sum_stems(stems)
    peak = max(float(np.max(np.abs(a))) for a in [mix, *stems.values()])
    if peak == 0.0:
        raise RenderError("every stem is silent")
    gain = min(db(MIX_RMS_DB) / rms(mix), db(PEAK_CEILING_DB) / peak)
    for role in stems:
        stems[role] *= np.float32(gain)
    mix *= gain
    return round(20 * float(np.log10(gain)), 3), mix.astype(np.float32)


def render_stems(song: Song, *, key: str, fonts: tuple[SoundFont, ...]) -> StemRender:
    """Every stem of `song`, drawn from `key` (the clip's seed string) and `fonts`."""
    frames = song_frames(song)
    rngs = {role: random.Random(f"{key}/{role}") for role in STEM_ROLES}
    plans = {role: _plan_stem(song, role, rngs[role], fonts) for role in STEM_ROLES}
    midi = SongMidi(song, plans["drums"][1].get("kit"))
    audio = render_plans(midi, [p for role in STEM_ROLES for p in plans[role][0]], frames)
    stems, settings, lyrics = {}, {}, None
    for role in STEM_ROLES:
        dry = (render_vocals(song, frames=frames) if role == "vocals"
               else dry_stem(plans[role][0], audio, frames))
        lyrics = dry.lyrics if dry.lyrics is not None else lyrics
        stems[role], settings[role] = process_stem(song, role, dry, rngs[role])
        settings[role].update(plans[role][1])
        fade_end(stems[role])
    gain_db, mix = normalise(stems)
    return StemRender(stems, {"stems": settings, "gain_db": gain_db,
                              "sample_rate": SAMPLE_RATE, "tail_s": TAIL_S}, mix, midi, lyrics)
