"""FluidSynth renders of a song's parts: MIDI -> 48 kHz stereo float per MIDI channel, dry.

Parts are rendered in this process by ``libfluidsynth`` (``fluid_lib``): every part of a clip
that uses the same SoundFont plays in ONE synth, on its own MIDI channel, and each channel
comes out on its own stereo output (``synth.audio-groups``), so one pass gives every part
alone. FluidSynth's own reverb and chorus are off (the stems get their effects from
``effects``); the player follows the synth's sample clock, one core, so the same MIDI,
SoundFont and FluidSynth version give the same samples. Drums play the kit chosen for them:
a program change on the percussion channel selects a preset of bank 128.
"""

from __future__ import annotations

import ctypes
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ainur_studio.data.corpus.genres.fluid_lib import FLUID_FAILED, library
from ainur_studio.data.corpus.genres.midi_out import (
    TICKS_PER_QUARTER,
    channels,
    conductor,
    import_mido,
    part_track,
)
from ainur_studio.data.corpus.genres.song import DRUM_CHANNEL, Part, Song
from ainur_studio.data.corpus.render import SAMPLE_RATE, RenderError

SYNTH_GAIN = 0.5
CHANNELS = 16                    # MIDI channels, each rendered to its own stereo output
BLOCK = 16384                    # frames per fluid_synth_process call
SETTINGS: dict[str, int | float | str] = {
    "synth.sample-rate": float(SAMPLE_RATE), "synth.gain": SYNTH_GAIN,
    "synth.cpu-cores": 1, "synth.dynamic-sample-loading": 1, "synth.polyphony": 512,
    "synth.reverb.active": 0, "synth.chorus.active": 0, "synth.lock-memory": 0,
    "synth.audio-channels": CHANNELS, "synth.audio-groups": CHANNELS,
    "player.timing-source": "sample", "player.reset-synth": 0,
}


def with_kit(track, kit: int, mido) -> object:
    """`track` (a drum part) with a program change to drum kit `kit` at its start."""
    track.insert(1, mido.Message("program_change", channel=DRUM_CHANNEL, program=kit, time=0))
    return track


class SongMidi:
    """A song's MIDI as rendered, its tracks built once: SMF bytes for any of its parts, on
    their song channels, with the conductor track; drum parts select `kit` (None: the
    SoundFont's standard kit)."""

    def __init__(self, song: Song, kit: int | None = None) -> None:
        self.song, self.kit, self.mido = song, kit, import_mido()
        self.conductor = conductor(song, self.mido)
        self.channels = channels(song)
        self._tracks: dict[int, object] = {}

    def _track(self, index: int) -> object:
        if index not in self._tracks:
            part = self.song.parts[index]
            track = part_track(part, self.channels[index], self.mido)
            self._tracks[index] = (with_kit(track, self.kit, self.mido)
                                   if part.is_drum and self.kit is not None else track)
        return self._tracks[index]

    def smf(self, parts: list[Part]) -> bytes:
        midi = self.mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
        midi.tracks.append(self.conductor)
        for index, part in enumerate(self.song.parts):
            if any(part is p for p in parts):
                midi.tracks.append(self._track(index))
        out = io.BytesIO()
        midi.save(file=out)
        return out.getvalue()

    def stem(self, role: str) -> bytes:
        """The stem's MIDI: every part of `role` (the conductor track alone when silent)."""
        return self.smf(self.song.parts_of(role))


def parts_midi(song: Song, parts: list[Part], kit: int | None = None) -> bytes:
    """A format-1 SMF with the song's conductor track and `parts` on their song channels;
    drum parts select `kit` (None: the SoundFont's standard kit)."""
    return SongMidi(song, kit).smf(parts)


def stem_midi(song: Song, role: str, kit: int | None = None) -> bytes:
    """The stem's MIDI as rendered: every part of `role` (the conductor track alone when the
    role is silent)."""
    return SongMidi(song, kit).stem(role)


def _settings(lib) -> int:
    settings = lib.new_fluid_settings()
    for name, value in SETTINGS.items():
        setter = (lib.fluid_settings_setstr if isinstance(value, str) else
                  lib.fluid_settings_setnum if isinstance(value, float) else
                  lib.fluid_settings_setint)
        if setter(settings, name.encode(), value.encode() if isinstance(value, str)
                  else value) == FLUID_FAILED:
            lib.delete_fluid_settings(settings)
            raise RenderError(f"this FluidSynth does not take the setting {name}={value}")
    return settings


