"""One DAW feedback port: the app's default, the command line's, the engine's and the setup
texts in README.md all say the same port."""

from __future__ import annotations

import re
import typing as tp
from pathlib import Path

from engine.osc.listener import DAW_FEEDBACK_PORTS, DEFAULT_FEEDBACK_PORT, feedback_port

ROOT = Path(__file__).resolve().parents[1]


def test_readme_setup_texts_use_the_ports_the_app_listens_on():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reaper = re.search(r"\*Device\s+port\*\s+(\d+)", readme)
    bitwig = re.search(r"receive port \d+, send\s+port (\d+)", readme)
    assert reaper and bitwig
    assert int(reaper.group(1)) == DAW_FEEDBACK_PORTS["reaper"] == DEFAULT_FEEDBACK_PORT
    assert int(bitwig.group(1)) == DAW_FEEDBACK_PORTS["bitwig"]
    assert f"listens on {DAW_FEEDBACK_PORTS['ableton']}" in readme


def test_the_app_default_lets_the_engine_pick_the_daws_port(tmp_path):
    from ui.settings import Settings

    assert Settings(tmp_path / "s.ini").get("osc/listen_port") == 0


def test_the_old_9001_default_is_migrated(tmp_path):
    from PySide6.QtCore import QSettings

    from ui.settings import Settings

    path = tmp_path / "old.ini"
    raw = QSettings(str(path), QSettings.Format.IniFormat)
    raw.setValue("schema_version", 2)
    raw.setValue("osc/listen_port", 9001)
    raw.sync()
    assert Settings(path).get("osc/listen_port") == 0


class Recorder:
    def __init__(self) -> None:
        self.ports: list[tp.Any] = []


def test_engine_and_cli_listen_on_the_daws_port_when_none_is_given(monkeypatch):
    import commands.daw as daw_cli
    import engine.osc.listener as listener
    from engine.osc.daw_link import DawLink

    seen = Recorder()

    class FakeListener:
        def __init__(self, *, daw="auto", host="127.0.0.1", port=None, on_change=None):
            seen.ports.append(feedback_port(daw) if port is None else port)
            self.port = seen.ports[-1]

        def start(self):
            return self

        def stop(self):
            pass

    monkeypatch.setattr(listener, "DawListener", FakeListener)
    link = DawLink(lambda data: None)
    for daw in ("auto", "reaper", "bitwig", "ableton", "ardour"):
        assert link.listen({"daw": daw})["port"] == DAW_FEEDBACK_PORTS.get(daw, 9000)
    assert link.listen({"daw": "reaper", "port": 0})["port"] == 0  # 0: any free port
    link.stop()
    parser = __import__("argparse").ArgumentParser()
    daw_cli.add_arguments(parser)
    assert parser.parse_args(["listen"]).port is None  # the listener's default, as above


def test_controller_leaves_the_port_to_the_engine_by_default(tmp_path):
    from engine.protocol import Method
    from ui.controller import StudioController
    from ui.settings import Settings

    sent: list[tuple[Method, dict]] = []

    class Bridge:
        def send(self, method, params=None):
            sent.append((method, params or {}))
            return f"c-{len(sent)}"

    controller = StudioController.__new__(StudioController)
    controller.bridge, controller.settings, controller._pending = Bridge(), None, {}
    settings = Settings(tmp_path / "s.ini")
    controller.settings = settings
    StudioController.listen_to_daw(controller)
    settings.set("osc/listen_port", 9100)
    StudioController.listen_to_daw(controller)
    settings.set("osc/daw", "off")
    StudioController.listen_to_daw(controller)
    assert [params for _, params in sent] == [{"daw": "auto"}, {"daw": "auto", "port": 9100},
                                              {"daw": "off", "port": None}]
