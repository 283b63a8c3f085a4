"""The repaint / extend region, kept in step between the prompt's task fields and the lyric
timeline, both ways.

A drag on the take's waveform (`TimelineCanvas.region_dragged`) writes the Repaint fields,
switching to Repaint unless the task is Extend, where a drag past the take's end sets how much
to add. Whenever the prompt or the
take's length changes, the timeline shades the region the current task will use.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from ainur_studio.types import GenerationRequest, Task
from ui.models.prompt_state import PromptState
from ui.take_actions import task_index
from ui.widgets.prompt_panel import PromptPanel
from ui.widgets.timeline_editor import TimelineEditor

Region = tuple[tuple[int, int], str]  # ((start ms, end ms), label)


def region_of(request: GenerationRequest, duration_ms: int) -> Region | None:
    """The span of the take that `request` regenerates or adds, or None."""
    inputs = request.inputs
    if request.task is Task.REPAINT:
        start, end = sorted((round(inputs.region_start_s * 1000),
                             round(inputs.region_end_s * 1000)))
        if end <= start:
            return None
        return (start, end), f"Repaint {start / 1000:.2f}–{end / 1000:.2f} s"
    if request.task is Task.EXTEND and inputs.extend_side == "right" and duration_ms:
        return (duration_ms, duration_ms + round(inputs.extend_s * 1000)), \
            f"Extend +{inputs.extend_s:g} s"
    return None


class RegionLink(QObject):
    """Connects the prompt state, the prompt panel's task fields and the lyric timeline."""

    def __init__(self, state: PromptState, panel: PromptPanel, timeline: TimelineEditor,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state, self._panel, self._timeline = state, panel, timeline
        timeline.canvas.region_dragged.connect(self._on_region_dragged)
        timeline.document.duration_changed.connect(lambda _ms: self.refresh())
        state.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Shade the region of the current task (none for the tasks without one)."""
        found = region_of(self._state.request, self._timeline.document.duration_ms)
        region, label = found if found else (None, "")
        self._timeline.canvas.set_region(region, label)

    def _on_region_dragged(self, start_ms: int, end_ms: int) -> None:
        request, inputs = self._state.request, self._panel.task_inputs
        duration = self._timeline.document.duration_ms
        if request.task is Task.EXTEND:
            if request.inputs.extend_side == "right" and duration and end_ms > duration:
                inputs.extend_s.setValue((end_ms - duration) / 1000)
        else:
            if request.task is not Task.REPAINT:
                self._panel.set_task_index(task_index("Repaint"))
            inputs.set_region(start_ms / 1000, end_ms / 1000)
        self.refresh()  # what the task uses, not the raw drag
