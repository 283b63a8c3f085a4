"""The prompt panel's "Style strength": shown for a fine-tuned (LoRA) model (from the engine's
listing, or a folder holding one), hidden otherwise; 0-200 %, default 100 %; it goes into the
request; a model that takes no strength sets it back to 100 %. After a training run the new
pack is in the Model list with its strength control."""

from __future__ import annotations

import json

import pytest

from ainur_studio.limits import LIMITS
from tests.ui.window_helpers import event, recording_window, reply
from ui.models.packs import fine_tune_base, is_full_pack, listed_packs
from ui.models.prompt_state import PromptState
from ui.settings import Settings
from ui.widgets.prompt_panel import PromptPanel

LISTING = [{"name": "starter", "kind": "full", "base": ""},
           {"name": "sitar-lora", "kind": "lora", "base": "starter"}]


@pytest.fixture
def panel(qtbot):
    state = PromptState()
    widget = PromptPanel(state)
    qtbot.addWidget(widget)
    widget.set_models(LISTING)
    return widget


def shown(panel: PromptPanel) -> bool:
    return not panel.style_strength.isHidden() and not panel.style_label.isHidden()


def test_the_control_shows_for_a_fine_tune_only(panel):
    panel.model.setCurrentText("starter")
    assert panel.state.request.model == "starter" and not shown(panel)
    panel.model.setCurrentText("sitar-lora")
    assert shown(panel)
    assert "its base model (starter)" in panel.style_strength.toolTip()
    assert [panel.model.itemText(i) for i in range(panel.model.count())] == ["starter",
                                                                              "sitar-lora"]


def test_range_default_and_the_value_goes_into_the_request(panel):
    control = panel.style_strength
    assert (control.spin.minimum(), control.spin.maximum()) == (0, 200)
    assert control.spin.maximum() == round(LIMITS["style_strength"].high * 100)
    assert control.percent() == 100 and control.slider.value() == 100
    panel.model.setCurrentText("sitar-lora")
    control.spin.setValue(60)
    assert control.slider.value() == 60
    assert panel.state.to_request().style_strength == 0.6
    control.slider.setValue(150)
    assert control.spin.value() == 150 and panel.state.request.style_strength == 1.5


def test_a_model_that_takes_no_strength_sets_it_back_to_100(panel):
    panel.model.setCurrentText("sitar-lora")
    panel.style_strength.spin.setValue(40)
    panel.model.setCurrentText("starter")
    assert panel.state.request.style_strength == 1.0
    assert panel.style_strength.percent() == 100 and not shown(panel)


def test_a_strength_other_than_100_is_never_hidden(panel):
    panel.state.update(model="some-pack-not-listed", style_strength=0.7)  # an older take's
    assert shown(panel) and panel.style_strength.percent() == 70
    assert panel.state.request.style_strength == 0.7  # an unknown model keeps it


def test_a_folder_holding_a_lora_pack_is_a_fine_tune(panel, tmp_path):
    run = tmp_path / "run"
    (run / "pack").mkdir(parents=True)
    (run / "pack" / "pack.json").write_text(json.dumps(
        {"kind": "lora", "base": {"name": "starter", "hash": "ab"}}), encoding="utf-8")
    panel.model.setCurrentText(str(run))
    assert shown(panel)
    assert fine_tune_base(str(run / "pack"), {}) == "starter"
    full = tmp_path / "full"
    full.mkdir()
    (full / "pack.json").write_text(json.dumps({"name": "full"}), encoding="utf-8")
    assert fine_tune_base(str(full), {}) is None and is_full_pack(str(full), {})
    assert not is_full_pack("unknown", listed_packs(["unknown"]))  # a bare name: not known


def test_a_finished_run_lists_its_pack_with_the_strength_control(qtbot, tmp_path):
    win, sent = recording_window(qtbot, Settings(tmp_path / "s.ini"))
    page = win.show_training_page()
    page.folder.setText(str(tmp_path))
    page.start.click()
    (_m, _p, train_id), = sent.of("train")
    reply(win, train_id, job="j-1", position=0)
    run_pack = tmp_path / "run" / "pack"
    run_pack.mkdir(parents=True)
    (run_pack / "pack.json").write_text(json.dumps({"name": "songs-lora", "kind": "lora"}),
                                        encoding="utf-8")
    event(win, "job_done", "j-1", status="succeeded", pack=str(run_pack),
          out=str(run_pack.parent))
    reply(win, sent.of("list_models")[-1][2],
          models=[LISTING[0], {"name": "songs-lora", "kind": "lora", "base": "starter"}])
    panel = win.prompt_panel
    assert "songs-lora" in [panel.model.itemText(i) for i in range(panel.model.count())]
    panel.model.setCurrentText("starter")
    assert not shown(panel)
    panel.model.setCurrentText("songs-lora")
    assert shown(panel)
    panel.style_strength.spin.setValue(60)
    win.controller.generate()
    (_method, params, _rid), = sent.of("generate")
    assert params["request"]["model"] == "songs-lora"
    assert params["request"]["style_strength"] == 0.6


def test_a_pack_brings_its_recommended_sampling(qtbot):
    listing = [{"name": "starter", "kind": "full", "base": "",
                "defaults": {"steps": 12, "guidance": 3.0, "sampler": "dpmpp-2m"}},
               {"name": "other", "kind": "full", "base": "",
                "defaults": {"steps": 30, "sampler": "heun"}}]
    widget = PromptPanel(PromptState())
    qtbot.addWidget(widget)
    notes = []
    widget.message.connect(notes.append)
    widget.set_models(listing)  # settings nobody chose yet take the current pack's
    r = widget.state.request
    assert (r.steps, r.guidance, r.sampler) == (12, 3.0, "dpmpp-2m")
    assert widget.steps.value() == 12 and "starter" in notes[-1]
    widget.model.setCurrentText("other")  # choosing a pack applies what it names
    r = widget.state.request
    assert (r.steps, r.guidance, r.sampler) == (30, 3.0, "heun")


def test_settings_the_user_chose_survive_a_new_listing(qtbot):
    state = PromptState()
    state.update(steps=40)
    widget = PromptPanel(state)
    qtbot.addWidget(widget)
    widget.set_models([{"name": "starter", "kind": "full", "base": "",
                        "defaults": {"steps": 12, "guidance": 3.0}}])
    assert (state.request.steps, state.request.guidance) == (40, 4.0)
