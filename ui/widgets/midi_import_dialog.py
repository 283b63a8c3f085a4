"""MIDI import: choose (or drop) a `.mid` clip, see its tracks, pick a track and the part it
plays; its notes become `structure.notes[role]`, or, for the chord lane, one chord per bar
estimated from them (`ainur_studio.chord_estimate`). The clip's tempo and metre can be taken
too. Files are read on a worker thread (up to 16 MiB of MIDI can take a moment to parse).

`MidiPartsWidget` lists the parts that have notes in the prompt panel ("bass: 24 notes from
clip.mid"), each removable.
"""

from __future__ import annotations

import typing as tp
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ainur_studio.chord_estimate import estimate_chords
from ainur_studio.midi_io import MidiClip, MidiTrack, read_clip, read_notes
from ainur_studio.structure import STEM_ROLES, StructureError, bar_seconds
from ainur_studio.types import NoteEvent
from ui.dialog_folders import start_folder
from ui.models.chord_lane import ChordLane
from ui.models.prompt_state import PromptState
from ui.workers import GeneratorWorker, start_worker

MIDI_SUFFIXES = (".mid", ".midi", ".smf")
CHORD_LANE = "chord lane"          # the part entry that fills the chord lane instead
ALL_TRACKS = -1                    # the track entry that merges every pitched track
DEFAULT_BPM = 120.0                # bars of a clip without a tempo, when the prompt has none


def midi_path(urls: tp.Iterable[tp.Any]) -> str:
    """The first local MIDI file among dropped `urls` (QUrl), or ""."""
    for url in urls:
        if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in MIDI_SUFFIXES:
            return url.toLocalFile()
    return ""


def guess_role(track: MidiTrack) -> str:
    """The part a track most likely plays, from its channel, name and GM program."""
    name = track.name.lower()
    if track.drums or any(w in name for w in ("drum", "kit", "perc")):
        return "drums"
    for role, words in (("bass", ("bass",)), ("vocals", ("vocal", "voice", "vox", "sing")),
                        ("harmony", ("pad", "chord", "piano", "keys", "guitar", "organ")),
                        ("melody", ("lead", "melody", "flute", "violin"))):
        if any(w in name for w in words):
            return role
    if track.program is not None and 32 <= track.program <= 39:
        return "bass"
    return "melody"


def read_clip_job(path: str) -> tp.Generator[None, None, MidiClip]:
    """Worker job: the clip's tracks, tempo and metre."""
    clip = read_clip(path)
    yield None
    return clip


def read_tracks_job(path: str, tracks: list[int]) -> tp.Generator[None, None, list[NoteEvent]]:
    """Worker job: the notes of `tracks` merged, in time order."""
    notes: list[NoteEvent] = []
    for index in tracks:
        notes += read_notes(path, track=index)
        yield None
    return sorted(notes, key=lambda n: (n.start_s, n.pitch))


