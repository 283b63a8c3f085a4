"""A python-osc server on a free loopback port that records what it hears: a stand-in DAW."""

from __future__ import annotations

import contextlib
import queue
import threading
import typing as tp

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer


@contextlib.contextmanager
def osc_peer() -> tp.Iterator[tuple[str, queue.Queue[tuple[str, tuple]]]]:
    """Yields (its osc.udp:// URL, a queue of the (address, args) it received)."""
    heard: queue.Queue[tuple[str, tuple]] = queue.Queue()
    dispatcher = Dispatcher()
    dispatcher.set_default_handler(lambda address, *args: heard.put((address, args)))
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"osc.udp://127.0.0.1:{server.server_address[1]}", heard
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
