"""Measure packs on the stems model's acceptance figures, beside the references that give them
meaning; the stems section of docs/starter-model.md comes from this script.

    python scripts/evaluate_stems.py --corpus corpus-genres --pack starter --takes 20 \\
        --json build/stems-eval.json
    # held-out clips from a corpus of other songs (a small corpus's test split is small):
    python main.py corpus build --kind genres --out corpus-genres-seed1 --seed 1 --limit 30
    python scripts/evaluate_stems.py --corpus corpus-genres --held-out corpus-genres-seed1 \\
        --pack starter --pack PACKDIR --takes 20

Every column is measured the same way (`ainur_studio.structure_measures`,
`ainur_studio.stem_roles`) on `--seconds` crops:

- `corpus`: the held-out clips' own renders against their own labels (what the measures give
  on music that has the structure);
- `mismatched`: the same renders against the next clip's labels (tempo, bar phase, chords,
  notes and lyrics of another song: chance);
- one column per `--pack`: a take per held-out clip, asked with that clip's caption, BPM,
  metre, chords, melody notes and lyrics (a pack without a structure track reads only the
  caption); a pack with stems also gets `add-parts`: the clip's drums and bass given, harmony
  and melody generated, measured against the clip's tempo and chords.

Rows: tempo within ±3 % and first downbeat within 50 ms (share of takes); chord per bar
(share of bars); melody note-onset F1; stems heard as their role (share of stems, by a
classifier fitted on the corpus's training stems); sung-word energy ratio (median); CLASP
ranking the prompted genre first among the corpus genres (share); the mix equal to its stems'
sum (worst residual, dB).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import typing as tp
from pathlib import Path
from statistics import median

import numpy as np

from ainur_studio import stem_roles
from ainur_studio import structure_measures as sm
from ainur_studio.data.corpus.render import SAMPLE_RATE as RATE
from ainur_studio.structure import STEM_ROLES as ROLES

# --- corpus clips -------------------------------------------------------------------------

def _read(root: Path, rel: str | None, seconds: float) -> np.ndarray | None:
    """[2, T] float32 at 48 kHz, the first `seconds`; None for no file."""
    from ainur_studio.audio.io import audio_read

    if not rel:
        return None
    wav = audio_read(root / rel, sample_rate=RATE).numpy()
    return wav[:, : round(seconds * RATE)]


def load_clips(corpus: Path, *, split: str | None, n: int | None, seconds: float
               ) -> list[dict]:
    """Clips of `split` (None: every clip) with their stems (cropped), labels, notes and
    lyrics."""
    from ainur_studio.data.corpus.manifest import read_manifest
    from ainur_studio.lyrics.lrc import read_lrc
    from ainur_studio.midi_io import read_notes
    from ainur_studio.structure import bar_seconds

    rows = [r for r in read_manifest(corpus / "manifest.jsonl")
            if (split is None or r.get("split") == split) and r.get("stems")]
    clips = []
    for r in rows[:n]:
        stems = {role: _read(corpus, r["stems"].get(role), seconds) for role in ROLES}
        present = [w for w in stems.values() if w is not None]
        if not present:
            continue
        length = min(w.shape[-1] for w in present)
        stems = {k: (w[:, :length] if w is not None else None) for k, w in stems.items()}
        labels = _labels(corpus, r)
        bpm, metre = float(labels["bpm"]), labels.get("metre") or "4/4"
        bars = list(np.arange(0.0, length / RATE - 0.5, bar_seconds(bpm, metre)))
        notes = {role: [n for n in read_notes(corpus / rel) if n.start_s < length / RATE]
                 for role, rel in (r.get("midi") or {}).items()
                 if role in ROLES and rel and (corpus / rel).is_file()
                 and stems.get(role) is not None}
        lyrics = (_crop_lyrics(read_lrc(corpus / r["lrc_path"])[0], length / RATE)
                  if r.get("lrc_path") else None)
        stored = _read(corpus, r.get("audio_path"), seconds)
        genre = (labels.get("fields") or {}).get("genre") or [r.get("genre", "")]
        clips.append({"id": r["clip_id"], "genre": r.get("genre", ""),
                      "genre_words": genre[0] if genre else "", "caption": labels["caption"],
                      "bpm": bpm, "metre": metre, "chords": list(labels["chords"])[: len(bars)],
                      "bar_times": bars, "stems": stems, "notes": notes, "lyrics": lyrics,
                      "seconds": length / RATE,
                      "mix": stored[:, :length] if stored is not None and stored.shape[-1]
                      >= length else sum(w for w in stems.values() if w is not None)})
    return clips


def _crop_lyrics(lyrics: tp.Any, seconds: float) -> tp.Any:
    """The lines that start at least half a second before `seconds`, or None."""
    import dataclasses

    lines = [line for line in lyrics.lines if line.start_ms < (seconds - 0.5) * 1000]
    return dataclasses.replace(lyrics, lines=lines) if lines else None


def _labels(corpus: Path, row: dict) -> dict:
    path = row.get("labels_path")
    labels = json.loads((corpus / path).read_text("utf-8")) if path else {}
    return {**{k: row[k] for k in ("bpm", "metre", "chords", "caption", "fields") if k in row},
            **labels}


def role_classifier(corpus: Path, clips: int, seconds: float) -> tuple[tp.Any, int]:
    """The role classifier fitted on the training split's stems (and how many stems)."""
    features, roles = [], []
    for clip in load_clips(corpus, split="train", n=clips, seconds=seconds):
        for role, wav in clip["stems"].items():
            if wav is not None and stem_roles.level_dbfs(wav) >= stem_roles.SILENCE_DBFS:
                features.append(stem_roles.stem_features(wav, RATE))
                roles.append(role)
    return stem_roles.RoleClassifier().fit(features, roles), len(roles)


