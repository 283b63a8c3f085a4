"""Reading a corpus manifest while the builder may still be writing it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ainur_studio.data.corpus.manifest import read_manifest


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    rows = [{"clip_id": "a", "split": "train"}, {"clip_id": "b", "split": "test"}]
    path = tmp_path / "manifest.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"clip_id": "c", "spl',
                    encoding="utf-8")
    assert read_manifest(path) == rows


def test_a_missing_manifest_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="ainur-studio corpus build"):
        read_manifest(tmp_path / "corpus" / "manifest.jsonl")
