"""Does a take hold the structure it was asked for? Measures read off the audio alone, for the
stems model's report and for the corpus renders it is compared with.

- **Tempo**: librosa's beat tracker on the mix (onset strength at 22.05 kHz, 256-sample hop);
  the asked BPM is the tracker's prior, so of a pulse's octaves (half time, double time) the
  asked one is followed; the measured BPM is 60 over the beat period (the slope of beat times).
  `tempo_holds` is within ±3 % of the asked BPM; a pulse 10 % off is measured 10 % off.
- **First downbeat**: the onset strength folded modulo the asked beat gives the beat phase;
  of the bar's beats, the bar line is the one where the harmony changes most (beat-synchronous
  chroma of the harmonic part) and low notes strike hardest (onsets below 200 Hz: kick, bass).
  Its error is the circular distance to the asked first downbeat, so a take a beat late is a
  beat out.
- **Chords**: each bar's constant-Q chroma of the harmonic part (between the asked bar lines) is
  matched against the 24 major and minor triad templates (`chord_estimate.match_chord`); a bar
  holds when the best template is a triad within the asked chord (its own, or for a seventh
  chord the one on its third: Am7 holds as Am or C, which the templates cannot tell apart).
- **Notes**: a part transcribed back (`transcribe`, Basic Pitch) against the notes it was given:
  note-onset F1 with matching pitch, 50 ms tolerance, offsets ignored (`mir_eval`).
- **Sung words**: RMS of the vocal stem inside the LRC's stamped words against between its
  lines (the gaps from a line's last word to the next line's first).

Needs the `midi` extra (librosa, mir_eval; Basic Pitch for the notes).
"""

from __future__ import annotations

import math
import typing as tp
from dataclasses import dataclass

import numpy as np

from ainur_studio.chord_estimate import NOTE_NAMES, match_chord
from ainur_studio.structure import NO_CHORD, bar_seconds, chord_tones
from ainur_studio.types import Lyrics, NoteEvent

SR = 22_050
HOP = 256
TEMPO_TOLERANCE = 0.03
DOWNBEAT_TOLERANCE_S = 0.05
NOTE_TOLERANCE_S = 0.05
LOW_BAND_HZ = 200.0
ONSET_FFT = 1024
CHANGE_WEIGHT = 2.0           # the harmony's change counts twice the low notes' strike


def mono_22k(wav: tp.Any, sample_rate: int) -> np.ndarray:
    """`wav` ([C, T] or [T]) as mono float32 at 22.05 kHz, the rate the measures analyse."""
    import librosa

    audio = np.asarray(wav, dtype=np.float32)
    audio = audio.mean(axis=0) if audio.ndim == 2 else audio
    return librosa.resample(audio, orig_sr=sample_rate, target_sr=SR) if sample_rate != SR else audio


@dataclass(frozen=True)
class GridFigures:
    asked_bpm: float
    measured_bpm: float
    tempo_error: float          # measured / asked - 1
    tempo_holds: bool           # within ±3 %
    octave_error: bool          # within ±3 % of half or double the asked BPM
    downbeat_s: float           # the measured bar line, in [0, bar)
    downbeat_error_s: float     # circular distance to the asked first downbeat
    downbeat_holds: bool        # within 50 ms


def grid_figures(wav: tp.Any, sample_rate: int, *, bpm: float, metre: str = "4/4",
                 first_downbeat_s: float = 0.0, drums: tp.Any = None) -> GridFigures:
    """Tempo and bar phase of `wav` ([C, T] or [T]) against the asked grid. `drums` (the
    take's drums stem, same rate) places the beat and the kick without the bass and the
    offbeat parts of the mix; without it they are read off the mix."""
    import librosa

    y = mono_22k(wav, sample_rate)
    harmonic, percussive = librosa.effects.hpss(y)
    envelope = _onsets(y)
    # the asked tempo is the tracker's prior: it settles which octave of the pulse to follow,
    # not the pulse itself (a take 10 % off is still measured 10 % off)
    _, beats = librosa.beat.beat_track(onset_envelope=envelope, sr=SR, hop_length=HOP,
                                       start_bpm=bpm, units="time")
    measured = 60.0 / _beat_period(beats) if len(beats) > 2 else 0.0
    error = measured / bpm - 1.0
    octave = any(abs(measured / (bpm * f) - 1.0) <= TEMPO_TOLERANCE for f in (0.5, 2.0))

    if drums is not None:
        kit = mono_22k(drums, sample_rate)
        pulse, kick = _onsets(kit), _onsets(kit, fmax=LOW_BAND_HZ)
    else:
        pulse, kick = envelope, _onsets(percussive, fmax=LOW_BAND_HZ)
    bar = bar_seconds(bpm, metre)
    phase = _downbeat(harmonic, pulse, kick, _onsets(y, fmax=LOW_BAND_HZ), bpm=bpm, bar_s=bar)
    offset = (phase - first_downbeat_s) % bar
    distance = min(offset, bar - offset)
    return GridFigures(asked_bpm=bpm, measured_bpm=measured, tempo_error=error,
                       tempo_holds=abs(error) <= TEMPO_TOLERANCE, octave_error=octave,
                       downbeat_s=phase, downbeat_error_s=distance,
                       downbeat_holds=distance <= DOWNBEAT_TOLERANCE_S)


