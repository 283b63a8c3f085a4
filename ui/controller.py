"""The glue between the engine bridge and the documents: sending requests, turning replies
and events into queue rows, takes and messages. Holds no widgets."""

from __future__ import annotations

import typing as tp

from PySide6.QtCore import QObject, QTimer, Signal

from ainur_studio.limits import request_problems
from ainur_studio.types import GenerationRequest, Take
from engine.protocol import Event, EventName, Method, Reply
from ui.audio_file import Peaks, peaks_job
from ui.engine_bridge import BridgeState, EngineBridge
from ui.models.jobs_model import JobsModel
from ui.models.lyric_document import LyricDocument
from ui.models.packs import exported_pack_name
from ui.models.prompt_state import PromptState, summarise
from ui.models.stem_audio import part_files, stem_peaks_job
from ui.models.takes_model import TakesModel
from ui.settings import Settings
from ui.workers import start_worker

FORMATS = {"wav": "wav24", "flac": "flac"}
CANCEL_GRACE_S = 10.0  # a running job that ignores cancel this long gets its engine restarted


def output_options(settings: Settings) -> dict[str, tp.Any]:
    """The `output` parameter of a generate request, from the settings."""
    options: dict[str, tp.Any] = {"format": FORMATS.get(settings.get("output/format"), "wav24"),
                                  "loudness_lufs": settings.get("output/loudness_lufs")}
    if settings.get("output/folder"):
        options["dir"] = settings.get("output/folder")
    return options


