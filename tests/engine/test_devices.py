"""Device and precision choice, out-of-memory detection and advice (no GPU needed)."""

from __future__ import annotations

import pytest

from engine.devices import (
    DeviceChoice,
    choose_device,
    is_out_of_memory,
    out_of_memory_message,
    suggested_limits,
)


def test_cpu_defaults_to_fp32_and_accepts_overrides():
    assert choose_device("cpu") == DeviceChoice("cpu", "fp32")
    assert choose_device("CPU", "bf16") == DeviceChoice("cpu", "bf16")
    assert choose_device("cpu", "auto").dtype_name == "float32"


@pytest.mark.parametrize(("device", "precision", "match"), [
    ("cpu", "fp16", "not supported on the CPU"),
    ("cpu", "fp8", "unknown precision"),
    ("gpu", None, "unknown device"),
    ("cuda:x", None, "unknown device"),
])
def test_bad_choices_are_explained(device, precision, match):
    with pytest.raises(ValueError, match=match):
        choose_device(device, precision)


class OutOfMemoryError(RuntimeError):
    """Same name as torch.cuda.OutOfMemoryError."""


@pytest.mark.parametrize(("exc", "expected"), [
    (MemoryError(), True),
    (OutOfMemoryError("boom"), True),
    (RuntimeError("CUDA out of memory. Tried to allocate 20.00 MiB"), True),
    (RuntimeError("shape mismatch"), False),
    (ValueError("out of memory"), False),
])
def test_out_of_memory_detection(exc, expected):
    assert is_out_of_memory(exc) is expected


def test_out_of_memory_advice_names_what_was_asked():
    message = out_of_memory_message({"request": {"duration_s": 95.0, "variations": 3}})
    assert "95 s clip with 3 variations" in message
    assert "shorter clip" in message and "CPU" in message
    assert out_of_memory_message({}).startswith("Out of memory.")


def test_limits_grow_with_free_memory():
    small, large = suggested_limits(4_000), suggested_limits(40_000)
    assert small["max_batch"] < large["max_batch"]
    assert small["max_duration_s"] < large["max_duration_s"]
    assert suggested_limits(None) == suggested_limits(0)
