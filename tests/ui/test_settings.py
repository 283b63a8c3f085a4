"""Typed settings: persistence across restarts, migrations, validation, the settings page."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QSettings

from ui.main_window import MainWindow
from ui.settings import SCHEMA_VERSION, Settings
from ui.widgets.settings_page import SettingsPage


def test_values_survive_a_restart(tmp_path):
    path = tmp_path / "settings.ini"
    first = Settings(path)
    first.set("output/loudness_lufs", -16)
    first.set("engine/device", "cpu")
    first.set("osc/targets", [{"name": "Reaper", "host": "127.0.0.1", "port": 8000,
                               "adapter": "reaper"}])
    first.add_recent_file("/music/a.ainur")
    first.add_recent_file("/music/b.ainur")
    first.add_recent_file("/music/a.ainur")
    first.sync()
    again = Settings(path)
    assert again.get("output/loudness_lufs") == -16.0
    assert again.get("engine/device") == "cpu"
    assert again.get("osc/targets")[0]["adapter"] == "reaper"
    assert again.get("ui/recent_files") == ["/music/a.ainur", "/music/b.ainur"]
    assert again.get("output/format") == "wav"  # default


def test_unknown_keys_and_wrong_types_are_refused(tmp_path):
    settings = Settings(tmp_path / "s.ini")
    with pytest.raises(KeyError, match="declare it"):
        settings.get("output/colour")
    with pytest.raises(TypeError, match="takes int"):
        settings.set("osc/listen_port", "9001")


def test_corrupt_value_falls_back_to_default(tmp_path):
    path = tmp_path / "s.ini"
    raw = QSettings(str(path), QSettings.Format.IniFormat)
    raw.setValue("schema_version", SCHEMA_VERSION)
    raw.setValue("osc/listen_port", "not a number")
    raw.setValue("osc/targets", "{broken json")
    raw.sync()
    settings = Settings(path)
    assert settings.get("osc/listen_port") == 0  # the default: the DAW's usual port
    assert settings.get("osc/targets") == []


def test_schema_1_osc_target_is_migrated(tmp_path):
    path = tmp_path / "old.ini"
    raw = QSettings(str(path), QSettings.Format.IniFormat)
    raw.setValue("schema_version", 1)
    raw.setValue("osc/host", "10.0.0.2")
    raw.setValue("osc/port", 9000)
    raw.sync()
    settings = Settings(path)
    assert settings.get("osc/targets") == [{"name": "DAW", "host": "10.0.0.2", "port": 9000,
                                            "adapter": "notify"}]
    assert QSettings(str(path), QSettings.Format.IniFormat).value("osc/host") is None


def test_settings_page_writes_through(qtbot, tmp_path):
    settings = Settings(tmp_path / "s.ini")
    page = SettingsPage(settings)
    qtbot.addWidget(page)
    page.precision.setCurrentText("bf16")
    page.loudness.setValue(-10.0)
    page.add_osc_target({"name": "Live", "host": "127.0.0.1", "port": 11000,
                         "adapter": "ableton"})
    page.osc_table.item(0, 2).setText("11001")
    again = Settings(tmp_path / "s.ini")
    assert again.get("engine/precision") == "bf16"
    assert again.get("output/loudness_lufs") == -10.0
    assert again.get("osc/targets") == [{"name": "Live", "host": "127.0.0.1", "port": 11001,
                                         "adapter": "ableton"}]


def test_window_layout_is_remembered(qtbot, tmp_path):
    path = tmp_path / "s.ini"
    first = MainWindow(settings=Settings(path), start_engine=False)
    qtbot.addWidget(first)
    first.show()
    first.docks["queue"].hide()
    first.timeline.zoom(2.0)
    first.close()
    assert not Settings(path).get("ui/window_state").isEmpty()
    second = MainWindow(settings=Settings(path), start_engine=False)
    qtbot.addWidget(second)
    second.show()
    assert not second.docks["queue"].isVisible()
    assert second.docks["prompt"].isVisible()
    assert second.timeline.canvas.geometry_.px_per_s == pytest.approx(
        first.timeline.canvas.geometry_.px_per_s)
    assert isinstance(Settings(path).get("ui/geometry"), QByteArray)