class StudioController(QObject):
    message = Signal(str)                 # a sentence for the status bar
    error = Signal(str, str)              # (plain words, detail) for an error the user must see
    models_listed = Signal(list)          # list_models entries (name, kind, base, ...)
    peaks_ready = Signal(str, object)     # (take_id, Peaks)
    training_started = Signal(str)        # job id
    take_arrived = Signal(str)            # take_id of a new take
    daw_state_changed = Signal(dict)      # the engine's `daw_state` event data

    def __init__(self, bridge: EngineBridge, prompt: PromptState, lyrics: LyricDocument,
                 takes: TakesModel, jobs: JobsModel, settings: Settings,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge, self.prompt, self.lyrics = bridge, prompt, lyrics
        self.takes, self.jobs, self.settings = takes, jobs, settings
        self.models: list[dict] = []
        self._pending: dict[str, str] = {}  # request id -> method
        self._workers: list[tp.Any] = []
        self.cancel_grace_s = CANCEL_GRACE_S
        self._daw_engine = ""  # engine id the DAW listener was requested from
        self._installs: dict[str, bool] = {}  # train request id -> pack installed when done
        bridge.reply_received.connect(self._on_reply)
        bridge.event_received.connect(self._on_event)
        bridge.engine_died.connect(self._on_engine_died)
        bridge.state_changed.connect(self._on_state_changed)

    # --- requests ---------------------------------------------------------------------------
    def _send(self, method: Method, params: dict[str, tp.Any] | None = None) -> str | None:
        try:
            request_id = self.bridge.send(method, params)
        except RuntimeError as exc:
            self.error.emit(f"Cannot {method.value.replace('_', ' ')}: {exc}.", "")
            return None
        self._pending[request_id] = method.value
        return request_id

    def generate(self) -> str | None:
        """Send the prompt (with the lyrics) as a generate request; returns the request id."""
        return self.queue_request(self.prompt.to_request(self.lyrics.lyrics,
                                                         self.lyrics.chords.chords))

    def queue_request(self, request: GenerationRequest) -> str | None:
        """Check `request` against the limits and send it as a generate request (the prompt
        panel's, or one built from it such as add-parts); returns the request id."""
        problems = request_problems(request)
        if problems:  # refused here, before it is queued or a seed is spent
            self.error.emit(f"Cannot generate: {problems[0].plain}.",
                            "\n".join(p.plain for p in problems[1:]))
            return None
        request_id = self._send(Method.GENERATE, {"request": request.to_dict(),
                                                  "output": output_options(self.settings)})
        if request_id is not None:
            self.jobs.add_pending(request_id, "generate", summarise(request))
            self.prompt.after_generate()
            self.message.emit(f"Queued: {summarise(request)}")
        return request_id

    def cancel(self, job_id: str) -> None:
        """Ask the engine to cancel; if the job is still running after the grace period the
        engine is stuck, so it is killed (and restarted by the bridge's policy)."""
        if job_id and self._send(Method.CANCEL, {"job": job_id}) is not None:
            QTimer.singleShot(int(self.cancel_grace_s * 1000),
                              lambda: self._enforce_cancel(job_id))

    def _enforce_cancel(self, job_id: str) -> None:
        row = self.jobs.find(job_id)
        if row is not None and row.active:
            self.bridge.kill(f"The engine did not stop {row.summary!r} within "
                             f"{self.cancel_grace_s:g} s of cancelling, so it was restarted.")

    def train(self, spec: dict[str, tp.Any]) -> str | None:
        """Start training; fine-tuning starts from the model pack chosen in the prompt panel."""
        spec = {"base": self.prompt.request.model, **spec}
        request_id = self._send(Method.TRAIN, {"spec": spec})
        if request_id is not None:
            self.jobs.add_pending(request_id, "train", f"Training on {spec.get('data_dir')}")
            self._installs[request_id] = bool(spec.get("install"))
        return request_id

    def stop_training(self, job_id: str) -> None:
        self._send(Method.STOP_TRAINING, {"job": job_id} if job_id else {})

    def list_models(self) -> None:
        self._send(Method.LIST_MODELS)

    def preload_model(self) -> None:
        """Ask a fresh engine to load the chosen pack now, in the background, so the first
        take does not wait for it (a generate sent meanwhile waits for this load). A pack that
        fails to load is reported by the generate that needs it, not at start."""
        request = self.prompt.request
        if request.model:
            self._send(Method.LOAD_MODEL, {"model": request.model,
                                           "style_strength": request.style_strength})

    def listen_to_daw(self) -> None:
        """Ask the engine to follow the DAW's tempo and transport (Settings > DAW)."""
        daw = str(self.settings.get("osc/daw") or "auto")
        port = int(self.settings.get("osc/listen_port"))
        if daw == "off":
            self._send(Method.DAW_LISTEN, {"daw": daw, "port": None})
        else:  # port 0: the engine picks the DAW's usual feedback port
            self._send(Method.DAW_LISTEN, {"daw": daw, **({"port": port} if port else {})})

    # --- replies and events -----------------------------------------------------------------
    def _on_reply(self, reply: Reply) -> None:
        method = self._pending.pop(reply.reply_to, "")
        if not reply.ok:
            error = reply.error
            text = error.message if error else "the engine refused the request"
            self.jobs.reject(reply.reply_to, text, error.detail if error else "")
            if method == "daw_listen":
                text = (f"Cannot listen for the DAW: {text}. Choose another port in "
                        "Settings > DAW (OSC)")
            if method not in ("generate", "train", "cancel", "load_model"):
                self.error.emit(text, error.detail if error else "")
            return
        job = str(reply.result.get("job", ""))
        if method in ("generate", "train") and job:
            self.jobs.bind(reply.reply_to, job, int(reply.result.get("position", 0) or 0))
            if method == "train":
                self.training_started.emit(job)
        elif method == "daw_listen" and reply.result.get("listening"):
            self.message.emit(f"Listening for the DAW on port {reply.result.get('port')}")
        elif method == "list_models":
            self.models = list(reply.result.get("models", []))
            self.models_listed.emit(list(self.models))

    def _on_event(self, event: Event) -> None:
        row = self.jobs.apply_event(event)
        if event.event == EventName.TAKE_READY.value:
            self._on_take_ready(event)
        elif event.event == EventName.JOB_FAILED.value and row is not None:
            self.message.emit(f"Failed: {row.error}")
        elif event.event == EventName.JOB_DONE.value and row is not None and row.kind == "train":
            self._on_training_done(row.request_id, event.data)
        elif event.event == EventName.DAW_STATE.value:
            self.daw_state_changed.emit(dict(event.data))
        elif event.event == EventName.ERROR.value:
            self.error.emit(str(event.data.get("message", "engine error")),
                            str(event.data.get("detail", "")))

    def _on_training_done(self, request_id: str, data: dict[str, tp.Any]) -> None:
        """A finished run: list the models again, so its installed pack can be chosen."""
        installed = self._installs.pop(request_id, False)
        name = exported_pack_name(data)
        if not name:
            return
        self.list_models()
        if installed:
            self.message.emit(f"Training done: pack {name!r} is in the Model list")
        else:
            self.message.emit(f"Training done: pack {name!r} in {data.get('pack')}; type that "
                              "folder in the Model field to use it")

    def _on_take_ready(self, event: Event) -> None:
        try:
            take = Take.from_dict(event.data["take"])
        except (KeyError, TypeError, ValueError) as exc:
            self.error.emit("The engine reported a take the app cannot read.", repr(exc))
            return
        self.takes.add_take(take)
        self.load_peaks(take)
        self.take_arrived.emit(take.take_id)
        self.message.emit(f"New take: {summarise(take.request)}")

    def load_peaks(self, take: Take) -> None:
        """Read the take's waveform envelope, and its stems' one by one, in the background."""
        self._start_reader(peaks_job, take.path,
                           on_return=lambda peaks, t=take.take_id: self._on_peaks(t, peaks))
        if take.parts:
            self._start_reader(stem_peaks_job, part_files(take),
                               on_yield=lambda item, t=take.take_id: self._on_stem_peaks(t, *item))

    def _start_reader(self, job: tp.Callable[..., tp.Any], *args: tp.Any,
                      **callbacks: tp.Any) -> None:
        holder: list[tp.Any] = []
        worker = start_worker(
            job, *args, **callbacks,
            on_error=lambda msg, _tb: self.message.emit(msg),
            on_finish=lambda: self._workers.remove(holder[0]) if holder[0] in self._workers
            else None)
        holder.append(worker)
        self._workers.append(worker)

    def _on_stem_peaks(self, take_id: str, role: str, peaks: Peaks) -> None:
        if self.takes.take(take_id) is not None:
            self.takes.set_stem_peaks(take_id, role, peaks)

    def _on_peaks(self, take_id: str, peaks: Peaks) -> None:
        if self.takes.take(take_id) is not None:
            self.takes.set_peaks(take_id, peaks)
            self.peaks_ready.emit(take_id, peaks)

    def _on_engine_died(self, message: str, detail: str) -> None:
        failed = self.jobs.fail_active(message, detail)
        self._pending.clear()
        note = f" {len(failed)} job(s) stopped; your project is safe." if failed else \
            " Your project is safe."
        self.error.emit(message + note, detail)

    def _on_state_changed(self, state: str) -> None:
        if state == BridgeState.READY.value and self.bridge.engine_id != self._daw_engine:
            self._daw_engine = self.bridge.engine_id  # a fresh engine: no DAW listener, no pack
            self.preload_model()
            self.listen_to_daw()
        if state == BridgeState.READY.value and not self.models:
            self.list_models()
