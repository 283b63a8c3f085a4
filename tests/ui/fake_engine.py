"""A small protocol-speaking engine for the UI tests: `python -m tests.ui.fake_engine`.

Behaviour is chosen with `FAKE_ENGINE_MODE`:
- `normal`: generate writes a short sine take (WAV) and reports a few progress steps;
- `crash_on_generate`: exits with code 3 after accepting a generate request;
- `slow`: progress steps are slow enough to cancel;
- `ignore_cancel`: slow, and cancel requests are acknowledged but ignored (a stuck engine).
`FAKE_ENGINE_STEPS` sets the number of steps and `FAKE_ENGINE_STEP_S` their duration.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from pathlib import Path

import numpy as np
import soundfile as sf

from ainur_studio.types import GenerationRequest, Take
from engine.protocol import Event, Reply, decode, encode, new_id

ENGINE_ID = f"e-fake-{uuid.uuid4().hex[:6]}"
MODE = os.environ.get("FAKE_ENGINE_MODE", "normal")
STEPS = int(os.environ.get("FAKE_ENGINE_STEPS", "4"))
STEP_S = float(os.environ.get("FAKE_ENGINE_STEP_S",
                              "0.5" if MODE in ("slow", "ignore_cancel") else "0.01"))
_lock = threading.Lock()
_cancel: dict[str, threading.Event] = {}


def send(msg) -> None:
    with _lock:
        sys.stdout.write(encode(msg) + "\n")
        sys.stdout.flush()


def event(name: str, data: dict, job: str | None = None, reply_to: str | None = None) -> None:
    send(Event(event=name, data=data, job=job, reply_to=reply_to, engine_id=ENGINE_ID))


def status(state: str) -> None:
    event("status", {"state": state, "device": "cpu", "precision": "fp32", "model": "debug",
                     "memory": {}, "job": None, "queued": 0, "daw": {}})


def write_take(request: GenerationRequest, out_dir: Path, n: int) -> Take:
    rate, seconds = 48_000, min(request.duration_s, 2.0)
    t = np.arange(int(rate * seconds)) / rate
    wav = 0.3 * np.sin(2 * np.pi * (220 + 55 * n) * t) * np.exp(-t)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"take_{request.seed}_{n}_{uuid.uuid4().hex[:4]}.wav"
    sf.write(str(path), np.stack([wav, wav], axis=1), rate, subtype="PCM_24")
    return Take(take_id=uuid.uuid4().hex[:8], path=str(path), request=request,
                model_id="debug", frames=len(t), timings={"total": STEPS * STEP_S})


def generate(job: str, request_id: str, params: dict) -> None:
    cancel = _cancel[job]
    event("accepted", {"kind": "generate", "status": "queued", "position": 0}, job, request_id)
    if MODE == "crash_on_generate":
        sys.stderr.write("fake engine: simulated crash\n")
        sys.stderr.flush()
        os._exit(3)
    status("busy")
    event("started", {"kind": "generate", "status": "running"}, job, request_id)
    for step in range(1, STEPS + 1):
        if cancel.wait(STEP_S):
            event("cancelled", {"status": "cancelled", "was": "running"}, job, request_id)
            status("idle")
            return
        event("progress", {"step": step, "total": STEPS, "elapsed": step * STEP_S,
                           "eta": (STEPS - step) * STEP_S, "stage": "sample",
                           "message": ""}, job, request_id)
    request = GenerationRequest.from_dict(params.get("request", {}))
    out_dir = Path(params.get("output", {}).get("dir") or os.environ["AINUR_STUDIO_HOME"])
    paths = []
    for n in range(max(1, request.variations)):
        take = write_take(request, out_dir, n)
        paths.append(take.path)
        event("take_ready", {"take": take.to_dict(), "paths": {"audio": take.path},
                             "index": n, "count": request.variations}, job, request_id)
    event("job_done", {"status": "succeeded", "elapsed": STEPS * STEP_S, "takes": paths},
          job, request_id)
    status("idle")


def handle(line: str) -> bool:
    request = decode(line)
    method, params = request.method, request.params
    result: dict = {}
    if method == "hello":
        result = {"protocol": 1, "engine_id": ENGINE_ID, "engine_version": "fake",
                  "pid": os.getpid(), "transport": "stdio", "device": "cpu",
                  "precision": "fp32", "methods": []}
    elif method == "generate":
        job = new_id("j")
        _cancel[job] = threading.Event()
        result = {"job": job, "position": 0}
        threading.Thread(target=generate, args=(job, request.id, params), daemon=True).start()
    elif method == "cancel" and MODE == "ignore_cancel":
        result = {"job": params.get("job"), "status": "running"}
    elif method == "cancel":
        _cancel.get(params.get("job", ""), threading.Event()).set()
        result = {"job": params.get("job"), "status": "running"}
    send(Reply(reply_to=request.id, ok=True, result=result, engine_id=ENGINE_ID))
    return method != "shutdown"


def main() -> None:
    status("starting")
    status("idle")
    for line in sys.stdin:
        if line.strip() and not handle(line):
            break


if __name__ == "__main__":
    main()
