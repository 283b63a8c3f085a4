"""The prompt panel: task switcher, free text, structured fields, the grid and generation
settings.

Every control writes into the `PromptState`; `refresh()` pulls the state back into the
controls (after opening a project or regenerating a take's settings). The fields scroll; the
Generate button stays pinned under them, in sight whatever the task pane's height.

The Music section is the take's grid (`structure`): tempo, key, metre, start bar, length in
seconds or bars, the parts to generate (none ticked = the pack's default), and the notes of
parts imported from MIDI clips (`MidiImportDialog`; a `.mid` dropped on the panel opens it).
Follow DAW keeps tempo, metre and start bar with the DAW's; editing them by hand ends it.

The Generation section's "Style strength" (`StyleStrengthWidget`) shows when the chosen model
is a fine-tune (a LoRA pack in the engine's listing, or a folder holding one), or while the
strength is not 100 %; choosing a model known not to be a fine-tune sets it back to 100 %.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
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

from ainur_studio.limits import LIMITS, MAX_START_BAR, SAMPLER_NAMES
from ainur_studio.structure import BPM_RANGE, ROLE_DESCRIPTIONS, STEM_ROLES
from ainur_studio.types import GenerationRequest, Task
from ui import theme
from ui.models.chord_lane import ChordLane
from ui.models.packs import (
    SAMPLING_FIELDS,
    fine_tune_base,
    is_full_pack,
    listed_packs,
    pack_sampling,
)
from ui.models.prompt_state import KEYS, MAX_SEED, TIME_SIGNATURES, PromptState
from ui.widgets.midi_drop import MidiDropTarget
from ui.widgets.midi_import_dialog import MidiImportDialog, MidiPartsWidget
from ui.widgets.style_strength import StyleStrengthWidget
from ui.widgets.tag_edit import GENRES, INSTRUMENTS, MOODS, TagEdit
from ui.widgets.task_inputs import TASKS, TaskInputsWidget, spin_box

NO_BPM = BPM_RANGE[0] - 1  # the tempo box's "any" value


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class PromptPanel(MidiDropTarget, QWidget):
    generate_requested = Signal()
    message = Signal(str)          # a sentence for the status bar (what was imported)

    def __init__(self, state: PromptState, chord_lane: ChordLane | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.chord_lane = chord_lane   # where "chord lane" MIDI imports go
        self._refreshing = False
        self.setAcceptDrops(True)
        self.task_buttons = QButtonGroup(self)
        self.task_inputs = TaskInputsWidget(state)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Describe the music (leave empty to use the fields)")
        self.prompt.setFixedHeight(64)
        self.genre = TagEdit(GENRES, "genre, e.g. folk, sea shanty")
        self.instruments = TagEdit(INSTRUMENTS, "instruments")
        self.mood = TagEdit(MOODS, "mood")
        self.bpm = spin_box(NO_BPM, BPM_RANGE[1], NO_BPM, 1, " BPM", 1)
        self.bpm.setSpecialValueText("BPM: any")
        self.follow_daw = QCheckBox("Follow DAW")
        self.follow_daw.setToolTip("Take the tempo, metre and start bar from the DAW "
                                   "(editing them here turns this off)")
        self.start_bar = QSpinBox()
        self.start_bar.setRange(1, MAX_START_BAR)
        self.start_bar.setPrefix("bar ")
        self.start_bar.setToolTip("The DAW bar the take starts on")
        self.parts = {role: QCheckBox(role) for role in STEM_ROLES}
        for role, box in self.parts.items():
            box.setToolTip(f"Generate the {ROLE_DESCRIPTIONS[role]} (none ticked: the "
                           "model's default)")
        self.midi_parts = MidiPartsWidget(state)
        self.key = QComboBox()
        self.key.setEditable(True)
        self.key.addItems(["", *KEYS])
        self.time_sig = QComboBox()
        self.time_sig.setEditable(True)  # a DAW may be in any metre
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
        self.packs: dict[str, dict] = {}   # the engine's listing by name (kind, base)
        self._strength_for: tuple | None = None  # (model, strength) the control was set for
        self.style_strength = StyleStrengthWidget(state)
        self.style_label = QLabel("Style strength")
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
        music.addRow("Tempo", _row(self.bpm, self.follow_daw))
        music.addRow("Key", self.key)
        music.addRow("Metre", _row(self.time_sig, self.start_bar))
        music.addRow("Length", _row(self.duration, self.duration_unit))
        music.addRow("Parts", self._parts_grid())
        music.addRow("Notes", self.midi_parts)
        layout.addLayout(music)
        layout.addWidget(_title("Generation"))
        gen = QFormLayout()
        gen.addRow("Seed", _row(self.seed, self.seed_lock, self.seed_dice))
        gen.addRow("Steps", _row(self.steps, QLabel("Guidance"), self.guidance))
        gen.addRow("Sampler", self.sampler)
        gen.addRow("Takes", self.variations)
        gen.addRow("Model", self.model)
        gen.addRow(self.style_label, self.style_strength)
        layout.addLayout(gen)
        layout.addStretch(1)

    def _parts_grid(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        for i, check in enumerate(self.parts.values()):
            grid.addWidget(check, i // 3, i % 3)
        return box

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
        self.bpm.valueChanged.connect(self._on_bpm)
        self.follow_daw.toggled.connect(self._on_follow_daw)
        self.key.currentTextChanged.connect(lambda t: s.update_fields(key=t))
        self.time_sig.currentTextChanged.connect(self._on_metre)
        self.start_bar.valueChanged.connect(self._on_start_bar)
        for check in self.parts.values():
            check.toggled.connect(self._on_parts)
        self.midi_parts.import_requested.connect(lambda: self.open_midi_import())
        self.duration.valueChanged.connect(self._on_duration)
        self.duration_unit.currentIndexChanged.connect(self._on_duration_unit)
        self.seed.valueChanged.connect(lambda v: s.update(seed=v))
        self.seed_lock.toggled.connect(lambda on: setattr(s, "seed_locked", on))
        self.seed_dice.clicked.connect(lambda: s.randomise_seed())
        self.steps.valueChanged.connect(lambda v: s.update(steps=v))
        self.guidance.valueChanged.connect(lambda v: s.update(guidance=v))
        self.sampler.currentTextChanged.connect(lambda t: s.update(sampler=t))
        self.variations.valueChanged.connect(lambda v: s.update(variations=v))
        self.model.currentTextChanged.connect(self._on_model)
        self.generate.clicked.connect(self.generate_requested)
        s.changed.connect(self.refresh)

    # --- behaviour --------------------------------------------------------------------------
    def set_task_index(self, index: int) -> None:
        """Switch task by its position in TASKS (the "Reference" entry is NEW + audio)."""
        self.task_buttons.button(index).setChecked(True)
        self.task_inputs.setCurrentIndex(index)
        if not self._refreshing:
            self.state.update(task=TASKS[index][1])

    def set_models(self, models: list) -> None:
        """The Model list: `list_models` entries (name, kind, base, ...) or bare names."""
        current = self.state.request.model
        self.packs = listed_packs(models)
        self._strength_for = None
        with QSignalBlocker(self.model):
            self.model.clear()
            self.model.addItems(list(self.packs))
            self.model.setCurrentText(current)
        r, untouched = self.state.request, GenerationRequest()
        if all(getattr(r, k) == getattr(untouched, k) for k in SAMPLING_FIELDS):
            self._apply_pack_sampling(r.model)  # settings nobody chose yet: the pack's
        self._show_style_strength()

    def _apply_pack_sampling(self, model: str) -> None:
        """Steps, guidance and sampler as `model`'s pack recommends (when it says), with a
        note naming them."""
        sampling = pack_sampling(model, self.packs)
        r = self.state.request
        changes = {k: v for k, v in sampling.items() if getattr(r, k) != v}
        if changes:
            self.state.update(**changes)
            self.message.emit(f"{model}'s recommended settings: " + ", ".join(
                f"{k} {v}" for k, v in sampling.items()))

    def _on_model(self, text: str) -> None:
        changes: dict = {"model": text}
        if self.state.request.style_strength != 1.0 and is_full_pack(text, self.packs):
            changes["style_strength"] = 1.0  # only a fine-tune takes another strength
        self.state.update(**changes)
        self._apply_pack_sampling(text)

    def _show_style_strength(self) -> None:
        """Show the control for a fine-tune or a strength other than 100 % (looked up again
        only when the model, the strength or the listing changed: a folder means a file read)."""
        r = self.state.request
        if self._strength_for == (r.model, r.style_strength):
            return
        self._strength_for = (r.model, r.style_strength)
        base = fine_tune_base(r.model, self.packs)
        shown = base is not None or r.style_strength != 1.0
        self.style_strength.set_base(base or "")
        self.style_strength.setVisible(shown)
        self.style_label.setVisible(shown)

    def open_midi_import(self, path: str = "", target: str = "") -> MidiImportDialog:
        """The MIDI import dialog (for `path` when given; `target` preselects the part or
        "chord lane")."""
        dialog = MidiImportDialog(self.state, self.chord_lane, path, target, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self.message)
        dialog.open()
        return dialog

    def midi_dropped_at(self, path: str) -> None:
        self.open_midi_import(path)

    def _on_bpm(self, value: float) -> None:
        if not self._refreshing:
            self.state.set_bpm(value if value >= BPM_RANGE[0] else None)

    def _on_metre(self, text: str) -> None:
        if not self._refreshing:
            self.state.set_metre(text)

    def _on_start_bar(self, bar: int) -> None:
        if not self._refreshing:
            self.state.set_start_bar(bar)

    def _on_follow_daw(self, on: bool) -> None:
        if not self._refreshing:
            self.state.set_follow_daw(on)

    def _on_parts(self) -> None:
        if not self._refreshing:
            self.state.set_parts([role for role, box in self.parts.items() if box.isChecked()])

    def _on_duration(self, value: float) -> None:
        if self._refreshing:
            return
        if self.state.duration_in_bars:
            self.state.set_bars(round(value))
        else:
            self.state.update(duration_s=value)

    def _on_duration_unit(self, index: int) -> None:
        if self._refreshing:
            return
        per_bar = self.state.seconds_per_bar()
        if index == 1 and per_bar is None:
            self.duration_unit.setCurrentIndex(0)
            self.duration_unit.setToolTip("Set the tempo to give the length in bars")
            return
        bars = max(1, round(self.state.request.duration_s / per_bar)) if index == 1 and \
            per_bar else None
        self.state.set_bars(bars)

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
        widgets = (self.prompt, self.genre, self.instruments, self.mood, self.key,
                   self.seed, self.steps, self.guidance, self.sampler, self.variations,
                   self.model, self.seed_lock)
        blockers = [QSignalBlocker(w) for w in widgets]
        if self.prompt.toPlainText() != r.prompt:
            self.prompt.setPlainText(r.prompt)
        for edit, tags in ((self.genre, f.genre), (self.instruments, f.instruments),
                           (self.mood, f.mood)):
            if edit.tags() != tags:
                edit.set_tags(tags)
        self.key.setCurrentText(f.key)
        self._fill_grid()
        self.seed.setValue(r.seed)
        self.seed_lock.setChecked(self.state.seed_locked)
        self.steps.setValue(r.steps)
        self.guidance.setValue(r.guidance)
        self.sampler.setCurrentText(r.sampler)
        self.variations.setValue(r.variations)
        self.model.setCurrentText(r.model)
        del blockers
        self.style_strength.refresh()
        self._show_style_strength()
        self.task_inputs.refresh()
        self._fill_task(r.task, bool(r.inputs.reference_audio))

    def _fill_grid(self) -> None:
        """Tempo, metre, start bar, length, parts and notes from the state's structure."""
        s, r = self.state.structure, self.state.request
        self.bpm.setValue(s.bpm or NO_BPM)
        self.follow_daw.setChecked(self.state.follow_daw)
        self.time_sig.setCurrentText(s.metre)
        self.start_bar.setValue(s.start_bar)
        bars = s.bars is not None
        self.duration_unit.setCurrentIndex(1 if bars else 0)
        self.duration.setDecimals(0 if bars else 1)
        self.duration.setValue(s.bars if s.bars is not None else r.duration_s)
        self.duration.setSuffix(" bars" if bars else " s")
        for role, box in self.parts.items():
            box.setChecked(role in s.parts)
        self.midi_parts.refresh()

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