# --- measuring a take -----------------------------------------------------------------------

def measure(take: dict, asked: dict, classifier: tp.Any) -> dict[str, tp.Any]:
    """The figures of one take (`mix`, `stems` role -> [2, T] or None) against `asked`."""
    stems = {k: v for k, v in (take.get("stems") or {}).items() if v is not None}
    grid = sm.grid_figures(take["mix"], RATE, bpm=asked["bpm"], metre=asked["metre"],
                           drums=stems.get("drums"))
    chords = sm.chord_figures(take["mix"], RATE, chords=asked["chords"],
                              bar_times=asked["bar_times"])
    out: dict[str, tp.Any] = {"tempo_holds": grid.tempo_holds,
                              "downbeat_holds": grid.downbeat_holds,
                              "measured_bpm": round(grid.measured_bpm, 2),
                              "chord_bars": chords.bars, "chord_matched": chords.matched}
    melody = asked["notes"].get("melody")
    if melody:
        from ainur_studio.transcribe import transcribe

        heard = _part(take, stems, "melody")
        played = transcribe(heard, RATE) if heard is not None else []
        out["melody_f1"] = sm.note_figures(melody, played).f1
    if stems:
        out["roles"] = {role: classifier.predict(wav, RATE) for role, wav in stems.items()
                        if role in asked.get("parts", stems)}
        total = sum(stems.values())
        residual = float(np.sqrt(np.mean((total - take["mix"]) ** 2)) + 1e-12)
        level = float(np.sqrt(np.mean(take["mix"] ** 2))) + 1e-12
        out["sum_residual_db"] = round(20.0 * float(np.log10(residual / level)), 1)
    if asked.get("lyrics") is not None and asked["lyrics"].lines:
        voice = _part(take, stems, "vocals")
        if voice is not None:
            ratio = sm.sung_figures(voice, RATE, asked["lyrics"]).ratio
            if not np.isnan(ratio):
                out["sung_ratio"] = ratio
    return out


def _part(take: dict, stems: dict, role: str) -> np.ndarray | None:
    """The role's stem; the mix for a take without stems; None for a take of stems without it."""
    return stems.get(role) if stems else take["mix"]


def mismatched(clip: dict, other: dict) -> dict:
    """`other`'s labels on `clip`'s timeline (its bars cut to the clip's length)."""
    bars = [t for t in other["bar_times"] if t < clip["seconds"] - 0.5]
    return {**other, "bar_times": bars, "chords": other["chords"][: len(bars)],
            "notes": {r: [n for n in ns if n.start_s < clip["seconds"]]
                      for r, ns in other["notes"].items()}}


def _relabelled(row: dict) -> dict:
    """A mismatched row: each stem's heard role set against the next role's label (chance
    for the role row); the stems' sum is the clip's own, so it is left out."""
    row = {k: v for k, v in row.items() if k != "sum_residual_db"}
    if "roles" in row:
        row["roles"] = {ROLES[(ROLES.index(r) + 1) % len(ROLES)]: heard
                        for r, heard in row["roles"].items()}
    return row


# --- generating takes -----------------------------------------------------------------------

