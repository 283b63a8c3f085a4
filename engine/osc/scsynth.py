"""SuperCollider `scsynth` as a receiver: load a take by path (`/b_allocRead`) or stream its
samples (`/b_alloc` + `/b_setn`, paced by `/sync`), then confirm with `/b_query` -> `/b_info`.
"""

from __future__ import annotations

import time
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.osc.transport import UdpEndpoint

FLOATS_PER_SETN = 1600  # Buffer.sendCollection's safe UDP size (1626 floats)
SETN_PER_SYNC = 8


class ScsynthError(RuntimeError):
    pass


@dataclass
class BufferInfo:
    bufnum: int
    frames: int
    channels: int
    sample_rate: float


class Scsynth:
    """A conversation with one scsynth server over a bound UDP socket."""

    def __init__(self, host: str, port: int, *, timeout: float = 5.0) -> None:
        self.target = (host, port)
        self.timeout = timeout
        self.endpoint = UdpEndpoint("127.0.0.1" if host in ("127.0.0.1", "localhost")
                                    else "0.0.0.0")
        self._sync_id = 1000

    def close(self) -> None:
        self.endpoint.close()

    def __enter__(self) -> Scsynth:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, address: str, args: list[tp.Any], expect: tp.Callable[[str, list], bool],
                what: str) -> list[tp.Any]:
        self.endpoint.send(self.target, address, args)
        return self.wait(expect, what)

    def wait(self, expect: tp.Callable[[str, list], bool], what: str) -> list[tp.Any]:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            item = self.endpoint.receive(deadline - time.monotonic())
            for address, args in (item[0] if item else []):
                if address == "/fail":
                    raise ScsynthError(f"scsynth at {self.target[0]}:{self.target[1]} failed "
                                       f"{what}: {args}")
                if expect(address, args):
                    return args
        raise ScsynthError(f"scsynth at {self.target[0]}:{self.target[1]} did not answer "
                           f"{what} within {self.timeout} s; is it running (scsynth -u PORT)?")

    def load_file(self, bufnum: int, path: str | Path) -> BufferInfo:
        self.request("/b_allocRead", [bufnum, str(Path(path).resolve())],
                     _is_done("/b_allocRead", bufnum), "loading the file")
        return self.query(bufnum)

    def stream(self, bufnum: int, audio: np.ndarray, sample_rate: int) -> BufferInfo:
        """`audio` (frames, channels) float32 into buffer `bufnum`."""
        frames, channels = audio.shape
        self.request("/b_alloc", [bufnum, frames, channels], _is_done("/b_alloc", bufnum),
                     "allocating a buffer")
        flat = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        for n, start in enumerate(range(0, flat.size, FLOATS_PER_SETN)):
            block = flat[start: start + FLOATS_PER_SETN]
            self.endpoint.send(self.target, "/b_setn",
                               [bufnum, start, int(block.size), *map(float, block)])
            if (n + 1) % SETN_PER_SYNC == 0:
                self.sync()
        self.sync()
        info = self.query(bufnum)
        if info.frames != frames or info.channels != channels:
            raise ScsynthError(f"scsynth buffer {bufnum} holds {info.frames}x{info.channels}, "
                               f"sent {frames}x{channels}")
        return info

    def sync(self) -> None:
        self._sync_id += 1
        sid = self._sync_id
        self.request("/sync", [sid], lambda a, v: a == "/synced" and v[:1] == [sid], "a sync")

    def query(self, bufnum: int) -> BufferInfo:
        args = self.request("/b_query", [bufnum],
                            lambda a, v: a == "/b_info" and v[:1] == [bufnum], "a buffer query")
        return BufferInfo(int(args[0]), int(args[1]), int(args[2]), float(args[3]))

    def get_samples(self, bufnum: int, index: int, count: int) -> list[float]:
        args = self.request("/b_getn", [bufnum, index, count],
                            lambda a, v: a == "/b_setn" and v[:2] == [bufnum, index],
                            "reading samples")
        return [float(x) for x in args[3: 3 + count]]


def _is_done(command: str, bufnum: int) -> tp.Callable[[str, list], bool]:
    return lambda a, v: a == "/done" and v[:2] == [command, bufnum]