def _onsets(y: np.ndarray, fmax: float | None = None) -> np.ndarray:
    """Onset strength (spectral flux), the whole band or the mel bands below `fmax`."""
    import librosa

    if fmax is None:
        return librosa.onset.onset_strength(y=y, sr=SR, hop_length=HOP, n_fft=ONSET_FFT)
    return librosa.onset.onset_strength(y=y, sr=SR, hop_length=HOP, n_fft=ONSET_FFT,
                                        fmax=fmax, n_mels=16)


def _beat_period(beats: np.ndarray) -> float:
    """The beat period as the slope of beat times against beat number (least squares), not
    the median interval, which the analysis hop quantises (2 % at 120 BPM)."""
    slope, _ = np.polyfit(np.arange(len(beats)), beats, 1)
    return float(slope)


def _fold(values: np.ndarray, period_s: float, bins: int) -> np.ndarray:
    """Frame values summed by their phase modulo `period_s`, in `bins` bins (circular)."""
    import librosa

    times = librosa.frames_to_time(np.arange(len(values)), sr=SR, hop_length=HOP)
    index = ((times % period_s) / period_s * bins).astype(int) % bins
    folded = np.bincount(index, weights=values, minlength=bins)
    # a little smoothing, so one frame's jitter does not split a peak
    return np.convolve(np.r_[folded[-1:], folded, folded[:1]], [0.25, 0.5, 0.25], "valid")


def _downbeat(harmonic: np.ndarray, pulse: np.ndarray, kick: np.ndarray, low: np.ndarray, *,
              bpm: float, bar_s: float) -> float:
    """The bar line in [0, bar_s): the beat phase where the pulse and the kick gather, then
    the beat of the bar where low notes (kick, bass) strike and the harmony changes most."""
    import librosa

    beat_s = 60.0 / bpm
    frames = min(len(kick), len(pulse))
    both = pulse[:frames] / (pulse.max() + 1e-9) + kick[:frames] / (kick.max() + 1e-9)
    bins = max(1, int(round(beat_s * SR / HOP)))
    phase = (float(np.argmax(_fold(both, beat_s, bins))) + 0.5) * beat_s / bins
    per_bar = max(1, int(round(bar_s / beat_s)))
    length = len(harmonic) / SR
    starts = np.arange(phase, length - beat_s, beat_s)
    if len(starts) < 2 * per_bar:
        return phase
    # the harmony's change into each beat (beat-synchronous chroma of the harmonic part)
    chroma = librosa.feature.chroma_cqt(y=harmonic, sr=SR, hop_length=HOP * 2)
    edges = librosa.time_to_frames(np.r_[starts, starts[-1] + beat_s], sr=SR, hop_length=HOP * 2)
    synced = np.stack([chroma[:, a:max(b, a + 1)].mean(axis=1) for a, b in zip(edges, edges[1:])],
                      axis=1)
    unit = synced / (np.linalg.norm(synced, axis=0, keepdims=True) + 1e-9)
    change = np.r_[0.0, 1.0 - (unit[:, 1:] * unit[:, :-1]).sum(axis=0)]
    at = np.clip(librosa.time_to_frames(starts, sr=SR, hop_length=HOP), 0, len(low) - 1)
    strike = np.array([low[max(0, i - 1):i + 2].max() for i in at])
    score = np.zeros(per_bar)
    for weight, values in ((CHANGE_WEIGHT, change), (1.0, strike)):
        by_beat = np.bincount(np.arange(len(values)) % per_bar, weights=values, minlength=per_bar)
        score += weight * by_beat / (by_beat.sum() + 1e-9)
    first = int(np.argmax(score))
    return float((phase + first * beat_s) % bar_s)


def triad(symbol: str) -> str:
    """The major or minor triad a chord symbol reduces to (``"Am7"`` -> ``"Am"``; ``"G7"`` ->
    ``"G"``; a slash bass is dropped); `NO_CHORD` when it has no third."""
    tones = chord_tones(symbol.split("/")[0])
    if not tones:
        return NO_CHORD
    root = tones[0]
    if (root + 4) % 12 in tones:
        return NOTE_NAMES[root]
    if (root + 3) % 12 in tones:
        return NOTE_NAMES[root] + "m"
    return NO_CHORD


def triads_within(symbol: str) -> set[str]:
    """The major and minor triads whose three tones are all in the chord: its own triad, and
    for a four-note chord the one on its third (``"Am7"`` -> {"Am", "C"}; ``"Bbmaj7"`` ->
    {"Bb", "Dm"}), which 24 triad templates cannot tell from it."""
    tones = set(chord_tones(symbol.split("/")[0]))
    found = {NOTE_NAMES[r] + q for r in tones for q, third in (("", 4), ("m", 3))
             if {(r + third) % 12, (r + 7) % 12} <= tones}
    own = triad(symbol)
    return found | ({own} if own != NO_CHORD else set())


