"""The LRC parser is linear in its input: a line with N repeated stamps and M word stamps
does not become N * M word objects, and what a dataset report prints stays bounded."""

from __future__ import annotations

import json
import time

import pytest

from ainur_studio.data.ingest import DatasetItem, DatasetReport
from ainur_studio.lyrics.lrc import MAX_REPEATED_WORDS, LrcError, parse_lrc


def repeated_line(n: int) -> str:
    """One line with `n` line stamps and `n` word stamps (about 22 * n characters)."""
    stamps = "".join(f"[{i // 60:02d}:{i % 60:02d}.00]" for i in range(n))
    words = " ".join(f"<00:00.{i % 100:02d}>w" for i in range(n))
    return stamps + words


def created_objects(text: str) -> int:
    lyrics, _ = parse_lrc(text)
    return len(lyrics.lines) + sum(len(line.words) for line in lyrics.lines)


def best_time(fn, text: str, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - start)
    return best


def test_objects_grow_linearly_with_the_input():
    small, large = repeated_line(250), repeated_line(1_000)
    assert 3.5 < len(large) / len(small) < 4.5
    assert created_objects(large) / created_objects(small) < 8


def test_parse_time_grows_linearly_with_the_input():
    small, large = repeated_line(250), repeated_line(1_000)
    ratio = best_time(parse_lrc, large) / best_time(parse_lrc, small)
    assert ratio < 8, f"parse time grew {ratio:.1f}x for 4x the input"


def test_repeats_beyond_the_limit_keep_text_and_are_reported_once():
    lyrics, problems = parse_lrc(repeated_line(100))
    assert len(lyrics.lines) == 100
    with_words = [line for line in lyrics.lines if line.words]
    assert len(with_words) == MAX_REPEATED_WORDS // 100
    assert all(line.text == lyrics.lines[0].text for line in lyrics.lines)
    assert len(problems) == 1 and str(MAX_REPEATED_WORDS) in problems[0].message
    with pytest.raises(LrcError, match="repeat"):
        parse_lrc(repeated_line(100), strict=True)


def test_small_repeated_choruses_keep_their_words_everywhere():
    text = "[00:10.00][01:00.00][02:00.00]<00:10.00>round <00:10.50>and <00:11.00>round"
    lyrics, problems = parse_lrc(text)
    assert problems == []
    assert [[w.start_ms for w in line.words] for line in lyrics.lines] == [
        [10_000, 10_500, 11_000], [60_000, 60_500, 61_000], [120_000, 120_500, 121_000]]


def test_dataset_report_json_summarises_lyrics():
    lyrics, _ = parse_lrc(repeated_line(1_000))
    item = DatasetItem("song.wav", 10.0, 48_000, 2, lyrics=lyrics, lyrics_source="sidecar",
                       warnings=["song.lrc: " + "x" * 50_000] + [f"song.lrc: problem {i}"
                                                                  for i in range(5_000)])
    data = DatasetReport("root", items=[item]).to_dict()
    size = len(json.dumps(data))
    assert size < 20_000, f"report is {size} characters"
    summary = data["items"][0]["lyrics"]
    assert summary["lines"] == len(lyrics.lines)
    assert summary["words"] == sum(len(line.words) for line in lyrics.lines)
    assert data["items"][0]["lyrics_source"] == "sidecar"
    assert data["items"][0]["warnings"][-1] == "... and 4981 more"
