"""`InProcessEngine`: the engine's server and handlers in this process, behind the same API
as `engine.client.EngineClient` (rq's SimpleWorker, Jupyter's in-process kernel).

Messages still go through `encode`/`decode`, so tests exercise the protocol; only the
process boundary is missing. The headless CLI uses it to run on the engine's code path.
"""

from __future__ import annotations

import logging
import typing as tp
from pathlib import Path

from engine.client import ClientBase, Listener
from engine.devices import DeviceChoice, choose_device
from engine.handlers import Runtime, build_checks, build_handlers, default_list_models
from engine.server import EngineServer

log = logging.getLogger(__name__)


class InProcessEngine(ClientBase):
    """An engine running on threads of this process.

    Args:
        takes_dir: Default folder for takes.
        device: A `DeviceChoice`, or None to choose automatically.
        generate_fn, load_pack, train_fn, list_models: Model functions (defaults: the model
            core's, imported on first use).
        on_event: A first event listener.
    """

    def __init__(self, *, takes_dir: str | Path, device: DeviceChoice | None = None,
                 generate_fn: tp.Callable[..., tp.Any] | None = None,
                 load_pack: tp.Callable[..., tp.Any] | None = None,
                 train_fn: tp.Callable[..., tp.Any] | None = None,
                 list_models: tp.Callable[[], list[dict[str, tp.Any]]] | None = None,
                 on_event: Listener | None = None) -> None:
        super().__init__(on_event=on_event)
        self.runtime = Runtime(device=device or choose_device(), takes_dir=Path(takes_dir),
                               generate_fn=generate_fn, load_pack=load_pack, train_fn=train_fn)
        self.server = EngineServer(handlers=build_handlers(self.runtime), checks=build_checks(self.runtime),
                                   status_info=self.runtime.status_info,
                                   list_models=list_models or default_list_models,
                                   transport="inprocess")
        self.engine_id = self.server.engine_id
        self.server.attach(self._handle_line)
        self.server.start()

    def _send_line(self, line: str) -> None:
        self.server.handle_line(line)

    def close(self, timeout: float = 5.0) -> None:
        """Cancel jobs and stop the executor thread."""
        self.server.shutdown(wait_s=timeout)
        self.server.detach()

    def __enter__(self) -> InProcessEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
