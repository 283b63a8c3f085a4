"""Statistics of the genre clips of a corpus folder: hours per genre and per stem role, vocals,
storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ainur_studio.data.corpus import manifest
from ainur_studio.data.corpus.genres.song import STEM_ROLES


def hours(seconds: float) -> float:
    return round(seconds / 3600, 3)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() \
        else 0


def stem_seconds(records: list[dict[str, Any]]) -> dict[str, float]:
    """Seconds of clips in which each stem role sounds (has a file)."""
    by_role = dict.fromkeys(STEM_ROLES, 0.0)
    for r in records:
        for role, path in r["stems"].items():
            if path:
                by_role[role] += r["duration_s"]
    return by_role


def summarise_genres(out: str | Path) -> dict[str, Any]:
    """Clips and hours, per genre and per stem role (hours of clips where the stem sounds),
    vocal clips, test split, skipped clips and the bytes under ``genres/`` per hour."""
    records = manifest.kind_records(out, "genres")
    total = sum(r["duration_s"] for r in records)
    by_genre: dict[str, float] = {}
    for r in records:
        by_genre[r["genre"]] = by_genre.get(r["genre"], 0.0) + r["duration_s"]
    by_role = stem_seconds(records)
    disk = folder_bytes(Path(out) / "genres")
    return {
        "kind": "genres", "clips": len(records), "hours": hours(total),
        "hours_by_genre": {g: hours(s) for g, s in sorted(by_genre.items())},
        "hours_by_stem": {role: hours(s) for role, s in by_role.items()},
        "vocal_clips": sum(1 for r in records if r["stems"].get("vocals")),
        "vocal_hours": hours(by_role["vocals"]),
        "clips_with_lyrics": sum(1 for r in records if r.get("lrc_path")),
        "test_clips": sum(1 for r in records if r["split"] == "test"),
        "skipped_clips": len(manifest.kind_records(out, "genres", manifest.SKIPPED)),
        "disk_mb": round(disk / 2**20, 1),
        "mb_per_hour": round(disk / 2**20 / (total / 3600), 1) if total else None,
    }
