"""Render one piece once: score -> arrangement -> audio -> clips, LRC files and records."""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ainur_studio.data.corpus import captions, render
from ainur_studio.data.corpus.arrange import Arrangement, arrange
from ainur_studio.data.corpus.clips import ClipWindow, plan_clips
from ainur_studio.data.corpus.deps import MissingDependency
from ainur_studio.data.corpus.extract import score_data
from ainur_studio.data.corpus.lyrics import clip_lyrics, score_lyrics
from ainur_studio.data.corpus.manifest import ClipRecord
from ainur_studio.data.corpus.midi import channels_for, midi_bytes
from ainur_studio.data.corpus.score_data import ScoreData, bar_length
from ainur_studio.data.corpus.scores import PieceRef, load_score, split_of
from ainur_studio.data.corpus.styles import composer_of, genre_of, style_of
from ainur_studio.lyrics.lrc import write_lrc
from ainur_studio.types import Lyrics

SILENT_PEAK = 1e-3


@dataclass(frozen=True)
class ClipSettings:
    target_s: float = 20.0
    min_s: float = 10.0
    max_s: float = 24.0
    # Per render: a long piece gives its first minute or so, so that masses and quartets
    # do not crowd out the folk songs and chorales in a limited build.
    max_clips: int = 4


@dataclass
class PieceResult:
    records: list[ClipRecord] = field(default_factory=list)
    skipped: str = ""              # reason, when no clip came out
    audio_s: float = 0.0
    seconds: float = 0.0           # wall time


def piece_rng(seed: int, piece_id: str, render_index: int) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{piece_id}:{render_index}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def render_piece(ref: PieceRef, render_index: int, out: Path, *, seed: int,
                 clip: ClipSettings, soundfont: str | None = None) -> PieceResult:
    """Render `ref` and write its clips under `out`; never raises for a bad score."""
    started = time.monotonic()
    try:
        result = _render_piece(ref, render_index, out, seed, clip, soundfont)
    except MissingDependency:
        raise
    except Exception as exc:  # music21 parsers and odd scores fail in many ways
        result = PieceResult(skipped=f"{type(exc).__name__}: {exc}"[:300])
    result.seconds = time.monotonic() - started
    return result


def _render_piece(ref: PieceRef, render_index: int, out: Path, seed: int,
                  clip: ClipSettings, soundfont: str | None) -> PieceResult:
    data = score_data(load_score(ref))
    if not any(p.notes for p in data.parts):
        return PieceResult(skipped="no notes")
    kind = style_of(ref.collection).kind
    rng = piece_rng(seed, ref.piece_id, render_index)
    arrangement = arrange(data, kind, rng)
    windows = plan_clips(data.bars, arrangement.bpm, target_s=clip.target_s, min_s=clip.min_s,
                         max_s=clip.max_s, max_clips=clip.max_clips)
    if not windows:
        return PieceResult(skipped="shorter than a clip")
    last = data.bars[windows[-1].last_bar]
    played = arrangement.truncated(last.start + last.duration)
    audio, gain_db = render.level(render.render_midi(
        midi_bytes(played, data.time_signature), arrangement.synth, soundfont=soundfont))
    lyrics = _lyrics(data, arrangement.bpm) if style_of(ref.collection).lyrics else None
    base = _base_record(ref, data, arrangement, kind, rng, render_index, gain_db, seed)
    result = PieceResult()
    for window in windows:
        record = _write_clip(audio, window, len(windows), lyrics, base, out)
        if record is not None:
            result.records.append(record)
            result.audio_s += record.duration_s
    if not result.records:
        result.skipped = "silent"
    return result


def _lyrics(data: ScoreData, bpm: int) -> Lyrics | None:
    if not data.has_lyrics:
        return None
    return score_lyrics(data.syllables, bpm=bpm, max_line_ql=4 * bar_length(data.time_signature))


def _base_record(ref: PieceRef, data: ScoreData, arrangement: Arrangement, kind: str,
                 rng: random.Random, render_index: int, gain_db: float, seed: int
                 ) -> dict[str, Any]:
    composer = composer_of(ref.collection, data.composer or ref.composer)
    genre = genre_of(ref.collection, title=data.title or ref.title, locale=ref.locale,
                     time_signature=data.time_signature)
    moods = captions.mood_words(data.key.split()[-1], arrangement.bpm, data.time_signature,
                                kind, rng)
    fields = captions.caption_fields(composer=composer, genre=genre,
                                     instruments=arrangement.instruments, moods=moods,
                                     key=data.key, bpm=arrangement.bpm,
                                     time_signature=data.time_signature)
    return dict(
        caption=captions.caption(fields), source=ref.source, number=ref.number,
        piece_id=ref.piece_id, render=render_index, title=data.title or ref.title,
        composer=composer, collection=ref.collection, genre=genre,
        instruments=arrangement.instruments, key=data.key, bpm=arrangement.bpm,
        time_signature=data.time_signature, moods=moods, split=split_of(ref.piece_id),
        render_settings=_settings(arrangement, gain_db, seed), fields=asdict(fields))


def _settings(arrangement: Arrangement, gain_db: float, seed: int) -> dict[str, Any]:
    tracks = [{"name": t.name, "role": t.role, "program": t.program, "channel": ch + 1,
               "pan": round(t.pan, 3), "volume": t.volume, "reverb": t.reverb,
               "chorus": t.chorus}
              for t, ch in zip(arrangement.tracks, channels_for(arrangement.tracks))]
    return {"seed": seed, "bpm": arrangement.bpm, "ensemble": arrangement.ensemble,
            "drums": arrangement.has_drums, "reverb": arrangement.synth,
            "gain_db": round(gain_db, 2), "sample_rate": render.SAMPLE_RATE, "tracks": tracks}


def _write_clip(audio: np.ndarray, window: ClipWindow, count: int, lyrics: Lyrics | None,
                base: dict[str, Any], out: Path) -> ClipRecord | None:
    samples = render.cut(audio, window.start_s, window.end_s)
    if samples.size == 0 or float(np.max(np.abs(samples))) < SILENT_PEAK:
        return None
    clip_id = f"{base['piece_id']}-r{base['render']}-c{window.index:03d}"
    audio_rel = Path("audio") / base["collection"] / f"{clip_id}.flac"
    render.write_flac(out / audio_rel, samples)
    duration = samples.shape[0] / render.SAMPLE_RATE
    lrc_rel, text = None, ""
    if lyrics is not None:
        part = clip_lyrics(lyrics, window.start_s, window.start_s + duration)
        if part.lines:
            part.tags = {"ti": base["title"] or base["piece_id"], "ar": base["composer"],
                         "length": _length_tag(duration)}
            part.tags = {k: v.replace("[", "(").replace("]", ")") for k, v in part.tags.items()
                         if v}
            lrc_rel = Path("lrc") / base["collection"] / f"{clip_id}.lrc"
            (out / lrc_rel).parent.mkdir(parents=True, exist_ok=True)
            write_lrc(out / lrc_rel, part)
            text = part.text
    return ClipRecord(clip_id=clip_id, audio_path=audio_rel.as_posix(),
                      lrc_path=lrc_rel.as_posix() if lrc_rel else None, clip_index=window.index,
                      clip_count=count, start_s=round(window.start_s, 4),
                      duration_s=round(duration, 4), first_bar=window.first_bar,
                      last_bar=window.last_bar, lyrics_text=text, **base)


def _length_tag(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:05.2f}"
