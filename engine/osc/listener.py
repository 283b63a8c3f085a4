"""Listening to a DAW: an OSC server feeding a `DawStateTracker`, plus the subscribe step
(AbletonOSC `start_listen`, Ardour `/set_surface`) that makes the DAW start talking."""

from __future__ import annotations

import typing as tp

from engine.osc.daw_state import DawState, DawStateTracker, subscribe_messages
from engine.osc.server import OscServer
from engine.osc.transport import OscTarget, UdpEndpoint

# Where each DAW listens for commands by default (docs/daw-bridge.md); users can change all.
DAW_COMMAND_PORTS = {"reaper": 8000, "ableton": 11000, "bitwig": 8000, "ardour": 3819}
# Where each DAW sends feedback by default: the port we listen on unless the user picks one.
# The one default for the app, the command line and the setup texts in README.md.
DEFAULT_FEEDBACK_PORT = 9000
DAW_FEEDBACK_PORTS = {"reaper": DEFAULT_FEEDBACK_PORT, "ableton": 11001,
                      "bitwig": DEFAULT_FEEDBACK_PORT, "ardour": 8000}


def feedback_port(daw: str) -> int:
    """The port `daw` sends its feedback to by default (`auto`: the REAPER/Bitwig one)."""
    return DAW_FEEDBACK_PORTS.get(daw, DEFAULT_FEEDBACK_PORT)


class DawListener:
    """Binds `host:port` (127.0.0.1 unless the user chooses otherwise) and tracks the DAW."""

    def __init__(self, *, daw: str = "auto", host: str = "127.0.0.1", port: int | None = None,
                 on_change: tp.Callable[[DawState], None] | None = None) -> None:
        if port is None:
            port = feedback_port(daw)
        self.tracker = DawStateTracker(daw, on_change=on_change)
        self.server = OscServer(self.tracker.handle, host=host, port=port,
                                rejected=lambda: self.tracker.ignored)

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def dropped(self) -> int:
        """Malformed datagrams plus messages that were not DAW feedback."""
        return self.server.errors + self.tracker.ignored

    def start(self) -> DawListener:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def subscribe(self, daw: str, command_target: OscTarget) -> None:
        """Ask the DAW at `command_target` to send feedback to our port."""
        with UdpEndpoint() as ep:
            for address, args in subscribe_messages(daw, self.port):
                ep.send(command_target.address, address, args)

    def state(self) -> DawState:
        return self.tracker.snapshot()

    def __enter__(self) -> DawListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
