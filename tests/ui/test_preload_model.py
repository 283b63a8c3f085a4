"""A fresh engine is asked to load the chosen pack as soon as it is ready, so the first take
does not wait for the load; a pack that cannot be loaded is not an error at start."""

from __future__ import annotations

from ainur_studio.types import GenerationRequest
from engine.protocol import Event
from ui.controller import StudioController
from ui.models.jobs_model import JobsModel
from ui.models.lyric_document import LyricDocument
from ui.models.prompt_state import PromptState
from ui.models.takes_model import TakesModel

WAIT_MS = 15000  # only reached on failure


def _controller(bridge, settings, model: str) -> StudioController:
    prompt = PromptState(GenerationRequest(model=model))
    return StudioController(bridge, prompt, LyricDocument(), TakesModel(), JobsModel(),
                            settings)


def _loaded(event: Event, model: str) -> bool:
    return isinstance(event, Event) and event.event == "job_done" \
        and event.data.get("model") == model


def test_the_chosen_pack_is_loaded_when_the_engine_is_ready(make_bridge, settings, qtbot):
    bridge = make_bridge()
    controller = _controller(bridge, settings, "my-pack")
    with qtbot.waitSignal(bridge.event_received, timeout=WAIT_MS,
                          check_params_cb=lambda e: _loaded(e, "my-pack")):
        bridge.start()
    assert controller.jobs.rowCount() == 0  # not a job of the user's


def test_a_pack_that_fails_to_preload_is_not_an_error_at_start(make_bridge, settings, qtbot):
    bridge = make_bridge()
    controller = _controller(bridge, settings, "missing")
    errors: list[tuple[str, str]] = []
    controller.error.connect(lambda text, detail: errors.append((text, detail)))
    with qtbot.waitSignal(bridge.event_received, timeout=WAIT_MS,
                          check_params_cb=lambda e: isinstance(e, Event)
                          and e.event == "job_failed"):
        bridge.start()
    assert errors == []
