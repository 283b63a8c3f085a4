"""What the takes list's context menu does. Each action id of `TAKE_ACTIONS` maps to a
method here; the main window connects `TakesView.action_requested` to `run`."""

from __future__ import annotations

import typing as tp
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from ainur_studio.types import Take, Task
from ui.daw_send import DawSender
from ui.engine_bridge import EngineBridge
from ui.models.lyric_document import LyricDocument
from ui.models.lyric_io import export_lrc
from ui.models.prompt_state import PromptState
from ui.models.takes_model import TakesModel
from ui.settings import Settings
from ui.widgets.prompt_panel import PromptPanel
from ui.widgets.task_inputs import TASKS


def task_index(label: str) -> int:
    return next(i for i, (name, _t, _s) in enumerate(TASKS) if name == label)


def needs_source(task: Task) -> bool:
    """Whether `task` works on a source take (variation, repaint, extend)."""
    return any(t is task and needs for _name, t, needs in TASKS)


class TakeActions(QObject):
    message = Signal(str)
    play_requested = Signal(str)        # take_id
    generate_requested = Signal()

    def __init__(self, window: QWidget, takes: TakesModel, prompt: PromptState,
                 panel: PromptPanel, lyrics: LyricDocument, settings: Settings,
                 bridge: EngineBridge) -> None:
        super().__init__(window)
        self.window, self.takes, self.prompt = window, takes, prompt
        self.panel, self.lyrics, self.settings = panel, lyrics, settings
        self.sender_ = DawSender(bridge, self)
        self.sender_.finished.connect(lambda _ok, text: self.message.emit(text))

    def run(self, action: str, take_id: str) -> None:
        take = self.takes.take(take_id)
        if take is None:
            return
        handler: tp.Callable[[Take], None] | None = getattr(self, f"do_{action}", None)
        if handler is None:
            raise ValueError(f"unknown take action {action!r}")
        handler(take)

    def do_play(self, take: Take) -> None:
        self.play_requested.emit(take.take_id)

    def do_send_to_daw(self, take: Take) -> None:
        targets = self.settings.get("osc/targets")
        if not targets:
            self.message.emit("Add a DAW target under Settings → DAW (OSC) first, or drag the "
                              "take into your DAW.")
            return
        for target in targets:
            self.sender_.send(take.path, target, prompt=take.request.prompt,
                              bpm=take.request.fields.bpm)

    def do_reveal(self, take: Take) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(take.path).parent)))

    def do_copy_path(self, take: Take) -> None:
        QGuiApplication.clipboard().setText(take.path)
        self.message.emit(f"Copied {take.path}")

    def do_load_settings(self, take: Take) -> None:
        self.prompt.set_request(take.request)
        self.message.emit(f"Loaded the settings of seed {take.request.seed}")

    def do_regenerate(self, take: Take) -> None:
        self.prompt.set_request(take.request)
        self.prompt.seed_locked = True
        self.panel.refresh()
        self.generate_requested.emit()

    def _source_task(self, take: Take, label: str) -> None:
        self.panel.set_task_index(task_index(label))
        self.use_as_source(take)
        self.message.emit(f"{label}: set the options in the prompt panel, then Generate")

    def use_as_source(self, take: Take) -> None:
        """Make `take` the source of variation / repaint / extend (prompt and panel)."""
        self.prompt.update_inputs(source_audio=take.path)
        self.panel.task_inputs.set_source(take.path)

    def fill_empty_source(self, take_id: str) -> None:
        """A task that needs a source, with Source empty, uses the selected take."""
        request, take = self.prompt.request, self.takes.take(take_id)
        if take is None or request.inputs.source_audio or not needs_source(request.task):
            return
        self.use_as_source(take)
        self.message.emit(f"Source: the selected take ({Path(take.path).name})")

    def do_variation(self, take: Take) -> None:
        self._source_task(take, "Variation")

    def do_repaint(self, take: Take) -> None:
        self._source_task(take, "Repaint")

    def do_extend(self, take: Take) -> None:
        self._source_task(take, "Extend")

    def do_use_as_reference(self, take: Take) -> None:
        self.panel.set_task_index(task_index("Reference"))
        self.panel.task_inputs.reference.setText(take.path)

    def do_export_lrc(self, take: Take) -> None:
        suggested = str(Path(take.path).with_suffix(".lrc"))
        path, _ = QFileDialog.getSaveFileName(self.window, "Export lyrics", suggested,
                                              "Synced lyrics (*.lrc)")
        if path:
            source = LyricDocument(take.request.lyrics) if take.request.lyrics else self.lyrics
            export_lrc(source, path)
            self.message.emit(f"Wrote {path}")

    def do_delete(self, take: Take) -> None:
        self.takes.delete(take.take_id)
        self.message.emit("Take moved to the project's trash (right-click → Restore deleted)")

    def do_restore(self, take: Take) -> None:
        self.takes.restore(take.take_id)