class MidiImportDialog(QDialog):
    imported = Signal(str)   # what was imported, for the status bar

    def __init__(self, state: PromptState, lane: ChordLane | None = None, path: str = "",
                 target: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import MIDI")
        self.setMinimumWidth(460)  # room for a clip's path and its track names
        self.state, self.lane = state, lane
        self.clip: MidiClip | None = None
        self._worker: GeneratorWorker | None = None
        self._closed = False
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setPlaceholderText("Choose a .mid clip, or drop one from the DAW")
        self.choose = QPushButton("Choose…")
        self.tracks = QListWidget()
        self.part = QComboBox()
        self.part.addItems([*STEM_ROLES, *([CHORD_LANE] if lane is not None else [])])
        if target:
            self.part.setCurrentText(target)
        self.take_grid = QCheckBox("Use the clip's tempo and metre")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self._build()
        self._set_busy(False)
        if path:
            self.load(path)

    def _build(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.choose)
        form = QFormLayout()
        form.addRow("Track", self.tracks)
        form.addRow("Part", self.part)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(form)
        layout.addWidget(self.take_grid)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.choose.clicked.connect(self.choose_file)
        self.buttons.rejected.connect(self.reject)
        self.import_button.clicked.connect(self.import_selected)
        self.tracks.currentRowChanged.connect(self._on_track_changed)

    # --- reading the clip -------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import MIDI", start_folder("documents"),
                                              "MIDI clips (*.mid *.midi *.smf);;All files (*)")
        if path:
            self.load(path)

    def load(self, path: str) -> None:
        """Read the clip's track list in the background."""
        self.path.setText(path)
        self.clip = None
        self.tracks.clear()
        self.status.setText(f"Reading {Path(path).name}…")
        self._run(read_clip_job, path, on_return=self._on_clip)

    def _on_clip(self, clip: MidiClip) -> None:
        self.clip = clip
        self.tracks.clear()
        if len(clip.tracks) > 1:
            item = QListWidgetItem("All tracks (drums left out)")
            item.setData(Qt.ItemDataRole.UserRole, ALL_TRACKS)
            self.tracks.addItem(item)
        for track in clip.tracks:
            kind = " · drums" if track.drums else ""
            item = QListWidgetItem(f"{track.name} — {track.notes} notes{kind}")
            item.setData(Qt.ItemDataRole.UserRole, track.index)
            self.tracks.addItem(item)
        grid = f"{clip.bpm:g} BPM {clip.metre}" if clip.bpm else f"no tempo, {clip.metre}"
        self.take_grid.setText(f"Use the clip's tempo and metre ({grid})")
        self.take_grid.setEnabled(clip.bpm is not None)
        n = len(clip.tracks)
        self.status.setText(f"{Path(clip.path).name}: {n} track{'' if n == 1 else 's'} with "
                            f"notes, {clip.length_s:.1f} s")
        self.tracks.setCurrentRow(1 if len(clip.tracks) > 1 else 0)

    def _on_track_changed(self, row: int) -> None:
        track = self._track(row)
        if track is not None and self.part.currentText() != CHORD_LANE:
            self.part.setCurrentText(guess_role(track))

    def _track(self, row: int) -> MidiTrack | None:
        item = self.tracks.item(row)
        index = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((t for t in (self.clip.tracks if self.clip else []) if t.index == index),
                    None)

    # --- importing --------------------------------------------------------------------------
    def selected_tracks(self) -> list[int]:
        item = self.tracks.currentItem()
        if item is None or self.clip is None:
            return []
        index = item.data(Qt.ItemDataRole.UserRole)
        if index == ALL_TRACKS:
            return [t.index for t in self.clip.tracks if not t.drums]
        return [int(index)]

    def import_selected(self) -> None:
        """Read the chosen track's notes in the background, then fill the part or lane."""
        tracks = self.selected_tracks()
        if not tracks:
            self.status.setText("Choose a clip and one of its tracks first.")
            return
        self.status.setText("Reading the notes…")
        self._run(read_tracks_job, self.path.text(), tracks, on_return=self._on_notes)

    def _on_notes(self, notes: list[NoteEvent]) -> None:
        if self.clip is None or self._closed:
            return  # cancelled while the notes were read
        name, role = Path(self.clip.path).name, self.part.currentText()
        if self.take_grid.isChecked() and self.clip.bpm:
            self.state.set_bpm(self.clip.bpm)
            self.state.set_metre(self.clip.metre)
        try:
            message = self._fill(role, notes, name)
        except (StructureError, ValueError) as exc:
            self.status.setText(f"Cannot import: {exc}")
            return
        self.imported.emit(message)
        self.accept()

    def _fill(self, role: str, notes: list[NoteEvent], name: str) -> str:
        if role != CHORD_LANE:
            self.state.set_notes(role, notes, name)
            return f"{role}: {len(notes)} notes from {name}"
        assert self.lane is not None and self.clip is not None
        bpm = self.clip.bpm or self.state.structure.bpm or DEFAULT_BPM
        chords = estimate_chords(notes, bar_s=bar_seconds(bpm, self.clip.metre))
        self.lane.import_chords(chords, name)
        return f"Chords from {name}: {' '.join(chords[:8])}{' …' if len(chords) > 8 else ''}"

    # --- the worker -------------------------------------------------------------------------
    def done(self, result: int) -> None:
        """Closing stops a read still running: nothing is imported after Cancel."""
        self._closed = True
        if self._worker is not None:
            self._worker.abort()
            self._worker = None
        super().done(result)

    def _run(self, job: tp.Callable[..., tp.Generator[tp.Any, None, tp.Any]], *args: tp.Any,
             on_return: tp.Callable[[tp.Any], None]) -> None:
        if self._worker is not None:
            self._worker.abort()
        self._set_busy(True)
        worker = start_worker(job, *args, on_return=on_return, on_error=self._on_error,
                              on_finish=lambda: self._on_finished(worker))
        self._worker = worker

    def _on_finished(self, worker: GeneratorWorker) -> None:
        if worker is self._worker:
            self._worker = None
            self._set_busy(False)

    def _on_error(self, message: str, _traceback: str) -> None:
        self.status.setText(message.partition(": ")[2] or message)

    def _set_busy(self, busy: bool) -> None:
        self.import_button.setEnabled(not busy and self.clip is not None)
        self.choose.setEnabled(not busy)

    @property
    def busy(self) -> bool:
        return self._worker is not None


class MidiPartsWidget(QWidget):
    """The parts with imported notes, each with a remove button, and "Import MIDI…"."""

    import_requested = Signal()

    def __init__(self, state: PromptState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.rows = QVBoxLayout()
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.import_button = QPushButton("Import MIDI…")
        self.import_button.setToolTip("Notes for a part from a MIDI clip (or drop a .mid here)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.rows)
        layout.addWidget(self.import_button)
        self.import_button.clicked.connect(self.import_requested)
        self._shown: list[tuple[str, str]] = []
        self.refresh()

    def refresh(self) -> None:
        summary = self.state.notes_summary()
        if summary == self._shown:
            return
        self._shown = summary
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for role, text in summary:
            self.rows.addWidget(self._row(role, text))

    def labels(self) -> list[str]:
        return [text for _role, text in self._shown]

    def _row(self, role: str, text: str) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(text), 1)
        remove = QToolButton()
        remove.setText("×")
        remove.setToolTip(f"Remove the {role} notes")
        remove.setObjectName(f"remove_{role}")
        remove.clicked.connect(lambda: self.state.remove_notes(role))
        layout.addWidget(remove)
        return row
