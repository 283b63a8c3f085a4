"""A share of a corpus that fits a byte budget: whole genre clips, balanced over the genres.

For carrying a corpus where space is short (a GPU machine call carries 64 MiB): clips are
taken round-robin over the genres, each with all its files (stems, mix, MIDI, labels, LRC),
in manifest order, while the folder stays within `max_bytes`; ``manifest.jsonl`` lists them
with their paths unchanged. The same corpus and budget give the same share.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ainur_studio.data.corpus import manifest
from ainur_studio.fileio import atomic_write_text


def clip_files(corpus: Path, record: dict[str, Any]) -> list[str]:
    """A genre clip's files, relative to the corpus folder (its folder, listed)."""
    folder = corpus / Path(record["labels_path"]).parent
    return sorted(p.relative_to(corpus).as_posix() for p in folder.iterdir() if p.is_file())


def round_robin(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records one per genre in turn (each genre's first clip, then each second one...)."""
    by_genre: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_genre.setdefault(r["genre"], []).append(r)
    longest = max(map(len, by_genre.values()), default=0)
    return [rs[i] for i in range(longest) for rs in by_genre.values() if i < len(rs)]


def pick_share(corpus: Path, records: list[dict[str, Any]], max_bytes: int
               ) -> list[tuple[dict[str, Any], list[str]]]:
    """The clips (with their files) that fit `max_bytes`, manifest lines included."""
    chosen, used = [], 0
    for r in round_robin(records):
        files = clip_files(corpus, r)
        size = sum((corpus / f).stat().st_size for f in files)
        size += len(json.dumps(r, ensure_ascii=False, sort_keys=True).encode()) + 1
        if used + size > max_bytes:
            continue
        chosen.append((r, files))
        used += size
    return chosen


def write_share(corpus: str | Path, out: str | Path, *, max_bytes: int,
                split: str | None = None) -> dict[str, Any]:
    """Copy a share of the genre clips of `corpus` (of `split` only, if given) into `out`.

    Raises:
        FileExistsError: `out` already holds a manifest (a share is written once).
        ValueError: `corpus` has no genre clips (of that split).
    """
    corpus, out = Path(corpus), Path(out)
    if (out / manifest.MANIFEST).exists():
        raise FileExistsError(f"{out} already holds a corpus manifest; choose a new folder")
    records = [r for r in manifest.kind_records(corpus, "genres")
               if split is None or r["split"] == split]
    if not records:
        raise ValueError(f"{corpus} holds no genre clips{f' in the {split} split' if split else ''}"
                         "; build them with `ainur-studio corpus build --kind genres`")
    chosen = pick_share(corpus, records, max_bytes)
    out.mkdir(parents=True, exist_ok=True)
    for _record, files in chosen:
        for rel in files:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(corpus / rel, out / rel)
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r, _ in chosen]
    atomic_write_text(out / manifest.MANIFEST, "".join(line + "\n" for line in lines))
    seconds = sum(r["duration_s"] for r, _ in chosen)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"clips": len(chosen), "of": len(records), "minutes": round(seconds / 60, 1),
            "bytes": size, "genres": sorted({r["genre"] for r, _ in chosen})}
