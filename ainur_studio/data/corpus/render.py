"""MIDI -> FluidSynth -> 48 kHz stereo float audio -> level -> FLAC clips.

FluidSynth renders offline (``-F``) to 32-bit float WAV, so no dither noise enters: the same
MIDI file, settings, SoundFont and FluidSynth version give the same samples, and the FLAC
writer is deterministic too. Reverb and chorus are FluidSynth's own, set per render through
``-o synth.reverb.*`` and per part through CC91/CC93 in the MIDI file.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from ainur_studio.data.corpus.deps import find_fluidsynth, find_soundfont
from ainur_studio.fileio import atomic_write_bytes

SAMPLE_RATE = 48_000
TARGET_RMS_DB = -20.0
PEAK_CEILING_DB = -1.0
FADE_IN_S = 0.002
FADE_OUT_S = 0.02


class RenderError(RuntimeError):
    """FluidSynth failed or produced no audio; the message carries its output."""


def fluidsynth_command(midi: Path, wav: Path, soundfont: Path, synth: dict[str, float],
                       *, gain: float = 0.4) -> list[str]:
    """The offline render command line."""
    command = [find_fluidsynth(), "-ni", "-q", "-F", str(wav), "-T", "wav", "-O", "float",
               "-r", str(SAMPLE_RATE), "-g", f"{gain:g}",
               "-o", "synth.cpu-cores=1", "-o", "synth.dynamic-sample-loading=1",
               "-o", "synth.polyphony=512"]
    for name, value in sorted(synth.items()):
        command += ["-o", f"synth.reverb.{name}={value:g}"]
    return command + [str(soundfont), str(midi)]


def render_midi(midi_data: bytes, synth: dict[str, float], *,
                soundfont: str | Path | None = None) -> np.ndarray:
    """Render MIDI bytes to float32 audio ``[T, 2]`` at 48 kHz."""
    sf2 = find_soundfont(soundfont)
    with tempfile.TemporaryDirectory(prefix="ainur-render-") as tmp:
        midi, wav = Path(tmp) / "piece.mid", Path(tmp) / "piece.wav"
        midi.write_bytes(midi_data)
        proc = subprocess.run(fluidsynth_command(midi, wav, sf2, synth),
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not wav.exists():
            raise RenderError(f"fluidsynth exited with {proc.returncode}: "
                              f"{(proc.stderr or proc.stdout).strip()[-500:]}")
        audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    if rate != SAMPLE_RATE or audio.shape[0] == 0:
        raise RenderError(f"fluidsynth wrote {audio.shape[0]} frames at {rate} Hz")
    return audio[:, :2] if audio.shape[1] >= 2 else np.repeat(audio, 2, axis=1)


def level(audio: np.ndarray) -> tuple[np.ndarray, float]:
    """Scale to about -20 dBFS RMS with peaks at most -1 dBFS; returns (audio, gain in dB)."""
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    peak = float(np.max(np.abs(audio)))
    if peak <= 0:
        raise RenderError("the render is silent")
    gain = min(10 ** (TARGET_RMS_DB / 20) / rms, 10 ** (PEAK_CEILING_DB / 20) / peak)
    return (audio * gain).astype(np.float32), float(20 * np.log10(gain))


def cut(audio: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    """Frames ``[start_s, end_s)`` with short fades against clicks."""
    a, b = round(start_s * SAMPLE_RATE), min(round(end_s * SAMPLE_RATE), audio.shape[0])
    clip = audio[a:b].copy()
    fade_in, fade_out = min(len(clip), round(FADE_IN_S * SAMPLE_RATE)), min(
        len(clip), round(FADE_OUT_S * SAMPLE_RATE))
    if fade_in:
        clip[:fade_in] *= np.linspace(0, 1, fade_in, dtype=np.float32)[:, None]
    if fade_out:
        clip[-fade_out:] *= np.linspace(1, 0, fade_out, dtype=np.float32)[:, None]
    return clip


def write_flac(path: str | Path, audio: np.ndarray) -> Path:
    """16-bit stereo FLAC, written atomically."""
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(audio, -1.0, 1.0), SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, buffer.getvalue())
