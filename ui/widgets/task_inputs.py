"""The task switcher's pages: what each task (variation, repaint, extend, ...) needs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from ainur_studio.types import Task
from ui.models.prompt_state import MAX_SEED, PromptState

# (label, task, needs a source take); "Reference" is a NEW task with reference audio.
TASKS = [("New", Task.NEW, False), ("Variation", Task.VARIATION, True),
         ("Repaint", Task.REPAINT, True), ("Extend", Task.EXTEND, True),
         ("Interpolate", Task.INTERPOLATE, False), ("Reference", Task.NEW, False),
         ("Best of N", Task.BEST_OF, False)]
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".aiff", ".aif")


class AudioDropEdit(QLineEdit):
    """A path field that accepts an audio file dropped from the desktop or the takes list."""

    file_dropped = Signal(str)

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setAcceptDrops(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if _audio_path(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        path = _audio_path(event.mimeData().urls())
        if path:
            self.setText(path)
            self.file_dropped.emit(path)
            event.acceptProposedAction()


def _audio_path(urls: list) -> str:
    for url in urls:
        if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in AUDIO_SUFFIXES:
            return url.toLocalFile()
    return ""


def spin_box(lo: float, hi: float, value: float, step: float = 1.0, suffix: str = "",
          decimals: int = 1) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


class TaskInputsWidget(QStackedWidget):
    """One page per entry of TASKS, writing into the prompt state's `TaskInputs`."""

    region_requested = Signal()  # "use the selected lyric line as the repaint region"

    def __init__(self, state: PromptState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        inputs = state.inputs
        self.source = AudioDropEdit("drop a take here, or pick one in Takes")
        self.source.textChanged.connect(lambda t: state.update_inputs(source_audio=t))
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(0, 100)
        self.strength.setValue(round(inputs.strength * 100))
        self.strength.valueChanged.connect(lambda v: state.update_inputs(strength=v / 100))
        self.region_start = spin_box(0, 3600, inputs.region_start_s, 0.5, " s", 2)
        self.region_end = spin_box(0, 3600, inputs.region_end_s, 0.5, " s", 2)
        self.region_start.valueChanged.connect(lambda v: state.update_inputs(region_start_s=v))
        self.region_end.valueChanged.connect(lambda v: state.update_inputs(region_end_s=v))
        self.extend_side = QComboBox()
        self.extend_side.addItems(["right", "left"])
        self.extend_side.currentTextChanged.connect(lambda t: state.update_inputs(extend_side=t))
        self.extend_s = spin_box(1, 600, inputs.extend_s, 1, " s")
        self.extend_s.valueChanged.connect(lambda v: state.update_inputs(extend_s=v))
        self.crossfade = spin_box(0, 10, inputs.crossfade_s, 0.25, " s", 2)
        self.crossfade.valueChanged.connect(lambda v: state.update_inputs(crossfade_s=v))
        self.second_prompt = QLineEdit()
        self.second_prompt.setPlaceholderText("the other end point (empty: same prompt)")
        self.second_prompt.textChanged.connect(lambda t: state.update_inputs(second_prompt=t))
        self.second_seed = QSpinBox()
        self.second_seed.setRange(-1, MAX_SEED)
        self.second_seed.setSpecialValueText("same seed")
        self.second_seed.setValue(-1)
        self.second_seed.valueChanged.connect(
            lambda v: state.update_inputs(second_seed=None if v < 0 else v))
        self.interp_steps = QSpinBox()
        self.interp_steps.setRange(2, 32)
        self.interp_steps.setValue(inputs.interpolation_steps)
        self.interp_steps.valueChanged.connect(
            lambda v: state.update_inputs(interpolation_steps=v))
        self.reference = AudioDropEdit("drop an audio file to steer the style")
        self.reference.textChanged.connect(lambda t: state.update_inputs(reference_audio=t))
        self.best_of = QSpinBox()
        self.best_of.setRange(2, 16)
        self.best_of.setValue(inputs.best_of)
        self.best_of.valueChanged.connect(lambda v: state.update_inputs(best_of=v))
        self._build_pages()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.currentChanged.connect(self._fit_current_page)
        self._fit_current_page(0)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """The current page's size, so short pages leave no empty space."""
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()

    def _fit_current_page(self, index: int) -> None:
        """Only the current page counts for the size, so short pages leave no gap."""
        for i in range(self.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            self.widget(i).setSizePolicy(policy, policy)
        self.adjustSize()
        self.updateGeometry()

    def _page(self, rows: list[tuple[str, QWidget]], note: str = "") -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 4, 0, 0)
        for label, widget in rows:
            form.addRow(label, widget)
        if note:
            hint = QLabel(note)
            hint.setObjectName("hint")
            hint.setWordWrap(len(note) > 44)  # short notes stay one line, without a gap
            form.addRow(hint)
        return page

    def _build_pages(self) -> None:
        self.addWidget(self._page([], "Text, lyrics and fields → a new take."))
        self._source_row = {}
        self.addWidget(self._page([("Source", self.source), ("Strength", self.strength)],
                                  "0 keeps the source, 100 ignores it."))
        self.addWidget(self._page([("Source", self._shared_source("repaint")),
                                   ("From", self.region_start), ("To", self.region_end),
                                   ("", self._region_button())]))
        self.addWidget(self._page([("Source", self._shared_source("extend")),
                                   ("Side", self.extend_side), ("Add", self.extend_s),
                                   ("Crossfade", self.crossfade)]))
        self.addWidget(self._page([("Other prompt", self.second_prompt),
                                   ("Other seed", self.second_seed),
                                   ("Steps", self.interp_steps)]))
        self.addWidget(self._page([("Audio", self.reference)]))
        self.addWidget(self._page([("Candidates", self.best_of)],
                                  "Keeps the best (Variations: how many), scored by how well "
                                  "they match the lyrics and prompt."))

    def _region_button(self) -> QPushButton:
        button = QPushButton("Use the selected lyric line")
        button.clicked.connect(self.region_requested)
        return button

    def _shared_source(self, task: str) -> QLineEdit:
        """Repaint and extend show the same source path as variation."""
        mirror = AudioDropEdit("drop a take here, or pick one in Takes")
        mirror.textChanged.connect(self.source.setText)
        self.source.textChanged.connect(lambda t: mirror.setText(t) if mirror.text() != t
                                        else None)
        self._source_row[task] = mirror
        return mirror

    def set_source(self, path: str) -> None:
        self.source.setText(path)

    def refresh(self) -> None:
        """Show the state's task inputs (after a project or a take's settings were loaded)
        without writing them back; a field already showing its value is left as typed."""
        i = self.state.inputs
        edits = {self.source: i.source_audio, **dict.fromkeys(self._source_row.values(),
                                                               i.source_audio),
                 self.second_prompt: i.second_prompt, self.reference: i.reference_audio}
        values = {self.strength: round(i.strength * 100), self.region_start: i.region_start_s,
                  self.region_end: i.region_end_s, self.extend_s: i.extend_s,
                  self.crossfade: i.crossfade_s, self.interp_steps: i.interpolation_steps,
                  self.second_seed: -1 if i.second_seed is None else i.second_seed,
                  self.best_of: i.best_of}
        blockers = [QSignalBlocker(w) for w in (*edits, *values, self.extend_side)]
        for edit, text in edits.items():
            if edit.text() != text:
                edit.setText(text)
        for box, value in values.items():
            if box.value() != value:
                box.setValue(value)
        self.extend_side.setCurrentText(i.extend_side)
        del blockers

    def set_region(self, start_s: float, end_s: float) -> None:
        self.region_start.setValue(min(start_s, end_s))
        self.region_end.setValue(max(start_s, end_s))
