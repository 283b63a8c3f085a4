"""One genre song -> its clip folder (stems, mix, MIDI, labels, LRC) and its manifest record.

Layout of a clip, under ``genres/<genre>/<clip_id>/`` of the corpus folder::

    mix.ogg                  Ogg Vorbis of the renderer's mix, the sum of its stems (``audio_path``)
    <role>.ogg               Ogg Vorbis stems; silent roles have no file (null in ``stems``)
    <role>.mid, mix.mid      the MIDI of every stem as rendered (drum kit included)
    labels.json              the song's labels, render settings and captions
    lyrics.lrc               synced lyrics, when the vocal line has words

Everything derives from (build seed, genre, index), so the files are the same every time.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

from ainur_studio.data.corpus.genres import storage
from ainur_studio.data.corpus.genres.arranger import arrange_song
from ainur_studio.data.corpus.genres.captions import clip_captions
from ainur_studio.data.corpus.genres.render_stems import StemRender, render_stems
from ainur_studio.data.corpus.genres.song import STEM_ROLES, Song
from ainur_studio.data.corpus.genres.soundfonts import SoundFont
from ainur_studio.data.corpus.genres.synth import SongMidi
from ainur_studio.data.corpus.render import SAMPLE_RATE
from ainur_studio.data.corpus.scores import split_of
from ainur_studio.fileio import atomic_write_bytes, atomic_write_text
from ainur_studio.lyrics.lrc_write import write_lrc
from ainur_studio.types import LyricLine, Lyrics, LyricWord

MIX_FILE = "mix.ogg"


def clip_id(genre: str, index: int) -> str:
    return f"{genre}-{index:05d}"


def song_seed(seed: int, genre: str, index: int) -> int:
    digest = hashlib.sha256(f"ainur-genres-v1:{seed}:{genre}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def song_lyrics(song: Song) -> Lyrics | None:
    """Synced lyrics from the vocal line's syllable slots: one line per phrase, one word per
    run of syllables joined by a trailing hyphen (``par-`` ``ty``), stamped at its first
    note. None while the slots carry no text."""
    lines: dict[int, LyricLine] = {}
    joining = False
    for part in song.parts_of("vocals"):
        for note, slot in zip(part.notes, part.slots):
            if not slot.text:
                continue
            start = round(song.seconds(note.start) * 1000)
            line = lines.setdefault(slot.phrase, LyricLine(start, ""))
            text = slot.text.rstrip("-")
            if joining and line.words:
                line.words[-1].text += text
            else:
                line.words.append(LyricWord(start, text))
            joining = slot.text.endswith("-")
    for line in lines.values():
        line.text = " ".join(w.text for w in line.words)
    return Lyrics(sorted(lines.values(), key=lambda ln: ln.start_ms)) if lines else None


def write_audio(folder: Path, render: StemRender, quality: float) -> dict[str, str | None]:
    """The sounding stems and the mix as Vorbis; stem paths relative to `folder`."""
    stems: dict[str, str | None] = {}
    for role in STEM_ROLES:
        sounding = bool(render.settings["stems"][role]["parts"])
        if sounding:
            storage.write_vorbis(folder / f"{role}.ogg", render.stems[role], quality)
        stems[role] = f"{role}.ogg" if sounding else None
    storage.write_vorbis(folder / MIX_FILE, render.mix, quality)
    return stems


def write_midis(folder: Path, midi: SongMidi) -> dict[str, str]:
    files = {role: midi.stem(role) for role in STEM_ROLES}
    files["mix"] = midi.smf(midi.song.parts)
    for name, data in files.items():
        atomic_write_bytes(folder / f"{name}.mid", data)
    return {name: f"{name}.mid" for name in files}


def build_clip(genre: str, index: int, *, seed: int, out: Path, fonts: tuple[SoundFont, ...],
               quality: float = storage.VORBIS_QUALITY) -> dict[str, Any]:
    """Render song `index` of `genre` into `out` and return its manifest record."""
    song = arrange_song(genre, song_seed(seed, genre, index))
    cid = clip_id(genre, index)
    rel = Path("genres") / genre / cid
    folder = out / rel
    folder.mkdir(parents=True, exist_ok=True)
    render = render_stems(song, key=f"{seed}/{genre}/{index}", fonts=fonts)
    drums = render.settings["stems"]["drums"]
    stems = write_audio(folder, render, quality)
    midi = write_midis(folder, render.midi)
    text = clip_captions(song, drums.get("kit_name"), random.Random(f"{seed}/{genre}/{index}"))
    lyrics = render.lyrics if render.lyrics is not None and render.lyrics.lines \
        else song_lyrics(song)
    if lyrics is not None:
        write_lrc(folder / "lyrics.lrc", lyrics)
    labels = {**song.labels(), "render_settings": render.settings, **text}
    atomic_write_text(folder / "labels.json", json.dumps(labels, indent=1, sort_keys=True))
    return _record(song, cid, rel, stems, midi, labels, lyrics, len(render.mix) / SAMPLE_RATE)


def _record(song: Song, cid: str, rel: Path, stems: dict[str, str | None],
            midi: dict[str, str], labels: dict[str, Any], lyrics: Lyrics | None,
            duration_s: float) -> dict[str, Any]:
    def path(name: str | None) -> str | None:
        return (rel / name).as_posix() if name else None

    return {
        **labels, "clip_id": cid, "piece_id": cid, "kind": "genres", "collection": song.genre,
        "audio_path": path(MIX_FILE), "lrc_path": path("lyrics.lrc" if lyrics else None),
        "stems": {role: path(name) for role, name in stems.items()},
        "midi": {role: path(name) for role, name in midi.items()},
        "labels_path": path("labels.json"), "split": split_of(cid),
        "time_signature": song.metre, "start_s": 0.0, "duration_s": round(duration_s, 4),
        "lyrics_text": lyrics.text if lyrics else "",
    }
