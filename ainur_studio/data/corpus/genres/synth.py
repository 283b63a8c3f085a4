"""One FluidSynth render per part: a single-part MIDI file -> 48 kHz stereo float, dry.

FluidSynth's own reverb and chorus are off (the stems get their effects from ``effects``), it
renders offline to 32-bit float WAV, one core, so the same MIDI, SoundFont and FluidSynth
version give the same samples. Drums play the kit chosen for them: a program change on the
percussion channel selects a preset of bank 128.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from ainur_studio.data.corpus.deps import find_fluidsynth
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


def with_kit(track, kit: int, mido) -> object:
    """`track` (a drum part) with a program change to drum kit `kit` at its start."""
    track.insert(1, mido.Message("program_change", channel=DRUM_CHANNEL, program=kit, time=0))
    return track


def parts_midi(song: Song, parts: list[Part], kit: int | None = None) -> bytes:
    """A format-1 SMF with the song's conductor track and `parts` on their song channels;
    drum parts select `kit` (None: the SoundFont's standard kit)."""
    mido = import_mido()
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    midi.tracks.append(conductor(song, mido))
    for part, channel in zip(song.parts, channels(song)):
        if any(part is p for p in parts):
            track = part_track(part, channel, mido)
            midi.tracks.append(with_kit(track, kit, mido) if part.is_drum and kit is not None
                               else track)
    out = io.BytesIO()
    midi.save(file=out)
    return out.getvalue()


def stem_midi(song: Song, role: str, kit: int | None = None) -> bytes:
    """The stem's MIDI as rendered: every part of `role` (the conductor track alone when the
    role is silent)."""
    return parts_midi(song, song.parts_of(role), kit)


def fluidsynth_command(midi: Path, wav: Path, soundfont: Path) -> list[str]:
    return [find_fluidsynth(), "-ni", "-q", "-F", str(wav), "-T", "wav", "-O", "float",
            "-r", str(SAMPLE_RATE), "-g", f"{SYNTH_GAIN:g}",
            "-o", "synth.cpu-cores=1", "-o", "synth.dynamic-sample-loading=1",
            "-o", "synth.polyphony=512", "-o", "synth.reverb.active=0",
            "-o", "synth.chorus.active=0", str(soundfont), str(midi)]


def fit(audio: np.ndarray, frames: int) -> np.ndarray:
    """`audio` cut or padded with silence to `frames` frames, as float32 ``[frames, 2]``."""
    out = np.zeros((frames, 2), dtype=np.float32)
    n = min(frames, audio.shape[0])
    out[:n] = audio[:n, :2] if audio.shape[1] >= 2 else np.repeat(audio[:n], 2, axis=1)
    return out


def render_midi(midi_data: bytes, soundfont: Path, frames: int) -> np.ndarray:
    """MIDI bytes rendered with `soundfont` to float32 ``[frames, 2]`` at 48 kHz.

    Raises:
        RenderError: FluidSynth failed or wrote no audio; the message carries its output.
    """
    with tempfile.TemporaryDirectory(prefix="ainur-stem-") as tmp:
        midi, wav = Path(tmp) / "part.mid", Path(tmp) / "part.wav"
        midi.write_bytes(midi_data)
        proc = subprocess.run(fluidsynth_command(midi, wav, soundfont),
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not wav.exists():
            raise RenderError(f"fluidsynth exited with {proc.returncode} rendering with "
                              f"{soundfont.name}: {(proc.stderr or proc.stdout).strip()[-500:]}")
        audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    if rate != SAMPLE_RATE:
        raise RenderError(f"fluidsynth wrote {rate} Hz audio; expected {SAMPLE_RATE}")
    return fit(audio, frames)
