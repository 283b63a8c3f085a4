"""The request limits: one table, every field refused outside it, files checked by header."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import soundfile

from ainur_studio.limits import (
    LIMITS,
    SAMPLER_NAMES,
    TASK_FIELDS,
    audio_file_problems,
    check_request,
    request_problems,
)
from ainur_studio.types import GenerationRequest, Structure, Task, TaskInputs


def with_field(request: GenerationRequest, path: str, value) -> GenerationRequest:
    if path.startswith("inputs."):
        inputs = dataclasses.replace(request.inputs, **{path.split(".", 1)[1]: value})
        return dataclasses.replace(request, inputs=inputs)
    return dataclasses.replace(request, **{path: value})


def task_request(task: Task) -> GenerationRequest:
    inputs = TaskInputs(source_audio="take.wav", region_start_s=1.0, region_end_s=2.0,
                        part_audio={"drums": "drums.wav"})
    structure = Structure(parts=["bass"]) if task is Task.ADD_PARTS else Structure()
    return GenerationRequest(prompt="lo-fi", task=task, inputs=inputs, structure=structure)


def test_the_default_request_of_every_task_is_within_the_limits():
    for task in Task:
        assert request_problems(task_request(task)) == [], task


def test_the_sampler_names_are_the_ones_the_core_implements():
    from ainur_studio.diffusion.samplers import SAMPLERS

    assert sorted(SAMPLER_NAMES) == sorted(SAMPLERS)


@pytest.mark.parametrize("task", list(Task))
def test_each_limit_refuses_values_just_outside_it(task):
    for path in TASK_FIELDS[task]:
        limit = LIMITS[path]
        step = 1 if limit.integer else 1e-3
        for value in (limit.low - step, limit.high + step, float("nan"), "3", True):
            problems = request_problems(with_field(task_request(task), path, value))
            codes = [p.code for p in problems]
            assert limit.code in codes, (task, path, value)
            assert f"{limit.low:g} to {limit.high:g}" in str(problems[0]) or codes[0] != limit.code


def test_duration_zero_and_ten_thousand_name_the_limit():
    for seconds in (0.0, 10_000.0):
        with pytest.raises(ValueError, match=r"duration_s must be a number from 1 to 600 s"):
            check_request(GenerationRequest(prompt="x", duration_s=seconds))


def test_unknown_sampler_and_task_and_missing_source():
    assert request_problems(GenerationRequest(sampler="dpm-fast"))[0].code == "unknown_sampler"
    assert request_problems(GenerationRequest(task="remix"))[0].code == "unknown_task"
    no_source = GenerationRequest(task=Task.VARIATION)
    assert [p.code for p in request_problems(no_source)] == ["no_source"]
    backwards = task_request(Task.REPAINT)
    backwards.inputs.region_start_s, backwards.inputs.region_end_s = 3.0, 1.0
    assert "must start before it ends" in str(request_problems(backwards)[0])


def test_audio_files_are_checked_by_their_headers(tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    short = tmp_path / "short.wav"
    soundfile.write(short, np.zeros((4800, 2), np.float32), 48_000)
    good = tmp_path / "good.wav"
    soundfile.write(good, np.zeros((96_000, 2), np.float32), 48_000)

    def codes(reference: str) -> list[str]:
        request = GenerationRequest(prompt="x", inputs=TaskInputs(reference_audio=reference))
        return [p.code for p in audio_file_problems(request)]

    assert codes(str(text)) == ["reference_unreadable"]
    assert codes(str(tmp_path / "missing.wav")) == ["reference_unreadable"]
    assert codes(str(short)) == ["reference_too_short"]
    assert codes(str(good)) == []
