"""A finished training run installs its pack, and the Model list shows it without a restart."""

from __future__ import annotations

import json

import pytest

from tests.ui.window_helpers import event, recording_window, reply
from ui.settings import Settings


@pytest.fixture
def window(qtbot, tmp_path):
    return recording_window(qtbot, Settings(tmp_path / "s.ini"))


def test_the_training_page_asks_for_the_pack_to_be_installed(window, tmp_path):
    win, sent = window
    page = win.show_training_page()
    assert page.install.isChecked()
    page.folder.setText(str(tmp_path))
    page.start.click()
    (_method, params, _rid), = sent.of("train")
    assert params["spec"]["install"] is True
    page.install.setChecked(False)
    assert page.spec()["install"] is False


def test_a_finished_run_refreshes_the_model_list(window, tmp_path):
    win, sent = window
    page = win.show_training_page()
    page.folder.setText(str(tmp_path))
    page.start.click()
    (_m, _p, train_id), = sent.of("train")
    reply(win, train_id, job="j-1", position=0)
    before = len(sent.of("list_models"))
    run_pack = tmp_path / "run" / "pack"
    run_pack.mkdir(parents=True)
    (run_pack / "pack.json").write_text(json.dumps({"name": "songs-lora"}), encoding="utf-8")
    event(win, "job_done", "j-1", status="succeeded", pack=str(run_pack),
          out=str(run_pack.parent))
    listed = sent.of("list_models")
    assert len(listed) == before + 1
    reply(win, listed[-1][2], models=[{"name": "starter"}, {"name": "songs-lora"}])
    names = [win.prompt_panel.model.itemText(i) for i in range(win.prompt_panel.model.count())]
    assert "songs-lora" in names
    assert "songs-lora" in win.status.currentMessage()
    assert "songs-lora" in page.state_label.text()
