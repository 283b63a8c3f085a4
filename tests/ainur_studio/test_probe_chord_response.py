"""scripts/probe_chord_response.py on the debug packs: a stems pack gets both figures per
clip and their medians; a mix-only pack and a corpus too small are refused, saying why."""

from __future__ import annotations

import json

import pytest

from tests.ainur_studio.script_module import load_script
from tests.ainur_studio.stem_corpus import make_stem_corpus

pytest.importorskip("librosa")


def test_a_stems_pack_gets_both_changes_per_clip(tmp_path, capsys) -> None:
    root = make_stem_corpus(tmp_path / "corpus", clips=2, seconds=2.0, mix=True)
    probe = load_script("probe_chord_response")
    assert probe.main(["--corpus", str(root), "--pack", "debug", "--takes", "2",
                       "--seconds", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if line.startswith("{")]
    assert [r["clip"] for r in lines[:2]] and lines[-1]["takes"] == 2
    assert all(r["seed_changed"] > 0 and r["chords_changed"] >= 0 for r in lines[:2])
    assert lines[-1]["median_seed_changed"] > 0


def test_a_mix_only_pack_or_one_clip_is_refused(tmp_path) -> None:
    probe = load_script("probe_chord_response")
    root = make_stem_corpus(tmp_path / "corpus", clips=2, seconds=2.0, mix=True)
    with pytest.raises(SystemExit, match="generates no harmony stem"):
        probe.main(["--corpus", str(root), "--pack", "debug-mix", "--seconds", "2"])
    one = make_stem_corpus(tmp_path / "one", clips=1, seconds=2.0, mix=True)
    with pytest.raises(SystemExit, match="has 1 clips with stems"):
        probe.main(["--corpus", str(one), "--pack", "debug", "--seconds", "2"])
