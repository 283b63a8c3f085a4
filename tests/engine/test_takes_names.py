"""Take names from the template stay small, and temporaries a killed write left are cleaned."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from ainur_studio.types import LyricLine, Lyrics
from commands import generate as gen_cli
from engine.takes import (
    MAX_SPEC_NUMBER,
    MAX_STEM_BYTES,
    STALE_PART_S,
    TakeOptions,
    check_template,
    remove_stale_parts,
    render_name,
    write_take,
)
from tests.engine.test_cli import SEAMS, parse
from tests.engine.test_takes import chord, request

NOW = dt.datetime(2026, 5, 4, 13, 14, 15)


@pytest.mark.parametrize("template", ["{n:>200000000}", "{seed:0200000000d}", "{n:.900f}",
                                      "x{prompt_slug:_<1000}"])
def test_huge_widths_are_refused_naming_the_template_and_limit(template):
    with pytest.raises(ValueError) as caught:
        check_template(template)
    text = str(caught.value)
    assert repr(template) in text and str(MAX_SPEC_NUMBER) in text


def test_nested_fields_in_a_format_spec_are_refused():
    with pytest.raises(ValueError, match="nested"):
        check_template("{n:{seed}}")  # the seed would become the width


def test_small_specs_and_conversions_still_work():
    check_template("{n:03}_{seed:>8}_{prompt_slug!s:.10}")
    name = render_name("{n:03}_{seed:>8}", request=request(), seed=42, n=7, take_id="t", now=NOW)
    assert name == "007_      42"


def test_overlong_templates_are_refused():
    with pytest.raises(ValueError, match="too long"):
        check_template("{n}" + "x" * 1000)


def test_rendered_names_fit_the_file_system_in_bytes(tmp_path):
    template = "é" * 118 + "_{n}"  # 120 characters but 238 bytes
    name = render_name(template, request=request(), seed=42, n=1, take_id="t", now=NOW)
    assert len(name.encode("utf-8")) <= MAX_STEM_BYTES and name.startswith("é" * 50)
    lyrics = Lyrics(lines=[LyricLine(0, "la")])
    take = write_take(chord(0.1), request=request(lyrics=lyrics),
                      options=TakeOptions(out_dir=tmp_path, template=template))
    assert os.path.basename(take.path).startswith("é" * 50)
    assert all(len(p.name.encode()) <= 255 for p in tmp_path.iterdir())


def test_cli_reports_a_bad_template_clearly(tmp_path, capsys, fake_mode):
    _, args = parse(gen_cli, ["--prompt", "x", "--duration", "1", "--steps", "2",
                              "-o", str(tmp_path), "--device", "cpu",
                              "--template", "{n:>1000000}"])
    assert gen_cli.run(args, **SEAMS) != 0  # refused before anything is generated
    err = capsys.readouterr().err
    assert "file-name template '{n:>1000000}'" in err and f"at most {MAX_SPEC_NUMBER}" in err
    assert not list(tmp_path.iterdir())


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_part_files_are_removed_on_the_next_write(tmp_path):
    stale = tmp_path / ".2026-05-04_song_42_1.0a1b2c3d.part"
    stale_sidecar = tmp_path / ".2026-05-04_song_42_1.json.deadbeef.part"
    fresh = tmp_path / ".2026-05-04_song_43_1.12345678.part"     # a write in progress
    foreign = [tmp_path / "movie.mkv.part", tmp_path / ".notes.part",
               tmp_path / ".download.ABCDEFGH.part", tmp_path / "song.wav"]
    for path in (stale, stale_sidecar, fresh, *foreign):
        path.write_bytes(b"partial")
    folder = tmp_path / ".album.0a1b2c3d.part"
    folder.mkdir()
    for path in (stale, stale_sidecar, *foreign, folder):
        _age(path, STALE_PART_S + 60)
    write_take(chord(0.1), request=request(), options=TakeOptions(out_dir=tmp_path))
    assert not stale.exists() and not stale_sidecar.exists()
    assert fresh.exists() and folder.is_dir() and all(p.exists() for p in foreign)


def test_remove_stale_parts_returns_what_it_removed(tmp_path):
    assert remove_stale_parts(tmp_path / "missing") == []
    stale = tmp_path / ".take.0a1b2c3d.part"
    stale.write_bytes(b"x")
    _age(stale, STALE_PART_S + 1)
    assert remove_stale_parts(tmp_path) == [stale]