def request_for(clip: dict, pack: tp.Any, *, seed: int) -> tp.Any:
    from ainur_studio.types import GenerationRequest, Structure

    parts = [r for r in ROLES if r in (getattr(pack.prior, "roles", None) or [])]
    notes = {"melody": clip["notes"]["melody"]} if clip["notes"].get("melody") else {}
    structure = Structure(parts=parts, bpm=clip["bpm"], metre=clip["metre"],
                          chords=clip["chords"], notes=notes)
    return GenerationRequest(prompt=clip["caption"], lyrics=clip["lyrics"],
                             duration_s=round(clip["seconds"], 2), seed=seed,
                             steps=int(pack.defaults.get("steps", 24)), structure=structure)


def take_of(result: tp.Any) -> dict:
    stems = {r: w.numpy() for r, w in (result.stems[0] if result.stems else {}).items()}
    return {"mix": result.audio[0].numpy(), "stems": stems}


def add_parts_request(clip: dict, pack: tp.Any, folder: Path, *, seed: int) -> tp.Any | None:
    """Drums and bass given (written as WAV), harmony and melody asked."""
    import dataclasses

    import soundfile as sf

    from ainur_studio.types import Task, TaskInputs

    given = {r: clip["stems"][r] for r in ("drums", "bass") if clip["stems"].get(r) is not None}
    if not given or not {"harmony", "melody"} <= set(pack.prior.roles):
        return None
    paths = {}
    for role, wav in given.items():
        paths[role] = str(folder / f"{clip['id']}-{role}.wav")
        sf.write(paths[role], wav.T, RATE)
    request = request_for(clip, pack, seed=seed)
    structure = dataclasses.replace(request.structure, parts=["harmony", "melody"])
    return dataclasses.replace(request, task=Task.ADD_PARTS, structure=structure,
                               inputs=TaskInputs(part_audio=paths))


def genre_rank_first(pack: tp.Any, takes: list[np.ndarray], genres: list[str],
                     names: dict[str, str]) -> float | None:
    """Share of takes whose CLASP audio embedding is closest to their genre's name among all
    the corpus genres' names."""
    import torch

    if pack.clasp is None or not takes:
        return None
    keys = sorted(names)
    text = pack.clasp.embed_text([names[k] for k in keys])
    audio = pack.clasp.embed_audio([torch.from_numpy(w) for w in takes], sample_rate=RATE)
    best = (audio @ text.T).argmax(dim=-1).tolist()
    return float(np.mean([keys[b] == g for b, g in zip(best, genres)]))


# --- summary --------------------------------------------------------------------------------

def summarise(rows: list[dict]) -> dict[str, tp.Any]:
    def share(key: str) -> float | None:
        values = [r[key] for r in rows if key in r]
        return float(np.mean(values)) if values else None

    bars = sum(r.get("chord_bars", 0) for r in rows)
    roles = [(role, heard) for r in rows for role, heard in (r.get("roles") or {}).items()]
    sung = [r["sung_ratio"] for r in rows if "sung_ratio" in r]
    f1 = [r["melody_f1"] for r in rows if "melody_f1" in r]
    residuals = [r["sum_residual_db"] for r in rows if "sum_residual_db" in r]
    return {"takes": len(rows), "tempo_holds": share("tempo_holds"),
            "downbeat_holds": share("downbeat_holds"),
            "chord_bars_matched": sum(r.get("chord_matched", 0) for r in rows) / bars
            if bars else None,
            "melody_f1": float(np.mean(f1)) if f1 else None,
            "roles_recognised": float(np.mean([a == b for a, b in roles])) if roles else None,
            "sung_ratio_median": float(median(sung)) if sung else None,
            "sum_residual_db_worst": max(residuals) if residuals else None}


ROWS = (("tempo within ±3 % (share of takes)", "tempo_holds"),
        ("first downbeat within 50 ms", "downbeat_holds"),
        ("bars matching the asked chord", "chord_bars_matched"),
        ("melody note-onset F1 (50 ms)", "melody_f1"),
        ("stems heard as their role", "roles_recognised"),
        ("sung-word / between-line energy (median)", "sung_ratio_median"),
        ("CLASP ranks the prompted genre first", "genre_first"),
        ("mix minus stems' sum (worst, dB; corpus: Vorbis coding)", "sum_residual_db_worst"))


