"""`ainur-studio lrc FILE [--strict] [--json | --lrc]`, in-process and once as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import main
from ainur_studio.lyrics.lrc import parse_lrc

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "lrc"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main.main(["lrc", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_has_tags_lines_with_ends_and_words(capsys):
    code, out, err = run_cli(capsys, str(FIXTURES / "enhanced_words.lrc"))
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["tags"] == {"ar": "Word Timer"}
    first, second = data["lines"]
    assert (first["start_ms"], first["end_ms"], first["text"]) == (10_000, 12_000,
                                                                  "Hold on to me")
    assert first["words"][0] == {"start_ms": 10_000, "end_ms": 10_400, "text": "Hold"}
    assert second["end_ms"] == 18_000  # last line: default length after its start


def test_offset_and_length_are_reported(capsys):
    code, out, _ = run_cli(capsys, "--json", str(FIXTURES / "uppercase_tags.lrc"))
    data = json.loads(out)
    assert code == 0 and data["offset_ms"] == 100 and data["length_ms"] == 205_000


def test_lrc_output_is_normalised_and_reparses_identically(capsys):
    path = FIXTURES / "garbage_lines.lrc"
    code, out, err = run_cli(capsys, "--lrc", str(path))
    assert code == 0
    assert out == "[ti:Scraped From The Web]\n[00:10.00]a good line\n[00:20.00]another good line\n"
    assert parse_lrc(out)[0] == parse_lrc(path.read_bytes())[0]
    assert f"{path}:3:1: no time stamp" in err
    assert len(err.strip().splitlines()) == 7


def test_lrc_output_rounds_to_centiseconds_unless_milliseconds_are_asked_for(capsys):
    path = FIXTURES / "precision_mix.lrc"
    _, out, _ = run_cli(capsys, "--lrc", str(path))
    assert "[00:03.13]milliseconds" in out and "[00:05.12]four" in out
    _, out, _ = run_cli(capsys, "--lrc", "--milliseconds", str(path))
    assert "[00:03.125]milliseconds" in out and "[00:05.123]four" in out


def test_strict_mode_fails_at_the_first_problem(capsys):
    code, out, err = run_cli(capsys, "--strict", str(FIXTURES / "garbage_lines.lrc"))
    assert code == 1 and out == ""
    assert err.startswith(f"{FIXTURES / 'garbage_lines.lrc'}:1:1: ")


def test_strict_mode_accepts_a_clean_file(capsys):
    code, _, err = run_cli(capsys, "--strict", "--lrc", str(FIXTURES / "utf16le_bom.lrc"))
    assert code == 0 and err == ""


def test_unusable_files_exit_1(capsys, tmp_path):
    code, _, err = run_cli(capsys, str(FIXTURES / "binary_not_text.lrc"))
    assert code == 1 and "not" in err
    code, _, err = run_cli(capsys, str(FIXTURES / "tags_only.lrc"))
    assert code == 1 and "no timed lyric lines" in err
    code, _, err = run_cli(capsys, str(tmp_path / "missing.lrc"))
    assert code == 1 and "cannot read" in err


def test_command_line_subprocess(tmp_path):
    path = tmp_path / "song.lrc"
    path.write_bytes("\ufeff[ar:Ünï]\r\n[00:01.00][00:03.00]twice\r\n".encode())
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "lrc", "--lrc", str(path)],
                            capture_output=True, cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode("utf-8") == "[ar:Ünï]\n[00:01.00]twice\n[00:03.00]twice\n"


def test_every_fixture_from_the_command_line(capsys):
    for path in sorted(FIXTURES.glob("*.lrc")):
        unusable = path.name in ("binary_not_text.lrc", "tags_only.lrc")
        for output in ("--json", "--lrc"):
            code, out, _ = run_cli(capsys, output, "--milliseconds", str(path))
            assert code == (1 if unusable else 0), path.name
            if not unusable and output == "--lrc":
                assert parse_lrc(out)[0] == parse_lrc(path.read_bytes())[0], path.name
            if not unusable and output == "--json":
                assert len(json.loads(out)["lines"]) == len(parse_lrc(path.read_bytes())[0].lines)
