"""Bad requests are refused before any model loads: by the command line (exit 2, the limit in
the message, torch never imported), and by the engine when the job is submitted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ainur_studio.types import GenerationRequest
from engine.client import EngineError

ROOT = Path(__file__).resolve().parents[2]

# Runs the real command line in a fresh interpreter and reports whether torch was loaded.
PROBE = """
import sys
import main
code = main.main(sys.argv[1:])
print("TORCH_LOADED" if "torch" in sys.modules else "TORCH_NOT_LOADED", code)
"""


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE, "generate", "--prompt", "x", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args,expected", [
    (("--duration", "0"), "--duration (duration_s) must be a number from 1 to 600 s"),
    (("--duration", "10000"), "--duration (duration_s) must be a number from 1 to 600 s"),
    (("--steps", "0"), "--steps (steps) must be an integer from 1 to 1000"),
    (("--guidance", "99"), "--guidance (guidance) must be a number from 0 to 50"),
    (("--variations", "0"), "--variations (variations) must be an integer from 1 to 16"),
    (("--sampler", "magic"), "unknown sampler 'magic'"),
])
def test_cli_refuses_out_of_range_values_before_loading_a_model(args, expected):
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr  # the probe itself ran
    assert expected in proc.stderr
    assert proc.stdout.split() == ["TORCH_NOT_LOADED", "2"]


def test_cli_refuses_a_text_file_as_reference_audio(tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("these are my notes, not audio")
    proc = run_cli("--reference", str(text))
    assert "is not an audio file this app can read" in proc.stderr
    assert proc.stdout.split() == ["TORCH_NOT_LOADED", "2"]


def test_engine_refuses_a_bad_request_when_it_is_submitted(tmp_path):
    from engine.devices import DeviceChoice
    from engine.inprocess import InProcessEngine

    loads: list[str] = []

    def load_pack(name, device):
        loads.append(name)
        return object()

    with InProcessEngine(takes_dir=tmp_path, device=DeviceChoice("cpu", "fp32"),
                         load_pack=load_pack) as eng:
        with pytest.raises(EngineError) as err:
            eng.generate(GenerationRequest(prompt="x", duration_s=0.0))
        assert err.value.code == "bad_params"
        assert "duration_s must be a number from 1 to 600 s" in err.value.message
        status = eng.request("status")
        assert status["queued"] == 0 and status["job"] is None
    assert loads == []
