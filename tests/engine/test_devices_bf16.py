"""bf16 on the CPU where it runs natively (detected from /proc/cpuinfo) and the device choice
is automatic; fp32 elsewhere and for an explicit ``cpu``."""

from __future__ import annotations

import pytest

from engine import devices
from engine.devices import DeviceChoice, choose_device, has_native_bf16
from engine.handlers.generate import precision_context

X86_BF16 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_tile\n"
X86_PLAIN = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n"
ARM_BF16 = "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n"


@pytest.mark.parametrize(("cpuinfo", "native"), [
    (X86_BF16, True), (X86_PLAIN, False), (ARM_BF16, True),
    ("processor\t: 0\nflags\t\t: amx_bf16\n", True), ("", False),
    ("model name\t: bf16 marketing name\nflags\t\t: sse2\n", False)])
def test_native_bf16_is_read_from_the_cpu_flags(cpuinfo: str, native: bool) -> None:
    assert has_native_bf16(cpuinfo) is native


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.setattr(devices, "_resolve_accelerator", lambda device: "cpu")


def test_auto_on_a_native_bf16_cpu_picks_bf16(cpu_only, monkeypatch) -> None:
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: True)
    assert choose_device("auto") == DeviceChoice("cpu", "bf16")
    assert choose_device("auto", "fp32") == DeviceChoice("cpu", "fp32")
    assert choose_device("cpu") == DeviceChoice("cpu", "fp32")  # explicit cpu: fp32


def test_auto_on_a_cpu_without_native_bf16_stays_fp32(cpu_only, monkeypatch) -> None:
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: False)
    assert choose_device("auto") == DeviceChoice("cpu", "fp32")


def test_the_cpu_check_reads_cpuinfo_once() -> None:
    devices.cpu_has_native_bf16.cache_clear()
    first = devices.cpu_has_native_bf16()
    assert devices.cpu_has_native_bf16() is first
    assert devices.cpu_has_native_bf16.cache_info().hits >= 1


def test_bf16_on_the_cpu_autocasts_matmuls() -> None:
    import torch

    a = torch.ones(2, 2)
    with precision_context(DeviceChoice("cpu", "bf16")):
        assert (a @ a).dtype == torch.bfloat16
    with precision_context(DeviceChoice("cpu", "fp32")):
        assert (a @ a).dtype == torch.float32
