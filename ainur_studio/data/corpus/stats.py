"""Statistics of a whole corpus folder: the score pieces and the genre songs together.

Hours per kind and per genre (the genre songs' genres and the score pieces' caption genres),
per stem role (score clips are a mix only) and of sung vocals, with each kind's own summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ainur_studio.data.corpus import manifest
from ainur_studio.data.corpus.genres.stats import folder_bytes, hours, stem_seconds


def summarise_corpus(out: str | Path) -> dict[str, Any]:
    """The combined figures of `out`, then ``scores`` and ``genres`` (None when absent)."""
    from ainur_studio.data.corpus.build import summarise
    from ainur_studio.data.corpus.genres.stats import summarise_genres

    records = manifest.read_records(out)
    kinds = {kind: [r for r in records if manifest.record_kind(r) == kind]
             for kind in ("scores", "genres")}
    seconds = {kind: sum(r["duration_s"] for r in rs) for kind, rs in kinds.items()}
    by_genre: dict[str, float] = {}
    for r in records:
        by_genre[r["genre"]] = by_genre.get(r["genre"], 0.0) + r["duration_s"]
    by_role = stem_seconds(kinds["genres"])
    disk = folder_bytes(Path(out))
    total = sum(seconds.values())
    return {
        "clips": len(records), "hours": hours(total),
        "hours_by_kind": {kind: hours(s) for kind, s in seconds.items()},
        "hours_by_genre": {g: hours(s) for g, s in sorted(by_genre.items())},
        "hours_by_stem": {role: hours(s) for role, s in by_role.items()},
        "mix_only_hours": hours(seconds["scores"]),
        "vocal_hours": hours(by_role["vocals"]),
        "disk_mb": round(disk / 2**20, 1),
        "mb_per_hour": round(disk / 2**20 / (total / 3600), 1) if total else None,
        "scores": summarise(out) if kinds["scores"] else None,
        "genres": summarise_genres(out) if kinds["genres"] else None,
    }
