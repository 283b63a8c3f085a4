"""Which pieces of the music21 corpus to render, in which order, and how to open them."""

from __future__ import annotations

import hashlib
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ainur_studio.data.corpus.deps import require_music21
from ainur_studio.data.corpus.styles import EXCLUDED_COLLECTIONS

# Score files; Roman-numeral analyses (.rntxt) are left out.
SCORE_SUFFIXES = frozenset({".mxl", ".xml", ".musicxml", ".krn", ".abc", ".capx", ".mei"})


@dataclass(frozen=True)
class PieceRef:
    """One piece of the corpus: a file, or one numbered tune of a collection file."""

    source: str              # corpus-relative path, e.g. "essenFolksong/altdeu10.abc"
    number: int | None = None
    title: str = ""
    composer: str = ""
    locale: str = ""

    @property
    def collection(self) -> str:
        return self.source.split("/", 1)[0]

    @property
    def piece_id(self) -> str:
        """Stable, file-name-safe id: ``essenFolksong-altdeu10-abc-128``."""
        stem = re.sub(r"[^A-Za-z0-9]+", "-", self.source).strip("-")
        return f"{stem}-{self.number}" if self.number is not None else stem


def list_pieces(collections: set[str] | None = None) -> list[PieceRef]:
    """Every renderable piece of the music21 core corpus (analyses and exercises left out),
    sorted by id; `collections` keeps only those top-level folders."""
    music21 = require_music21()
    bundle = music21.corpus.corpora.CoreCorpus().metadataBundle
    pieces = {}
    for entry in bundle[:]:  # one list; indexing the bundle entry by entry is quadratic
        ref = _ref_from_entry(entry)
        if ref is None or ref.collection in EXCLUDED_COLLECTIONS:
            continue
        if collections and ref.collection not in collections:
            continue
        pieces[ref.piece_id] = ref
    return [pieces[k] for k in sorted(pieces)]


def _ref_from_entry(entry: Any) -> PieceRef | None:
    meta = entry.metadata
    source = str(entry.sourcePath).replace("\\", "/")
    if PurePosixPath(source).suffix.lower() not in SCORE_SUFFIXES:
        return None
    return PieceRef(
        source=source,
        number=int(entry.number) if entry.number is not None else None,
        title=str(getattr(meta, "bestTitle", "") or ""),
        composer=str(getattr(meta, "composer", "") or ""),
        locale=str(getattr(meta, "localeOfComposition", "") or ""),
    )


def order_pieces(pieces: list[PieceRef], seed: int) -> list[PieceRef]:
    """Round-robin over collections, each shuffled by `seed`, so any prefix (a ``--limit``)
    mixes chorales, madrigals, folk songs and dances instead of exhausting one folder."""
    groups: dict[str, list[PieceRef]] = defaultdict(list)
    for ref in pieces:
        groups[ref.collection].append(ref)
    queues = []
    for name in sorted(groups):
        items = sorted(groups[name], key=lambda r: r.piece_id)
        random.Random(f"{seed}:{name}").shuffle(items)
        queues.append(items)
    ordered = []
    for i in range(max((len(q) for q in queues), default=0)):
        ordered += [q[i] for q in queues if i < len(q)]
    return ordered


def split_of(piece_id: str, *, held_out: float = 0.05) -> str:
    """``"test"`` for about `held_out` of the pieces, else ``"train"``. It depends only on the
    piece, never on the seed or the limit, so every render of a piece lands on the same side."""
    digest = hashlib.sha256(f"ainur-corpus-split-v1:{piece_id}".encode()).digest()
    return "test" if int.from_bytes(digest[:8], "big") / 2**64 < held_out else "train"


def load_score(ref: PieceRef) -> Any:
    """Parse `ref` with music21 into a Score (one numbered tune for collection files)."""
    music21 = require_music21()
    parsed = music21.corpus.parse(ref.source, number=ref.number)
    if isinstance(parsed, music21.stream.Opus):
        scores = list(parsed.scores)
        if not scores:
            raise ValueError(f"{ref.source} holds no scores")
        matching = [s for s in scores if s.metadata and s.metadata.number == ref.number]
        parsed = (matching or scores)[0]
    return parsed
