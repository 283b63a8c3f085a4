"""The main window: lyric timeline in the centre, prompt / takes / queue in docks, Training and
Settings as pages; menus, shortcuts, status bar, project handling and window layout memory."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from ainur_studio.types import GenerationRequest
from ui import theme
from ui.about import about_text
from ui.controller import StudioController
from ui.engine_bridge import EngineBridge, default_engine_command
from ui.menus import build_menus, build_toolbar
from ui.models.jobs_model import JobsModel
from ui.models.lyric_document import LyricDocument
from ui.models.prompt_state import PromptState
from ui.models.stem_audio import part_files
from ui.models.takes_model import TakesModel
from ui.player import Player
from ui.project_actions import ProjectHandling
from ui.project_session import ProjectSession
from ui.region_link import RegionLink
from ui.remote_bridge import RemoteEngineBridge, parse_address
from ui.settings import Settings
from ui.take_actions import TakeActions
from ui.widgets.prompt_panel import PromptPanel
from ui.widgets.queue_view import QueueView
from ui.widgets.status_bar import StudioStatusBar
from ui.widgets.takes_view import TakesView
from ui.widgets.timeline_editor import TimelineEditor


def make_bridge(settings: Settings, parent: QWidget) -> EngineBridge:
    """A remote bridge when the settings name a remote engine, else a local engine process
    started with the configured device and precision."""
    address = settings.get("engine/remote_address").strip()
    if address:
        try:
            host, port = parse_address(address)
        except ValueError:
            pass  # shown by the settings page; fall back to the local engine
        else:
            return RemoteEngineBridge(host, port, settings.get("engine/remote_token"),
                                      parent=parent)
    command = [*default_engine_command(), "--device", settings.get("engine/device"),
               "--precision", settings.get("engine/precision")]
    return EngineBridge(command, parent=parent)


class MainWindow(ProjectHandling, QMainWindow):
    def __init__(self, settings: Settings | None = None, bridge: EngineBridge | None = None,
                 player: Player | None = None, *, start_engine: bool = True) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.setWindowIcon(theme.icon("app"))
        self.resize(1440, 900)
        self.prompt, self.lyrics = PromptState(parent=self), LyricDocument(parent=self)
        self.takes, self.jobs = TakesModel(self), JobsModel(self)
        self.session = ProjectSession(self.prompt, self.lyrics, self.takes,
                                      autosave_s=self.settings.get("ui/autosave_s"), parent=self)
        self.bridge = bridge or make_bridge(self.settings, self)
        self.player = player or Player(parent=self)
        self.controller = StudioController(self.bridge, self.prompt, self.lyrics, self.takes,
                                           self.jobs, self.settings, self)
        self.current_take = ""
        self._build_widgets()
        self.actions_ = build_menus(self)
        self.addToolBar(build_toolbar(self, self.actions_))
        self._connect()
        self._restore_layout()
        self.show_takes_folder()
        self.status.set_model(self.prompt.request.model)
        self._update_title()
        self._fill_recent_menu()
        self.status.set_audio_note(self.player.unavailable_reason)
        if start_engine:
            self.bridge.start()

    # --- construction -----------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.timeline = TimelineEditor(self.lyrics, clock=self.player.position_ms)
        self.timeline.canvas.set_zoom(self.settings.get("ui/timeline_zoom"))
        self.prompt_panel = PromptPanel(self.prompt, self.lyrics.chords)
        self.takes_view = TakesView(self.takes)
        self.queue = QueueView(self.jobs)
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.timeline, theme.icon("words"), "Lyrics")
        self.pages.addTab(QWidget(), "Training")   # created when first shown
        self.pages.addTab(QWidget(), "Settings")
        self.setCentralWidget(self.pages)
        self.prompt_panel.setMinimumWidth(330)  # its fields scroll, Generate stays in sight
        self.docks = {
            "prompt": self._dock("Prompt", self.prompt_panel,
                                 Qt.DockWidgetArea.LeftDockWidgetArea),
            "takes": self._dock("Takes", self.takes_view, Qt.DockWidgetArea.RightDockWidgetArea),
            "queue": self._dock("Queue", self.queue, Qt.DockWidgetArea.RightDockWidgetArea),
        }
        self.status = StudioStatusBar()
        self.setStatusBar(self.status)
        self.take_actions = TakeActions(self, self.takes, self.prompt, self.prompt_panel,
                                        self.lyrics, self.settings, self.bridge)
        # the region dragged on the waveform <-> the task's fields
        self.region_link = RegionLink(self.prompt, self.prompt_panel, self.timeline, self)
        self.training_page = None
        self.settings_page = None

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        c = self.controller
        self.prompt_panel.generate_requested.connect(self.generate)
        self.prompt_panel.task_inputs.region_requested.connect(self._use_selected_region)
        self.timeline.follow_prompt(self.prompt)  # bars, beats and chord cells on the timeline
        self.timeline.midi_import_requested.connect(self.prompt_panel.open_midi_import)
        self.prompt_panel.message.connect(self.status.show_info)
        self.prompt.changed.connect(lambda: self.status.set_model(self.prompt.request.model))
        self.queue.cancel_requested.connect(c.cancel)
        self.takes_view.take_selected.connect(self.set_current_take)
        self.takes_view.take_activated.connect(self.play_take)
        self.takes_view.action_requested.connect(self.take_actions.run)
        self.takes_view.part_action_requested.connect(self.take_actions.run_on_part)
        self.takes_view.audio_dropped.connect(self.take_actions.add_parts_to_file)
        self.takes.mix_changed.connect(self._preview_stems)
        self.take_actions.queue_requested.connect(self.queue_request)
        self.take_actions.message.connect(self.status.show_info)
        self.take_actions.play_requested.connect(self.play_take)
        self.take_actions.generate_requested.connect(self.generate)
        self.timeline.status_message.connect(self.status.show_info)
        self.timeline.seek_requested.connect(self._seek)
        self.timeline.tap_sync_toggled.connect(self._on_tap_sync)
        self.player.position_changed.connect(self._on_position)
        self.player.playing_changed.connect(self._on_playing)
        self.player.error.connect(self.status.show_info)
        c.message.connect(self.status.show_info)
        c.error.connect(self.status.show_error)
        c.models_listed.connect(self.prompt_panel.set_models)
        c.peaks_ready.connect(self._on_peaks)
        c.take_arrived.connect(self._on_take_arrived)
        self.bridge.state_changed.connect(self.status.set_engine_state)
        self.bridge.status_changed.connect(self.status.set_engine_status)
        self.controller.daw_state_changed.connect(self.status.set_daw_state)
        self.controller.daw_state_changed.connect(self.prompt.apply_daw_state)  # Follow DAW
        self.session.dirty_changed.connect(lambda _d: self._update_title())
        self.session.path_changed.connect(lambda _p: self._update_title())
        self.pages.currentChanged.connect(self._on_page_changed)

    # --- pages (created lazily) -------------------------------------------------------------
    def _on_page_changed(self, index: int) -> None:
        if index == 1 and self.training_page is None:
            self.show_training_page()
        elif index == 2 and self.settings_page is None:
            self.show_settings_page()

    def show_training_page(self) -> QWidget:
        if self.training_page is None:
            from ui.widgets.training_page import TrainingPage

            page = TrainingPage()
            page.train_requested.connect(self.controller.train)
            page.stop_requested.connect(self.controller.stop_training)
            page.preview_requested.connect(self._play_file)
            self.controller.training_started.connect(page.training_started)
            self.bridge.event_received.connect(page.on_event)
            self._replace_page(1, page, "Training")
            self.training_page = page
        self.pages.setCurrentIndex(1)
        return self.training_page

    def show_settings_page(self) -> QWidget:
        if self.settings_page is None:
            from ui.widgets.settings_page import SettingsPage

            page = SettingsPage(self.settings)
            page.settings_changed.connect(self._on_setting_changed)
            self._replace_page(2, page, "Settings")
            self.settings_page = page
        self.pages.setCurrentIndex(2)
        return self.settings_page

    def _replace_page(self, index: int, page: QWidget, title: str) -> None:
        blocker = self.pages.blockSignals(True)
        old = self.pages.widget(index)
        self.pages.removeTab(index)
        self.pages.insertTab(index, page, title)
        self.pages.blockSignals(blocker)
        old.deleteLater()

    def _on_setting_changed(self, key: str) -> None:
        if key.startswith("engine/"):
            self.status.show_info("Engine settings take effect when the engine restarts "
                                  "(Generate → Restart the engine).")
        elif key in ("osc/daw", "osc/listen_port"):
            self.controller.listen_to_daw()

    # --- generation and playback ------------------------------------------------------------
    def generate(self) -> None:
        self.take_actions.fill_empty_source(self.current_take)
        self.controller.generate()
        self.docks["queue"].raise_()

    def queue_request(self, request: GenerationRequest) -> None:
        """Queue a request built outside the prompt panel (add a part to a take)."""
        if self.controller.queue_request(request) is not None:
            self.docks["queue"].raise_()

    def add_parts_to_file(self) -> None:
        self.take_actions.add_parts_to_file()

    def cancel_all(self) -> None:
        for row in self.jobs.active_jobs():
            self.controller.cancel(row.job_id)

    def restart_engine(self) -> None:
        self.bridge.stop()
        self.bridge.start()

    def set_current_take(self, take_id: str) -> None:
        take = self.takes.take(take_id)
        if take is None:
            return
        self.current_take = take_id
        self.player.load(take.path)
        self._preview_stems(take_id)
        peaks = self.takes.peaks(take_id)
        if peaks is not None:
            self.timeline.set_peaks(peaks)

    def _preview_stems(self, take_id: str) -> None:
        """The player hears the current take's unmuted / soloed stems (the mix if none)."""
        take = self.takes.take(take_id)
        if take is not None and take_id == self.current_take and take.parts \
                and self.player.path == take.path:
            self.player.set_parts(part_files(take), self.takes.mix.audible(take))

    def play_take(self, take_id: str) -> None:
        if take_id != self.current_take or not self.player.path:
            self.set_current_take(take_id)
        self.player.toggle(0)

    def toggle_playback(self) -> None:
        if not self.current_take and self.takes.rowCount():
            self.takes_view.setCurrentIndex(self.takes.index(0))
        start = self.timeline.canvas.playhead_ms or 0
        self.player.toggle(start if start < self.player.duration_ms else 0)

    def _play_file(self, path: str) -> None:
        self.player.load(path)
        self.player.play(0)  # starts when the file is in

    def _seek(self, ms: int) -> None:
        self.timeline.set_playhead(ms)
        if self.player.playing:
            self.player.stop()
            self.player.play(ms)

    def _on_position(self, ms: int) -> None:
        self.timeline.set_playhead(ms)
        self.takes_view.set_playing(self.current_take, ms)

    def _on_playing(self, playing: bool) -> None:
        self.actions_["play"].setIcon(theme.icon("stop" if playing else "play"))
        if not playing:
            self.takes_view.set_playing("", None)

    def _on_tap_sync(self, on: bool) -> None:
        if on and not self.player.playing:
            self.toggle_playback()
        elif not on:
            self.player.stop()

    def _on_peaks(self, take_id: str, peaks: object) -> None:
        if take_id == self.current_take:
            self.timeline.set_peaks(peaks)  # type: ignore[arg-type]

    def _on_take_arrived(self, take_id: str) -> None:
        if not self.current_take:
            self.takes_view.setCurrentIndex(self.takes.index(self.takes.row_of(take_id)))

    def _use_selected_region(self) -> None:
        index = self.timeline.canvas.selected
        if index < 0:
            self.status.show_info("Select a lyric line on the timeline first.")
            return
        start = self.lyrics.lines[index].start_ms / 1000
        self.prompt_panel.task_inputs.set_region(start, self.lyrics.line_end_ms(index) / 1000)

    # --- layout memory and closing ----------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry: QByteArray = self.settings.get("ui/geometry")
        state: QByteArray = self.settings.get("ui/window_state")
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        if not state.isEmpty():
            self.restoreState(state)
        else:
            self.resizeDocks([self.docks["prompt"], self.docks["takes"]], [360, 420],
                             Qt.Orientation.Horizontal)

    def save_layout(self) -> None:
        self.settings.set("ui/geometry", self.saveGeometry())
        self.settings.set("ui/window_state", self.saveState())
        self.settings.set("ui/timeline_zoom", float(self.timeline.canvas.geometry_.px_per_s))
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.confirm_discard():
            event.ignore()
            return
        self.save_layout()
        self.player.stop()
        self.session.discard_autosave()
        self.bridge.stop()
        event.accept()

    def show_about(self) -> None:
        QMessageBox.about(self, "About Ainur Studio", about_text(self.controller.models))



