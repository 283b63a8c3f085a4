"""The settings of one training run, as the CLI, the engine's `train` job and the UI send them.

`RunSpec.from_dict` takes the JSON object of the `train` request. A few aliases keep older
senders working (`data_dir`, `learning_rate`, `lora_rank`, `out_dir`, and the UI's
`component: "lora"`); any other unknown key is an error naming the known ones.
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

MODES = ("lora", "full", "scratch")
TEXT_FEATURES = ("encoder", "lookup")
DATA_KINDS = ("auto", "stems", "mix")
DECODER = ("auto", "on", "off")
FINE_TUNES = ("lora", "full")
COMPONENTS = ("prior", "clasp", "autoencoder", "decoder")
ALIASES = {"data_dir": "data", "learning_rate": "lr", "lora_rank": "rank", "out_dir": "out",
           "output": "out", "max_steps": "steps", "checkpoint_every": "save_every"}


@dataclass
class RunSpec:
    """What to train on, what to train, and how.

    Attributes:
        data: folder of recordings or `.jsonl` manifest.
        out: run folder (checkpoints, cache, previews, exported pack); "" = a folder under the
            user data folder named after the data, mode and component.
        base: pack to start from (name or folder); also gives the encoder for the prior.
        mode: "lora" | "full" | "scratch".
        component: "prior" | "clasp" | "autoencoder" | "decoder" (autoencoder, encoder frozen).
        config: model config for "scratch" (e.g. "small", "prior_small" or a JSON file).
        batch_size: items per step per process; 0 = pick from free GPU memory (4 on CPU).
        crop_seconds: crop length; the prior's crops are at most its `max_frames`.
        save_every, keep_last: checkpoint interval (steps) and rotation.
        preview_every: validation interval: held-out loss, preview clips, CLASP retrieval.
        preview_prompts, preview_seconds, preview_steps: what the previews render.
        holdout: share of a folder's recordings held out for validation (only when
            `preview_every` > 0; a manifest's `split: "test"` rows are always held out).
        lora_targets: "attention" and/or "conv" (both by default: with attention alone a new
            instrument's takes came only 0.73 of the way; see docs/training.md).
        name: name of the exported pack ("" = derived); install: also copy it to the user's
            models folder so the app lists it.
        resume: continue from the newest checkpoint in `out`.
        text_features: "encoder" runs the pack's text models; "lookup" takes a caption
            bundle's precomputed features instead (`data` is the bundle; no text model loads).
        data_kind: "auto" trains the prior on stems when `data` is a genre corpus of stems or
            a stems bundle, on recordings otherwise; "stems" requires stems; "mix" reads a
            genre corpus's mixes as recordings. The autoencoder and decoder read recordings:
            with "auto", a corpus's stems too, each as a recording; CLASP reads the mixes.
        clasp_dropout: the prior's probability of training a crop without its CLASP vector;
            None: the prior's own; "auto": 1.0 for LoRA and full fine-tunes of the prior on
            captioned recordings (a folder or manifest, not a latent or caption bundle),
            else the prior's own. A prompt alone reaches the prior with
            no CLASP vector, so a fine-tune on captioned recordings must train that way.
        decoder: whether a LoRA or full fine-tune of the prior on recordings first fine-tunes
            the pack's decoder (the autoencoder, encoder frozen, so the latents stay valid):
            "auto" when the base autoencoder's reconstructions of the recordings are farther
            from them than twice the recordings' own spread (`recipes.prior_decoder`), "on",
            "off". The stage runs in `<out>/decoder/`.
        decoder_steps, decoder_crop_seconds: that stage's steps and crops.
    """

    data: str = ""
    out: str = ""
    base: str = "starter"
    mode: str = "lora"
    component: str = "prior"
    config: str = ""
    steps: int = 600
    batch_size: int = 0
    grad_accum: int = 1
    lr: float = 1e-4
    warmup: int = 100
    rank: int = 16
    alpha: float | None = None
    lora_targets: list[str] = field(default_factory=lambda: ["attention", "conv"])
    crop_seconds: float = 10.0
    save_every: int = 500
    keep_last: int = 3
    preview_every: int = 0
    preview_prompts: list[str] = field(default_factory=list)
    preview_seconds: float = 4.0
    preview_steps: int = 0
    holdout: float = 0.1
    ema_decay: float | None = 0.999
    clip_grad_norm: float | None = 1.0
    seed: int = 0
    compile: bool = False
    cache_dir: str = ""
    name: str = ""
    install: bool = False
    resume: bool = False
    text_features: str = "encoder"
    data_kind: str = "auto"
    clasp_dropout: float | str | None = "auto"
    decoder: str = "auto"
    decoder_steps: int = 300
    decoder_crop_seconds: float = 2.0

    def __post_init__(self) -> None:
        # a number given as text (the CLI, `--set KEY=VALUE`) is that number
        if isinstance(self.clasp_dropout, str) and self.clasp_dropout != "auto":
            try:
                self.clasp_dropout = float(self.clasp_dropout)
            except ValueError:
                pass  # check() names it

    @classmethod
    def from_dict(cls, data: tp.Mapping[str, tp.Any]) -> RunSpec:
        """Build and validate a spec from a JSON object (see the module docstring).

        Raises:
            ValueError: unknown keys or values out of range, with the fix.
        """
        if not isinstance(data, tp.Mapping):
            raise ValueError(f"a training spec must be an object, got {type(data).__name__}")
        values = {ALIASES.get(k, k): v for k, v in data.items()}
        if values.get("component") == "lora":  # the UI's "train: lora" choice
            values["component"] = "prior"
            values.setdefault("mode", "lora")
        elif values.get("component") in COMPONENTS and "mode" not in data:
            values["mode"] = "full"
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training setting(s) {unknown}; known: "
                             f"{', '.join(sorted(known))}")
        spec = cls(**values)
        spec.check()
        return spec

    def check(self) -> None:
        """Raise `ValueError` naming the first bad setting."""
        if not self.data:
            raise ValueError("no training data: set data to a folder of recordings or a .jsonl "
                             "manifest")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; use {', '.join(MODES)}")
        if self.component not in COMPONENTS:
            raise ValueError(f"unknown component {self.component!r}; use {', '.join(COMPONENTS)}")
        if self.mode == "lora" and self.component != "prior":
            raise ValueError(f"LoRA trains the prior only; train the {self.component} with "
                             "mode 'full' or 'scratch'")
        if self.mode == "scratch" and not self.config:
            raise ValueError("mode 'scratch' needs config (e.g. 'small' or a JSON file)")
        positive = {"steps": self.steps, "rank": self.rank, "grad_accum": self.grad_accum,
                    "crop_seconds": self.crop_seconds, "lr": self.lr,
                    "decoder_steps": self.decoder_steps,
                    "decoder_crop_seconds": self.decoder_crop_seconds}
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be positive, got {value}")
        for name in ("batch_size", "save_every", "keep_last", "preview_every", "warmup"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, got {getattr(self, name)}")
        if self.preview_seconds < 1.0:
            raise ValueError(f"preview_seconds must be at least 1, got {self.preview_seconds}")
        if not 0.0 <= self.holdout < 1.0:
            raise ValueError(f"holdout must be in [0, 1), got {self.holdout}")
        self._check_clasp_dropout()
        if self.decoder not in DECODER:
            raise ValueError(f"unknown decoder setting {self.decoder!r}; use "
                             f"{', '.join(DECODER)}")
        if self.data_kind not in DATA_KINDS:
            raise ValueError(f"unknown data_kind {self.data_kind!r}; use {', '.join(DATA_KINDS)}")
        if self.data_kind == "stems" and self.component != "prior":
            raise ValueError(f"data_kind 'stems' trains the prior; the {self.component} trains "
                             "on recordings (data_kind 'auto' or 'mix')")
        if self.text_features not in TEXT_FEATURES:
            raise ValueError(f"unknown text_features {self.text_features!r}; use "
                             f"{', '.join(TEXT_FEATURES)}")

    def _check_clasp_dropout(self) -> None:
        value = self.clasp_dropout
        if value is None or value == "auto":
            return
        if isinstance(value, str) or not 0.0 <= value <= 1.0:
            raise ValueError(f"clasp_dropout must be 'auto', null or a number in [0, 1], got "
                             f"{value!r}")

    def prior_clasp_dropout(self, *, captioned: bool) -> float | None:
        """The prior's CLASP dropout for this run (None: the prior's own); `captioned`: the
        training recordings have captions."""
        if self.clasp_dropout != "auto":
            return tp.cast("float | None", self.clasp_dropout)
        return 1.0 if self.mode in FINE_TUNES and captioned else None

    def adapts_decoder(self) -> bool:
        """Whether this run may fine-tune the decoder before the prior (`decoder` decides)."""
        return self.component == "prior" and self.mode in FINE_TUNES and self.decoder != "off"

    def to_dict(self) -> dict[str, tp.Any]:
        return dataclasses.asdict(self)

    def pack_name(self) -> str:
        """The exported pack's name: `name`, else `<data name>-<mode>`."""
        return self.name or f"{Path(self.data).stem or 'data'}-{self.mode}"

    def source_kind(self) -> str:
        """How `sources.load_sources` reads `data` for this run: the prior as `data_kind`
        says; CLASP on the mixes (the captions are the mix's); the autoencoder and decoder
        with a corpus's stems beside its mixes unless `data_kind` is "mix"."""
        if self.component == "prior":
            return self.data_kind
        if self.component == "clasp" or self.data_kind == "mix":
            return "mix"
        return "recordings"

    def train_config(self, batch_size: int, env: tp.Any, *, validates: bool = True) -> tp.Any:
        """The trainer's `TrainConfig` for this run on `env` (a `runs.RunEnv`)."""
        from ainur_studio.training.loop import TrainConfig

        return TrainConfig(max_steps=self.steps, batch_size=batch_size,
                           grad_accum=self.grad_accum, lr=self.lr,
                           warmup_steps=min(self.warmup, self.steps // 10),
                           clip_grad_norm=self.clip_grad_norm, ema_decay=self.ema_decay,
                           precision=env.precision, compile=self.compile, seed=self.seed,
                           checkpoint_every=self.save_every, keep_last=self.keep_last,
                           validate_every=self.preview_every if validates else 0,
                           device=str(env.dist.device))

    def run_folder(self, user_data: Path) -> Path:
        """`out`, or `<user_data>/training/<data name>-<mode>-<component>-<short hash>`."""
        if self.out:
            return Path(self.out).expanduser()
        digest = hashlib.sha256(str(Path(self.data).expanduser().resolve()).encode()).hexdigest()
        name = f"{Path(self.data).stem or 'data'}-{self.mode}-{self.component}-{digest[:8]}"
        return user_data / "training" / name
