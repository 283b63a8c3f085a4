"""What the takes list's context menu does. Each action id of `TAKE_ACTIONS` maps to a
method here; the main window connects `TakesView.action_requested` to `run` and a stem row's
`part_action_requested` to `run_on_part`. "Add a part…" / "Replace this part…" build an
add-parts request (`ui.models.stem_requests`) and hand it to `queue_requested`."""

from __future__ import annotations

import os
import typing as tp
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from ainur_studio.types import GenerationRequest, Take, Task
from ui.daw_send import DawSender
from ui.dialog_folders import start_folder
from ui.engine_bridge import EngineBridge
from ui.models.lyric_document import LyricDocument
from ui.models.lyric_io import export_lrc
from ui.models.prompt_state import PromptState
from ui.models.stem_audio import part_files
from ui.models.stem_requests import add_parts_request, given_parts, missing_roles
from ui.models.takes_model import TakesModel
from ui.settings import Settings
from ui.widgets.add_parts_dialog import AddPartsDialog
from ui.widgets.prompt_panel import PromptPanel
from ui.widgets.task_inputs import AUDIO_SUFFIXES, TASKS

AUDIO_FILTER = "Audio files (" + " ".join(f"*{s}" for s in AUDIO_SUFFIXES) + ")"


def task_index(label: str) -> int:
    return next(i for i, (name, _t, _s) in enumerate(TASKS) if name == label)


def needs_source(task: Task) -> bool:
    """Whether `task` works on a source take (variation, repaint, extend)."""
    return any(t is task and needs for _name, t, needs in TASKS)


class TakeActions(QObject):
    message = Signal(str)
    play_requested = Signal(str)        # take_id
    generate_requested = Signal()
    queue_requested = Signal(object)    # a GenerationRequest to check and queue (add-parts)

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
        """Make `take` the source of variation / repaint / extend (prompt and panel); a take
        made of parts brings its stems (`inputs.part_audio`: a pack with stems edits them)."""
        self.prompt.update_inputs(source_audio=take.path, part_audio=part_files(take))
        self.panel.task_inputs.set_source(take.path)

    def fill_empty_source(self, take_id: str) -> None:
        """Before Generate, for a task that needs a source: an empty Source uses the selected
        take; a Source that is a take of the list (dropped or typed) brings its stems."""
        request, take = self.prompt.request, self.takes.take(take_id)
        if not needs_source(request.task):
            return
        if not request.inputs.source_audio and take is not None:
            self.use_as_source(take)
            self.message.emit(f"Source: the selected take ({Path(take.path).name})")
        elif request.inputs.source_audio and not request.inputs.part_audio:
            live = [t for t in self.takes.all_takes if not t.deleted]
            stems = source_stems(live, request.inputs.source_audio)
            if stems:
                self.prompt.update_inputs(part_audio=stems)

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

    # --- stems: add or replace parts ----------------------------------------------------------
    def run_on_part(self, action: str, take_id: str, role: str) -> None:
        """A stem row's action (`STEM_ACTIONS`) on the `role` stem of the take."""
        take = self.takes.take(take_id)
        if take is None or role not in part_files(take):
            return
        if action == "replace_part":
            self.ask_parts(take, checked=[role], title=f"Replace the {role}")
        elif action == "add_parts":
            self.do_add_parts(take)
        elif action == "copy_path":
            path = part_files(take)[role]
            QGuiApplication.clipboard().setText(path)
            self.message.emit(f"Copied {path}")
        else:
            raise ValueError(f"unknown stem action {action!r}")

    def do_add_parts(self, take: Take) -> None:
        self.ask_parts(take, checked=missing_roles(take)[:1], title="Add a part")

    def do_replace_parts(self, take: Take) -> None:
        self.ask_parts(take, checked=[], title="Replace a part")

    def ask_parts(self, take: Take, *, checked: list[str], title: str) -> None:
        """Ask which parts to generate over the take's others, then queue the request."""
        dialog = AddPartsDialog(self.window, title=title, have=[p.role for p in take.parts],
                                checked=checked)
        if dialog.exec():
            wanted = dialog.wanted()
            self.queue_parts(given_parts(take, wanted), wanted, take.duration_s, take.request)

    def add_parts_to_file(self, path: str = "") -> None:
        """An audio file as the given part: choose its role and the parts to add (a file
        dialog asks for the file when `path` is empty)."""
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Add parts to an audio file",
                start_folder("audio", self.settings.get("ui/last_folder")), AUDIO_FILTER)
            if not path:
                return
        seconds = audio_seconds(path)
        if seconds is None:
            self.message.emit(f"Cannot add parts to {Path(path).name}: it is not an audio file "
                              "this app can read (WAV, FLAC, OGG, MP3, AIFF).")
            return
        dialog = AddPartsDialog(self.window, title="Add parts to an audio file", file_path=path)
        if dialog.exec():
            self.queue_parts({dialog.file_role.currentText(): path}, dialog.wanted(), seconds,
                             None)

    def queue_parts(self, given: dict[str, str], wanted: list[str], duration_s: float,
                    grid_from: GenerationRequest | None) -> None:
        """The prompt panel's request as add-parts of `wanted` over `given` (role -> file)."""
        base = self.prompt.to_request(self.lyrics.lyrics)
        self.queue_requested.emit(add_parts_request(base, given=given, wanted=wanted,
                                                    duration_s=duration_s, grid_from=grid_from))


def source_stems(takes: tp.Iterable[Take], source: str) -> dict[str, str]:
    """role -> stem file of the take among `takes` whose mix (or folder) is `source`; {} when
    none is (paths compared as written, made absolute, without touching the disk)."""
    wanted = os.path.normpath(os.path.abspath(source))
    for take in takes:
        names = {take.path, take.folder} - {""}
        if take.parts and wanted in {os.path.normpath(os.path.abspath(n)) for n in names}:
            return part_files(take)
    return {}


def audio_seconds(path: str) -> float | None:
    """The length of an audio file from its header, or None when it cannot be read."""
    import soundfile as sf

    try:
        info = sf.info(path)
    except (RuntimeError, OSError, ValueError):  # LibsndfileError is a RuntimeError
        return None
    return info.frames / info.samplerate if info.samplerate > 0 else None
