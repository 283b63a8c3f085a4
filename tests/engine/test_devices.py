"""Device and precision choice, out-of-memory detection and advice (no GPU needed)."""

from __future__ import annotations

import platform
import sys

import pytest

from engine.devices import (
    DeviceChoice,
    choose_device,
    is_out_of_memory,
    out_of_memory_message,
    release_freed_heap,
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


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's")
def test_freed_heap_pages_go_back_to_the_system_on_glibc():
    def rss_kb() -> int:
        status = open("/proc/self/status").read().split("VmRSS:")[1]
        return int(status.split()[0])

    chunks = [bytearray(4096) for _ in range(20_000)]  # ~80 MB of small heap blocks
    held = rss_kb()
    del chunks[:-1]  # the last one keeps the heap's top from shrinking by itself
    assert release_freed_heap() is True
    assert rss_kb() < held - 40_000


def test_releasing_the_heap_is_a_no_op_off_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert release_freed_heap() is False
