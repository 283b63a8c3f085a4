"""scripts/probe_autoencoder_chords.py on the debug pack: per clip, the chord share of the
harmony stem and the mix before and after the round trip; a lossless round trip gives the
rendered figures back; a corpus without harmony is refused, saying why."""

from __future__ import annotations

import json

import pytest

from tests.ainur_studio.script_module import load_script
from tests.ainur_studio.stem_corpus import make_stem_corpus

pytest.importorskip("librosa")


def _rows(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()
            if line.startswith("{")]


def test_each_clip_gets_both_shares_and_a_lossless_round_trip_keeps_them(tmp_path, capsys,
                                                                         monkeypatch) -> None:
    root = make_stem_corpus(tmp_path / "corpus", clips=2, seconds=4.0, mix=True)
    probe = load_script("probe_autoencoder_chords")
    args = ["--corpus", str(root), "--pack", "debug", "--clips", "2", "--seconds", "4"]
    assert probe.main(args) == 0
    *clips, means = _rows(capsys)
    assert len(clips) == 2 and means["clips"] == 2
    assert set(means) == {"clips", "harmony", "harmony_round_trip", "mix", "mix_round_trip"}
    monkeypatch.setattr(probe, "round_trip", lambda autoencoder, wav: wav)
    assert probe.main(args) == 0
    *_, lossless = _rows(capsys)
    assert lossless["harmony_round_trip"] == lossless["harmony"]
    assert lossless["mix_round_trip"] == lossless["mix"]


def test_a_corpus_without_harmony_is_refused(tmp_path) -> None:
    root = make_stem_corpus(tmp_path / "corpus", clips=1, seconds=2.0, mix=True)
    for path in root.glob("genres/*/*/harmony.wav"):
        path.unlink()
    manifest = root / "manifest.jsonl"
    rows = [json.loads(line) for line in manifest.read_text().splitlines()]
    for row in rows:
        row["stems"].pop("harmony", None)
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(SystemExit, match="no clips with chords and a harmony stem"):
        load_script("probe_autoencoder_chords").main(["--corpus", str(root), "--seconds", "2"])
