"""Fixtures for the OSC bridge tests: takes on disk (single files and take folders with
stems), a receiver, a lossy UDP shim."""

from __future__ import annotations

import json
import random
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import GenerationRequest, Structure, Take, TakePart
from engine.osc.server import OscServer
from engine.osc.stream_receive import StreamReceiver


def write_take(path: Path, seconds: float, *, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(48_000 * seconds)) / 48_000
    audio = np.stack([0.3 * np.sin(2 * np.pi * 220 * t), 0.2 * np.sin(2 * np.pi * 330 * t)], 1)
    audio += 0.01 * rng.standard_normal(audio.shape)
    audio = audio.astype(np.float32)
    sf.write(str(path), audio, 48_000, subtype="FLOAT")
    return audio


def write_stem_take(folder: Path, seconds: float = 0.25, *, roles=STEM_ROLES,
                    subtype: str = "PCM_24") -> tuple[Take, dict[str, np.ndarray]]:
    """A take folder as the engine writes one (`engine/take_folder.py`): `mix.wav`, one file
    per role and `take.json` with the `Take` and its parts. Returns the take and the samples
    written per role and "mix" (float32, as the files read back)."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(len(roles))
    n = int(48_000 * seconds)
    stems = {role: (0.1 * rng.standard_normal((n, 2))).astype(np.float32) for role in roles}
    audio = {**stems, "mix": np.sum(list(stems.values()), axis=0).astype(np.float32)}
    for role, samples in audio.items():
        sf.write(str(folder / f"{role}.wav"), samples, 48_000, subtype=subtype)
    request = GenerationRequest(prompt="sea shanty in stems",
                                structure=Structure(parts=list(roles), bpm=100.0, bars=4))
    take = Take(take_id="a1b2c3d4e5f6", path=str(folder / "mix.wav"), request=request,
                frames=n, folder=str(folder), sidecar_path=str(folder / "take.json"),
                parts=[TakePart(role, str(folder / f"{role}.wav")) for role in roles])
    (folder / "take.json").write_text(json.dumps(take.to_dict()), encoding="utf-8")
    read = {role: sf.read(str(folder / f"{role}.wav"), dtype="float32")[0] for role in audio}
    return take, read


@pytest.fixture
def stem_take(tmp_path) -> tuple[Take, dict[str, np.ndarray]]:
    """A five-stem take folder (a quarter of a second, 24-bit)."""
    return write_stem_take(tmp_path / "takes" / "sea shanty 1")


@pytest.fixture
def take_22s(tmp_path) -> tuple[Path, np.ndarray]:
    path = tmp_path / "take one.wav"
    return path, write_take(path, 22.0)


@pytest.fixture
def receiver(tmp_path):
    rx = StreamReceiver(tmp_path / "received")
    with OscServer(rx.handle, port=0, tick=rx.expire) as server:
        yield rx, server


class LossyUdpShim:
    """Forwards datagrams between one client and a server, dropping a fraction of them in
    each direction (seeded, so a failure reproduces)."""

    def __init__(self, server: tuple[str, int], drop: float, seed: int = 1) -> None:
        self.server, self.drop = server, drop
        self.rng = random.Random(seed)
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        for s in (self.front, self.back):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            s.settimeout(0.1)
        self.client: tuple[str, int] | None = None
        self.dropped = self.forwarded = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._pump, args=(True,), daemon=True),
                         threading.Thread(target=self._pump, args=(False,), daemon=True)]

    @property
    def port(self) -> int:
        return self.front.getsockname()[1]

    def _pump(self, upstream: bool) -> None:
        src = self.front if upstream else self.back
        while not self._stop.is_set():
            try:
                data, addr = src.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            if upstream:
                self.client = addr
            if self.rng.random() < self.drop:
                self.dropped += 1
                continue
            self.forwarded += 1
            if upstream:
                self.back.sendto(data, self.server)
            elif self.client:
                self.front.sendto(data, self.client)

    def __enter__(self) -> LossyUdpShim:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()
        self.front.close()
        self.back.close()


class OrderedPeer:
    """A bound UDP socket that keeps what it hears in arrival order (the fake DAW of
    `tests/fakes/osc_peer.py` handles each datagram on its own thread)."""

    def __init__(self) -> None:
        from engine.osc.transport import UdpEndpoint

        self.endpoint = UdpEndpoint()
        self.url = f"osc.udp://127.0.0.1:{self.endpoint.port}"

    def heard(self, *, quiet_s: float = 0.3) -> list[tuple[str, list]]:
        """Every message received until `quiet_s` passes without one."""
        got: list[tuple[str, list]] = []
        while (item := self.endpoint.receive(quiet_s)) is not None:
            got += item[0]
        return got


@pytest.fixture
def ordered_peer():
    peer = OrderedPeer()
    yield peer
    peer.endpoint.close()
