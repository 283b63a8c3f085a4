"""scripts/evaluate_stems.py end to end on a tiny stem corpus with the debug packs: the
references separate right from wrong labels, a pack with stems gets roles and add-parts, a
mix-only pack gets neither, and a take's mix is its stems' sum."""

from __future__ import annotations

import json

import pytest

from tests.ainur_studio.script_module import load_script
from tests.ainur_studio.stem_corpus import make_stem_corpus

pytest.importorskip("librosa")
pytest.importorskip("sklearn")
pytest.importorskip("mir_eval")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    from ainur_studio.transcribe import runtime_available

    if not runtime_available():
        pytest.skip("needs the note transcriber (make .venv/.installed-dev)")
    root = make_stem_corpus(tmp_path_factory.mktemp("stems-eval"), clips=5, seconds=4.0, mix=True)
    rows = [json.loads(line) for line in (root / "manifest.jsonl").read_text().splitlines()]
    for i, row in enumerate(rows):
        row["split"] = "test" if i < 2 else "train"
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    evaluate_stems = load_script("evaluate_stems")
    return evaluate_stems.evaluate(root, ["debug", "debug-mix"], takes=2, seconds=4.0,
                                   train_clips=3, log=lambda _line: None)


def test_references_tell_right_labels_from_wrong(report) -> None:
    corpus, wrong = report["columns"]["corpus"], report["columns"]["mismatched"]
    assert corpus["takes"] == wrong["takes"] == 2
    assert corpus["melody_f1"] >= 0.9 and wrong["melody_f1"] <= 0.2
    assert corpus["roles_recognised"] == 1.0 and wrong["roles_recognised"] <= 0.2
    assert wrong["sum_residual_db_worst"] is None
    assert corpus["sum_residual_db_worst"] < -60     # the corpus mix is its stems' sum


def test_a_stems_pack_is_measured_stem_by_stem_and_adds_parts(report) -> None:
    columns = report["columns"]
    debug = columns["debug"]
    assert debug["takes"] == 2 and debug["roles_recognised"] is not None
    assert debug["sum_residual_db_worst"] < -60
    assert set(report["takes"]["debug"][0]["roles"]) == {"drums", "bass", "harmony",
                                                           "melody", "vocals"}
    assert columns["debug add-parts"]["takes"] == 2
    assert set(report["takes"]["debug add-parts"][0]["roles"]) == {"harmony", "melody"}
    for value in (debug["tempo_holds"], debug["downbeat_holds"], debug["chord_bars_matched"]):
        assert 0.0 <= value <= 1.0


def test_a_mix_only_pack_has_no_stem_rows(report) -> None:
    mix = report["columns"]["debug-mix"]
    assert mix["takes"] == 2
    assert mix["roles_recognised"] is None and mix["sum_residual_db_worst"] is None
    assert "debug-mix add-parts" not in report["columns"]


def test_the_markdown_table_has_every_column_and_row(report) -> None:
    evaluate_stems = load_script("evaluate_stems")
    table = evaluate_stems.markdown(report["columns"]).splitlines()
    assert table[0].split("|")[2:-1] == [f" {n} " for n in report["columns"]]
    assert len(table) == 2 + len(evaluate_stems.ROWS) + 1


def test_a_held_out_corpus_gives_all_its_clips(tmp_path) -> None:
    """--held-out: every clip of a corpus built with another seed is held out, whatever its
    manifest split; with fewer than two the error says what to build."""
    evaluate_stems = load_script("evaluate_stems")
    root = make_stem_corpus(tmp_path / "seed1", clips=3, seconds=2.0, mix=True)
    clips = evaluate_stems.load_clips(root, split=None, n=None, seconds=2.0)
    assert len(clips) == 3
    assert len(evaluate_stems.load_clips(root, split="test", n=None, seconds=2.0)) < 3
    one = make_stem_corpus(tmp_path / "one", clips=1, seconds=2.0, mix=True)
    with pytest.raises(SystemExit, match="has 1 clips with stems.*--held-out"):
        evaluate_stems.evaluate(root, [], takes=4, seconds=2.0, train_clips=1, held_out=one,
                                log=lambda _line: None)