@dataclass(frozen=True)
class ChordFigures:
    bars: int               # bars with an asked major or minor triad
    matched: int
    share: float
    heard: list[str]        # the best template per bar (every bar)


def chord_figures(wav: tp.Any, sample_rate: int, *, chords: tp.Sequence[str],
                  bar_times: tp.Sequence[float]) -> ChordFigures:
    """Each bar's chroma against its asked chord (a shorter progression repeats)."""
    import librosa

    y = mono_22k(wav, sample_rate)
    chroma = librosa.feature.chroma_cqt(y=librosa.effects.harmonic(y), sr=SR, hop_length=HOP * 2)
    times = librosa.frames_to_time(np.arange(chroma.shape[1]), sr=SR, hop_length=HOP * 2)
    ends = [*bar_times[1:], len(y) / SR]
    heard, bars, matched = [], 0, 0
    for i, (start, end) in enumerate(zip(bar_times, ends)):
        inside = (times >= start) & (times < min(end, len(y) / SR))
        profile = chroma[:, inside].mean(axis=1) if inside.any() else np.zeros(12)
        best = match_chord([float(v) for v in profile], qualities=("", "m"))
        heard.append(best)
        asked = triads_within(chords[i % len(chords)]) if chords else set()
        if asked and inside.any():
            bars += 1
            matched += best in asked
    return ChordFigures(bars=bars, matched=matched, share=matched / bars if bars else 0.0,
                        heard=heard)


@dataclass(frozen=True)
class NoteFigures:
    reference_notes: int
    transcribed_notes: int
    precision: float
    recall: float
    f1: float


def note_figures(reference: tp.Sequence[NoteEvent],
                 transcribed: tp.Sequence[NoteEvent]) -> NoteFigures:
    """Note-onset F1 (pitch to the nearest semitone, onsets within 50 ms, offsets ignored)."""
    from mir_eval.transcription import precision_recall_f1_overlap

    def arrays(notes):
        intervals = np.array([[n.start_s, max(n.end_s, n.start_s + 1e-3)] for n in notes])
        pitches = np.array([440.0 * 2 ** ((n.pitch - 69) / 12) for n in notes])
        return intervals.reshape(-1, 2), pitches

    if not reference or not transcribed:
        return NoteFigures(len(reference), len(transcribed), 0.0, 0.0, 0.0)
    p, r, f, _ = precision_recall_f1_overlap(*arrays(reference), *arrays(transcribed),
                                             onset_tolerance=NOTE_TOLERANCE_S, offset_ratio=None)
    return NoteFigures(len(reference), len(transcribed), float(p), float(r), float(f))


def _word_end_ms(line: tp.Any, i: int) -> int:
    """A word's end: its own stamp, else the next word's start, else the line's end."""
    word = line.words[i]
    if word.end_ms is not None:
        return word.end_ms
    if i + 1 < len(line.words):
        return line.words[i + 1].start_ms
    return line.end_ms if line.end_ms is not None else word.start_ms + 500


@dataclass(frozen=True)
class SungFigures:
    words_s: float          # seconds inside stamped words
    between_s: float        # seconds between lines
    ratio: float            # mean power inside words / between lines (inf: silence between;
                            # nan: no two lines to be between)


def sung_figures(wav: tp.Any, sample_rate: int, lyrics: Lyrics) -> SungFigures:
    """Power of the vocal stem inside the stamped words against between the lyric's lines."""
    audio = np.asarray(wav, dtype=np.float64)
    power = (audio.mean(axis=0) if audio.ndim == 2 else audio) ** 2
    length = len(power) / sample_rate
    inside = np.zeros(len(power), dtype=bool)
    between = np.zeros(len(power), dtype=bool)

    def span(mask, start_s, end_s):
        a, b = (int(round(max(0.0, min(t, length)) * sample_rate)) for t in (start_s, end_s))
        mask[a:b] = True

    lines = [line for line in lyrics.lines if line.words]
    for line in lines:
        for i, word in enumerate(line.words):
            span(inside, word.start_ms / 1000, _word_end_ms(line, i) / 1000)
    for line, following in zip(lines, lines[1:]):
        span(between, _word_end_ms(line, len(line.words) - 1) / 1000,
             following.words[0].start_ms / 1000)
    between &= ~inside
    words_power = power[inside].mean() if inside.any() else 0.0
    gap_power = power[between].mean() if between.any() else 0.0
    if not between.any():
        ratio = math.nan            # one line (or none): there is no between to compare with
    else:
        ratio = words_power / gap_power if gap_power > 0 else (math.inf if words_power else 0.0)
    return SungFigures(words_s=inside.sum() / sample_rate, between_s=between.sum() / sample_rate,
                       ratio=float(ratio))
