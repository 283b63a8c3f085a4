"""The chord lane in project files (schema 2): saved and read back, older projects open with
an empty lane, and a damaged symbol is named."""

from __future__ import annotations

import json

import pytest

from ainur_studio.project import (
    SCHEMA_VERSION,
    Project,
    ProjectError,
    load_project,
    project_to_dict,
    save_project,
)
from ainur_studio.types import GenerationRequest


def test_the_chord_lane_round_trips(tmp_path):
    project = Project(request=GenerationRequest(prompt="x"), chords=["Am", "N.C.", "F", "G7"])
    path = save_project(tmp_path / "song.ainur", project)
    assert json.loads(path.read_text("utf-8"))["chords"] == ["Am", "N.C.", "F", "G7"]
    assert load_project(path).chords == ["Am", "N.C.", "F", "G7"]
    assert SCHEMA_VERSION == 2


def test_a_schema_1_project_opens_with_an_empty_lane(tmp_path):
    document = project_to_dict(Project(request=GenerationRequest(prompt="old")))
    del document["chords"]
    document["schema_version"] = 1
    path = tmp_path / "old.ainur"
    path.write_text(json.dumps(document), "utf-8")
    project = load_project(path)
    assert project.chords == [] and project.request.prompt == "old"


@pytest.mark.parametrize(("chords", "message"), [
    (["Am", "Hm"], r"bad symbol: bar 2: bad chord 'Hm'"),
    ("Am F", "must be a JSON list"),
    ([1, 2], "must be a JSON list"),
])
def test_a_damaged_lane_is_named(tmp_path, chords, message):
    document = project_to_dict(Project()) | {"chords": chords}
    path = tmp_path / "p.ainur"
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(ProjectError, match=message):
        load_project(path)