def markdown(columns: dict[str, dict]) -> str:
    names = list(columns)
    lines = ["| measure | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, key in ROWS:
        cells = []
        for name in names:
            value = columns[name].get(key)
            cells.append("–" if value is None else f"{value:.2f}" if isinstance(value, float)
                         else str(value))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| takes | " + " | ".join(str(columns[n].get("takes", "")) for n in names) + " |")
    return "\n".join(lines)


def evaluate(corpus: Path, packs: list[str], *, takes: int, seconds: float, train_clips: int,
             seed: int = 0, held_out: Path | None = None,
             log: tp.Callable[[str], None] = print) -> dict[str, tp.Any]:
    """The report; `held_out`: a corpus built with another `--seed` whose clips (every
    split) are the held-out ones instead of `corpus`'s test split."""
    from ainur_studio.inference.generate import generate
    from ainur_studio.models.pretrained import load_pack

    if held_out is not None:
        clips = load_clips(held_out, split=None, n=takes, seconds=seconds)
        where = f"{held_out} has {len(clips)} clips with stems"
    else:
        clips = load_clips(corpus, split="test", n=takes, seconds=seconds)
        where = f"{corpus} has {len(clips)} held-out clips with stems (split 'test')"
    if len(clips) < 2:
        raise SystemExit(f"{where}; at least 2 are needed: build more of the corpus (make "
                         "corpus-genres), or give --held-out a corpus built with another "
                         "--seed")
    classifier, stems_fitted = role_classifier(corpus, train_clips, seconds)
    log(f"role classifier fitted on {stems_fitted} training stems; {len(clips)} held-out clips")
    names = {c["genre"]: c["genre_words"] for c in clips}
    columns: dict[str, dict] = {}
    per_take: dict[str, list] = {}
    rows = [measure(c, {**c, "parts": ROLES}, classifier) for c in clips]
    per_take["corpus"] = rows
    columns["corpus"] = summarise(rows)
    rows = [_relabelled(measure(c, mismatched(c, clips[(i + 1) % len(clips)]), classifier))
            for i, c in enumerate(clips)]
    per_take["mismatched"] = rows
    columns["mismatched"] = summarise(rows)
    columns["mismatched"]["genre_first"] = 1.0 / len(names)     # a genre drawn at random
    columns["corpus"]["genre_first"] = None     # by the first pack with CLASP, below
    for name in packs:
        pack = load_pack(name)
        if columns["corpus"]["genre_first"] is None:
            columns["corpus"]["genre_first"] = genre_rank_first(
                pack, [c["mix"] for c in clips], [c["genre"] for c in clips], names)
        rows, mixes = [], []
        for i, clip in enumerate(clips):
            result = generate(request_for(clip, pack, seed=seed + i), pack)
            take = take_of(result)
            mixes.append(take["mix"])
            rows.append(measure(take, {**clip, "parts": list(take["stems"])}, classifier))
            log(f"{name} {clip['id']}: {json.dumps(rows[-1], default=str)}")
        summary = summarise(rows)
        summary["genre_first"] = genre_rank_first(pack, mixes, [c["genre"] for c in clips],
                                                  names)
        columns[name], per_take[name] = summary, rows
        if getattr(pack.prior, "roles", None):
            rows = []
            with tempfile.TemporaryDirectory() as folder:
                for i, clip in enumerate(clips):
                    request = add_parts_request(clip, pack, Path(folder), seed=seed + i)
                    if request is not None:
                        take = take_of(generate(request, pack))
                        rows.append(measure(take, {**clip, "parts": ["harmony", "melody"]},
                                            classifier))
            if rows:
                columns[f"{name} add-parts"] = summarise(rows)
                per_take[f"{name} add-parts"] = rows
    return {"seconds": seconds, "held_out_corpus": str(held_out or corpus),
            "held_out_clips": [c["id"] for c in clips],
            "role_classifier_stems": stems_fitted, "columns": columns, "takes": per_take}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("corpus-genres"))
    parser.add_argument("--pack", action="append", default=[],
                        help="a pack name or folder (repeat to compare packs)")
    parser.add_argument("--takes", type=int, default=20, help="held-out clips (one take each)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--train-clips", type=int, default=60,
                        help="training clips whose stems fit the role classifier")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--held-out", type=Path, default=None,
                        help="take the held-out clips from this corpus (all of it: build it "
                             "with another --seed, so no song in it was trained on) instead "
                             "of --corpus's test split")
    parser.add_argument("--json", type=Path, default=Path("build/stems-eval.json"))
    args = parser.parse_args(argv)
    report = evaluate(args.corpus, args.pack, takes=args.takes, seconds=args.seconds,
                      train_clips=args.train_clips, seed=args.seed, held_out=args.held_out)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    print(markdown(report["columns"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