def _process(lib, synth: int, out: np.ndarray, rows: dict[int, int]) -> None:
    """Run the synth over `out` (float32 ``[2 * len(rows), frames]``, zeros), MIDI channel
    `c` into rows ``2 * rows[c]`` (left) and ``2 * rows[c] + 1`` (right)."""
    frames, pointers = out.shape[1], (ctypes.c_void_p * (2 * CHANNELS))()
    for start in range(0, frames, BLOCK):
        for channel, row in rows.items():
            for side in (0, 1):
                pointers[2 * channel + side] = out[2 * row + side, start:].ctypes.data
        if lib.fluid_synth_process(synth, min(BLOCK, frames - start), 0, None,
                                   2 * CHANNELS, pointers) == FLUID_FAILED:
            raise RenderError("fluid_synth_process failed")


def render_channels(midi_data: bytes, soundfont: Path, frames: int, wanted: Iterable[int],
                    defaults: dict[int, tuple[int, int]] | None = None
                    ) -> dict[int, np.ndarray]:
    """MIDI bytes played with `soundfont` for `frames` frames at 48 kHz: the dry output of
    each MIDI channel in `wanted` as float32 ``[frames, 2]``. No preset is selected but the
    MIDI's program changes and `defaults` (channel -> (bank, program)).

    Raises:
        RenderError: FluidSynth could not load the SoundFont or play the MIDI.
    """
    lib, rows = library(), {c: i for i, c in enumerate(sorted(set(wanted)))}
    out = np.zeros((2 * len(rows), frames), dtype=np.float32)
    data = ctypes.create_string_buffer(midi_data, len(midi_data))
    settings = _settings(lib)
    synth = lib.new_fluid_synth(settings)
    if not synth:
        lib.delete_fluid_settings(settings)
        raise RenderError("FluidSynth could not create a synth with these settings")
    player = None
    try:
        font = lib.fluid_synth_sfload(synth, str(soundfont).encode(), 0)
        if font == FLUID_FAILED:
            raise RenderError(f"FluidSynth could not load the SoundFont {soundfont}")
        for channel, (bank, program) in (defaults or {}).items():
            lib.fluid_synth_program_select(synth, channel, font, bank, program)
        player = lib.new_fluid_player(synth)
        if (lib.fluid_player_add_mem(player, data, len(midi_data)) == FLUID_FAILED
                or lib.fluid_player_play(player) == FLUID_FAILED):
            raise RenderError(f"FluidSynth could not play the MIDI ({len(midi_data)} bytes)")
        _process(lib, synth, out, rows)
    finally:
        if player:
            lib.fluid_player_stop(player)
            lib.delete_fluid_player(player)
        lib.delete_fluid_synth(synth)
        lib.delete_fluid_settings(settings)
    return {c: out[2 * i:2 * i + 2].T for c, i in rows.items()}


def _channels(midi_data: bytes) -> tuple[set[int], dict[int, tuple[int, int]]]:
    """The channels the MIDI uses, and those whose first note comes before any program
    change with the preset a General MIDI synth starts them on (bank 0 program 0; the
    standard kit on channel 10)."""
    first: dict[int, str] = {}
    for message in import_mido().MidiFile(file=io.BytesIO(midi_data)):
        if message.type in ("note_on", "program_change"):
            first.setdefault(message.channel, message.type)
    unset = {c: (128 if c == DRUM_CHANNEL else 0, 0)
             for c, kind in first.items() if kind == "note_on"}
    return set(first), unset


def render_midi(midi_data: bytes, soundfont: Path, frames: int) -> np.ndarray:
    """Any MIDI bytes rendered with `soundfont` to float32 ``[frames, 2]`` at 48 kHz: the sum
    of its channels, as the ``fluidsynth`` program would play it.

    Raises:
        RenderError: FluidSynth failed.
    """
    used, defaults = _channels(midi_data)
    mix = np.zeros((frames, 2), dtype=np.float32)
    for audio in render_channels(midi_data, soundfont, frames, used, defaults).values():
        mix += audio
    return mix
