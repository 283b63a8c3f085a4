"""Statistics of a genre corpus folder: hours per genre and per stem role, vocals, storage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ainur_studio.data.corpus import manifest
from ainur_studio.data.corpus.genres.song import STEM_ROLES


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 3)


def is_genre_corpus(out: str | Path) -> bool:
    """Whether `out` holds a genre corpus (its build.json says so, or its first record)."""
    info = Path(out) / "build.json"
    if info.is_file():
        return json.loads(info.read_text(encoding="utf-8")).get("kind") == "genres"
    records = manifest.read_records(out)
    return bool(records) and records[0].get("kind") == "genres"


def summarise_genres(out: str | Path) -> dict[str, Any]:
    """Clips and hours, per genre and per stem role (hours of clips where the stem sounds),
    vocal clips, test split, skipped clips and bytes on disk per hour of clips."""
    records = [r for r in manifest.read_records(out) if r.get("kind") == "genres"]
    total = sum(r["duration_s"] for r in records)
    by_genre: dict[str, float] = {}
    by_role = dict.fromkeys(STEM_ROLES, 0.0)
    for r in records:
        by_genre[r["genre"]] = by_genre.get(r["genre"], 0.0) + r["duration_s"]
        for role, path in r["stems"].items():
            if path:
                by_role[role] += r["duration_s"]
    disk = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    return {
        "kind": "genres", "clips": len(records), "hours": _hours(total),
        "hours_by_genre": {g: _hours(s) for g, s in sorted(by_genre.items())},
        "hours_by_stem": {role: _hours(s) for role, s in by_role.items()},
        "vocal_clips": sum(1 for r in records if r["stems"].get("vocals")),
        "vocal_hours": _hours(by_role["vocals"]),
        "clips_with_lyrics": sum(1 for r in records if r.get("lrc_path")),
        "test_clips": sum(1 for r in records if r["split"] == "test"),
        "skipped_clips": len(manifest.read_records(out, manifest.SKIPPED)),
        "disk_mb": round(disk / 2**20, 1),
        "mb_per_hour": round(disk / 2**20 / (total / 3600), 1) if total else None,
    }
