"""The prompt panel: task switcher, free text, structured fields and generation settings.

Every control writes into the `PromptState`; `refresh()` pulls the state back into the
controls (after opening a project or regenerating a take's settings). The fields scroll; the
Generate button stays pinned under them, in sight whatever the task pane's height.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ainur_studio.limits import LIMITS, SAMPLER_NAMES
from ainur_studio.types import Task
from ui import theme
from ui.models.prompt_state import KEYS, MAX_SEED, TIME_SIGNATURES, PromptState
from ui.widgets.tag_edit import GENRES, INSTRUMENTS, MOODS, TagEdit
from ui.widgets.task_inputs import TASKS, TaskInputsWidget, spin_box


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class PromptPanel(QWidget):
    generate_requested = Signal()

    def __init__(self, state: PromptState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._refreshing = False
        self.task_buttons = QButtonGroup(self)
        self.task_inputs = TaskInputsWidget(state)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Describe the music (leave empty to use the fields)")
        self.prompt.setFixedHeight(64)
        self.genre = TagEdit(GENRES, "genre, e.g. folk, sea shanty")
        self.instruments = TagEdit(INSTRUMENTS, "instruments")
        self.mood = TagEdit(MOODS, "mood")
        self.bpm = spin_box(0, 300, 0, 1, " BPM", 1)
        self.bpm.setSpecialValueText("BPM: any")
        self.key = QComboBox()
        self.key.setEditable(True)
        self.key.addItems(["", *KEYS])
        self.time_sig = QComboBox()
        self.time_sig.addItems(["", *TIME_SIGNATURES])
        self.duration = spin_box(1, 600, state.request.duration_s, 1, "", 1)
        self.duration_unit = QComboBox()
        self.duration_unit.addItems(["seconds", "bars"])
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed_lock = QToolButton()
        self.seed_lock.setIcon(theme.icon("lock"))
        self.seed_lock.setCheckable(True)
        self.seed_lock.setToolTip("Keep this seed for the next takes")
        self.seed_dice = QToolButton()
        self.seed_dice.setIcon(theme.icon("dice"))
        self.seed_dice.setToolTip("New random seed")
        self.steps = QSpinBox()
        self.steps.setRange(int(LIMITS["steps"].low), int(LIMITS["steps"].high))
        self.guidance = spin_box(LIMITS["guidance"].low, LIMITS["guidance"].high, 4, 0.5, "", 1)
        self.sampler = QComboBox()
        self.sampler.addItems(SAMPLER_NAMES)  # what the engine implements
        self.variations = QSpinBox()
        self.variations.setRange(int(LIMITS["variations"].low), int(LIMITS["variations"].high))
        self.model = QComboBox()
        self.model.setEditable(True)
        self.generate = QPushButton(theme.icon("generate"), "Generate")
        self.generate.setObjectName("generate")
        self.generate.setToolTip("Generate (Ctrl+Enter)")
        self._build()
        self._connect()
        self.refresh()

    # --- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        fields = QWidget()
        self._build_fields(QVBoxLayout(fields))
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(fields)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.setSpacing(4)
        layout.addWidget(self.scroll, 1)
        footer = QHBoxLayout()
        footer.setContentsMargins(8, 0, 8, 0)
        footer.addWidget(self.generate)
        layout.addLayout(footer)

    def _build_fields(self, layout: QVBoxLayout) -> None:
        layout.setContentsMargins(8, 6, 8, 4)
        layout.addWidget(_title("Task"))
        layout.addLayout(self._task_grid())
        layout.addWidget(self.task_inputs)
        layout.addWidget(_title("Prompt"))
        layout.addWidget(self.prompt)
        tags = QFormLayout()
        tags.addRow("Genre", self.genre)
        tags.addRow("Instruments", self.instruments)
        tags.addRow("Mood", self.mood)
        layout.addLayout(tags)
        layout.addWidget(_title("Music"))
        music = QFormLayout()
        music.addRow("Tempo", self.bpm)
        music.addRow("Key", self.key)
        music.addRow("Metre", self.time_sig)
        music.addRow("Length", _row(self.duration, self.duration_unit))
        layout.addLayout(music)
        layout.addWidget(_title("Generation"))
        gen = QFormLayout()
        gen.addRow("Seed", _row(self.seed, self.seed_lock, self.seed_dice))
        gen.addRow("Steps", _row(self.steps, QLabel("Guidance"), self.guidance))
        gen.addRow("Sampler", self.sampler)
        gen.addRow("Takes", self.variations)
        gen.addRow("Model", self.model)
        layout.addLayout(gen)
        layout.addStretch(1)

    def _task_grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(3)
        for i, (label, _task, _src) in enumerate(TASKS):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setProperty("task", True)
            self.task_buttons.addButton(button, i)
            grid.addWidget(button, i // 4, i % 4)
        self.task_buttons.button(0).setChecked(True)
        return grid

    def _connect(self) -> None:
        s = self.state
        self.task_buttons.idClicked.connect(self.set_task_index)
        self.prompt.textChanged.connect(lambda: s.update(prompt=self.prompt.toPlainText()))
        self.genre.textChanged.connect(lambda: s.update_fields(genre=self.genre.tags()))
        self.instruments.textChanged.connect(
            lambda: s.update_fields(instruments=self.instruments.tags()))
        self.mood.textChanged.connect(lambda: s.update_fields(mood=self.mood.tags()))
        self.bpm.valueChanged.connect(lambda v: s.update_fields(bpm=v or None))
        self.key.currentTextChanged.connect(lambda t: s.update_fields(key=t))
        self.time_sig.currentTextChanged.connect(lambda t: s.update_fields(time_signature=t))
        self.duration.valueChanged.connect(self._on_duration)
        self.duration_unit.currentIndexChanged.connect(self._on_duration_unit)
        self.seed.valueChanged.connect(lambda v: s.update(seed=v))
        self.seed_lock.toggled.connect(lambda on: setattr(s, "seed_locked", on))
        self.seed_dice.clicked.connect(lambda: s.randomise_seed())
        self.steps.valueChanged.connect(lambda v: s.update(steps=v))
        self.guidance.valueChanged.connect(lambda v: s.update(guidance=v))
        self.sampler.currentTextChanged.connect(lambda t: s.update(sampler=t))
        self.variations.valueChanged.connect(lambda v: s.update(variations=v))
        self.model.currentTextChanged.connect(lambda t: s.update(model=t))
        self.generate.clicked.connect(self.generate_requested)
        s.changed.connect(self.refresh)

    # --- behaviour --------------------------------------------------------------------------
    def set_task_index(self, index: int) -> None:
        """Switch task by its position in TASKS (the "Reference" entry is NEW + audio)."""
        self.task_buttons.button(index).setChecked(True)
        self.task_inputs.setCurrentIndex(index)
        if not self._refreshing:
            self.state.update(task=TASKS[index][1])

    def set_models(self, names: list[str]) -> None:
        current = self.state.request.model
        with QSignalBlocker(self.model):
            self.model.clear()
            self.model.addItems(names)
            self.model.setCurrentText(current)

    def _on_duration(self, value: float) -> None:
        if self._refreshing:
            return
        if self.duration_unit.currentText() == "bars":
            try:
                self.state.set_duration_bars(value)
            except ValueError:
                self.duration_unit.setCurrentIndex(0)
        else:
            self.state.update(duration_s=value)

    def _on_duration_unit(self, index: int) -> None:
        per_bar = self.state.seconds_per_bar()
        if index == 1 and per_bar is None:
            self.duration_unit.setCurrentIndex(0)
            self.duration_unit.setToolTip("Set the tempo to give the length in bars")
            return
        self.state.duration_in_bars = index == 1
        self.refresh()

    def refresh(self) -> None:
        """Show the state's values (without writing them back)."""
        if self._refreshing:
            return
        self._refreshing = True
        try:
            self._fill()
        finally:
            self._refreshing = False

    def _fill(self) -> None:
        r, f = self.state.request, self.state.request.fields
        widgets = (self.prompt, self.genre, self.instruments, self.mood, self.bpm, self.key,
                   self.time_sig, self.duration, self.seed, self.steps, self.guidance,
                   self.sampler, self.variations, self.model, self.seed_lock)
        blockers = [QSignalBlocker(w) for w in widgets]
        if self.prompt.toPlainText() != r.prompt:
            self.prompt.setPlainText(r.prompt)
        for edit, tags in ((self.genre, f.genre), (self.instruments, f.instruments),
                           (self.mood, f.mood)):
            if edit.tags() != tags:
                edit.set_tags(tags)
        self.bpm.setValue(f.bpm or 0)
        self.key.setCurrentText(f.key)
        self.time_sig.setCurrentText(f.time_signature)
        per_bar = self.state.seconds_per_bar()
        bars = self.state.duration_in_bars and per_bar
        self.duration.setValue(r.duration_s / per_bar if bars else r.duration_s)
        self.duration.setSuffix(" bars" if bars else " s")
        self.seed.setValue(r.seed)
        self.seed_lock.setChecked(self.state.seed_locked)
        self.steps.setValue(r.steps)
        self.guidance.setValue(r.guidance)
        self.sampler.setCurrentText(r.sampler)
        self.variations.setValue(r.variations)
        self.model.setCurrentText(r.model)
        del blockers
        self.task_inputs.refresh()
        self._fill_task(r.task, bool(r.inputs.reference_audio))

    def _fill_task(self, task: Task, has_reference: bool) -> None:
        current = self.task_buttons.checkedId()
        if 0 <= current < len(TASKS) and TASKS[current][1] == task:
            return
        index = next(i for i, (label, t, _src) in enumerate(TASKS)
                     if t == task and (label == "Reference") == (has_reference and
                                                                  task == Task.NEW))
        self.set_task_index(index)


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, (QSpinBox, QComboBox)) else 0)
    return box
