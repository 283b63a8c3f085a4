"""The bundled MiniLM run by onnxruntime: the same features without importing transformers.

Importing transformers and building MiniLM through it is most of what an engine spends before
its first take (docs/performance.md). So the first load of the bundled MiniLM, which still goes
through transformers, also writes an ONNX export of it to the user cache
(`paths.user_cache_dir()/text-backbones/`), with a JSON record beside it naming the weights it
was exported from, the export's own sha256 and the versions that made it. The weights lie in a
data file beside the graph (`.onnx.data`), which onnxruntime maps instead of copying: the pages
of the 30 k-row word-embedding table that no prompt's tokens touch stay on disk, about 45 MB
less resident memory than one self-contained file. Every later load runs that export with
onnxruntime and tokenizes with `tokenizers` (the library transformers' fast
tokenizers are built on) from the package's own tokenizer.json: the token ids are the same and
the features match the transformers model to about 1e-5.

Nothing here is ever an error for the user: a missing, damaged or stale export, or onnxruntime
or tokenizers missing, means transformers loads MiniLM as before; an export that fails (the
`onnx` package missing, a full disk) is logged and retried on the next load.
`AINUR_STUDIO_TEXT_ONNX=0` turns both the export and its use off.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import typing as tp
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn

from ainur_studio.fileio import atomic_write, atomic_write_text, sha256_file
from ainur_studio.paths import user_cache_dir

log = logging.getLogger(__name__)

EXPORT_FORMAT = 2  # 2: weights in a data file beside the graph
OPSET = 17
SWITCH = "AINUR_STUDIO_TEXT_ONNX"


def enabled() -> bool:
    """False when `AINUR_STUDIO_TEXT_ONNX` is 0 / false / off."""
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "false", "off", "no")


def export_paths(source_sha256: str) -> tuple[Path, Path]:
    """(the .onnx graph, its JSON record) for the weights with this sha256; the graph's
    weights are in `weights_path(graph)`."""
    folder = user_cache_dir() / "text-backbones"
    stem = f"all-MiniLM-L6-v2-{source_sha256[:16]}"
    return folder / f"{stem}.onnx", folder / f"{stem}.json"


def weights_path(onnx_path: Path) -> Path:
    """The data file holding the weights of the graph `onnx_path` (named inside the graph)."""
    return onnx_path.with_name(onnx_path.name + ".data")


class FastTokenizer:
    """A tokenizer.json run by `tokenizers`, called like a transformers tokenizer
    (`texts, max_length=, padding=True, truncation=True, return_tensors="pt"`): pads to the
    longest text in the batch and truncates to `max_length` tokens, special tokens included,
    as transformers' fast BERT tokenizer does.

    Args:
        folder: a Hugging Face folder with tokenizer.json (and tokenizer_config.json for the
            pad token and the default token limit).
    """

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        config = _read_json(folder / "tokenizer_config.json")
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.pad_token = str(config.get("pad_token", "[PAD]"))
        pad_id = self._tokenizer.token_to_id(self.pad_token)
        if pad_id is None:
            raise ValueError(f"{folder / 'tokenizer.json'} has no pad token {self.pad_token!r}")
        self.pad_token_id = int(pad_id)
        self.model_max_length = int(config.get("model_max_length", 512))
        self._tokenizer.enable_padding(pad_id=self.pad_token_id, pad_token=self.pad_token)
        self._limit: int | None = None
        self._lock = threading.Lock()  # truncation is the tokenizer's state, set per call

    def __call__(self, texts: list[str], *, max_length: int | None = None, padding: tp.Any = True,
                 truncation: bool = True,
                 return_tensors: str = "pt") -> dict[str, torch.Tensor]:
        if padding is not True or return_tensors != "pt":
            raise ValueError("FastTokenizer pads to the longest text and returns torch tensors "
                             "only (padding=True, return_tensors='pt')")
        limit = (max_length or self.model_max_length) if truncation else None
        with self._lock:
            if limit != self._limit:
                if limit is None:
                    self._tokenizer.no_truncation()
                else:
                    self._tokenizer.enable_truncation(limit)
                self._limit = limit
            encodings = self._tokenizer.encode_batch(list(texts))
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.long)
        return {"input_ids": ids, "attention_mask": mask}


class OnnxTextModel(nn.Module):
    """An exported encoder run by onnxruntime on the CPU, called like a transformers encoder:
    `model(input_ids=, attention_mask=).last_hidden_state` is [B, N, D] float32 on the device of
    `input_ids`. It has no parameters (it is frozen by construction); a non-persistent empty
    buffer follows `.to(device)` so callers can ask where it lives.

    Args:
        path: the .onnx file.
        hidden_size: D, the width of its output.
    """

    def __init__(self, path: Path, *, hidden_size: int) -> None:
        super().__init__()
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, torch.get_num_threads())
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options,
                                             providers=["CPUExecutionProvider"])
        self.config = SimpleNamespace(hidden_size=hidden_size, model_type="bert")
        self.register_buffer("anchor", torch.empty(0), persistent=False)

    def forward(self, input_ids: torch.Tensor,
                attention_mask: torch.Tensor | None = None) -> SimpleNamespace:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        feeds = {"input_ids": input_ids.detach().to("cpu", torch.long).numpy(),
                 "attention_mask": attention_mask.detach().to("cpu", torch.long).numpy()}
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        return SimpleNamespace(last_hidden_state=torch.from_numpy(hidden).to(input_ids.device))


def load_onnx_backbone(folder: Path, source_sha256: str) -> tuple[FastTokenizer,
                                                                  OnnxTextModel] | None:
    """The tokenizer and ONNX model of the bundled MiniLM in `folder`, or None (and why, in
    the log) when the export is missing, stale or damaged or its runtime is not installed."""
    if not enabled():
        return None
    onnx_path, record_path = export_paths(source_sha256)
    if not (onnx_path.is_file() and record_path.is_file()):
        log.info("no ONNX export of the text backbone yet (%s); MiniLM loads through "
                 "transformers and is exported for the next start", onnx_path)
        return None
    record = _read_json(record_path)
    if record.get("format") != EXPORT_FORMAT or record.get("source_sha256") != source_sha256:
        log.info("the ONNX export %s is stale (%s); it is rebuilt", onnx_path, record)
        return None
    data_path = weights_path(onnx_path)
    if not data_path.is_file() or sha256_file(onnx_path) != record.get("onnx_sha256") or (
            sha256_file(data_path) != record.get("data_sha256")):
        log.warning("the ONNX export %s does not match its record (damaged or replaced); "
                    "MiniLM loads through transformers and the export is rebuilt", onnx_path)
        return None
    try:
        tokenizer = FastTokenizer(folder)
        model = OnnxTextModel(onnx_path, hidden_size=int(record["hidden_size"]))
    except ImportError as exc:
        log.info("the ONNX text backbone needs onnxruntime and tokenizers (%s); MiniLM loads "
                 "through transformers", exc)
        return None
    except Exception as exc:  # noqa: BLE001 - any runtime failure falls back, logged
        log.warning("the ONNX export %s does not load (%s); MiniLM loads through transformers",
                    onnx_path, exc)
        return None
    return tokenizer, model


def export_onnx_backbone(tokenizer: tp.Any, model: nn.Module, source_sha256: str) -> Path | None:
    """Write the ONNX export of a loaded transformers encoder and its record; the path, or
    None (logged) when it cannot be made. `model` is left in eval mode."""
    if not enabled():
        return None
    onnx_path, record_path = export_paths(source_sha256)
    try:
        import onnx  # noqa: F401 - the exporter needs it; checked before the work starts

        onnx_path.parent.mkdir(parents=True, exist_ok=True)
        _export(tokenizer, model, onnx_path)
        record = {"format": EXPORT_FORMAT, "source_sha256": source_sha256,
                  "onnx_sha256": sha256_file(onnx_path),
                  "data_sha256": sha256_file(weights_path(onnx_path)),
                  "hidden_size": int(model.config.hidden_size), "opset": OPSET,
                  "torch": torch.__version__}
        atomic_write_text(record_path, json.dumps(record, indent=2) + "\n")
    except ImportError as exc:
        log.info("not exporting the text backbone to ONNX (%s); install onnx for a faster "
                 "start", exc)
        return None
    except Exception as exc:  # noqa: BLE001 - an optional speed-up never fails a load
        log.warning("exporting the text backbone to ONNX failed (%s); the next load tries "
                    "again", exc)
        return None
    finally:
        model.eval()
    log.info("exported the text backbone to %s", onnx_path)
    return onnx_path


class _LastHidden(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def _export(tokenizer: tp.Any, model: nn.Module, path: Path) -> None:
    """Trace `model` to the graph `path` with its weights in `weights_path(path)`; both
    files are replaced atomically, the weights first (the record, written after, vouches for
    the pair)."""
    import tempfile

    import onnx

    with tempfile.TemporaryDirectory(dir=path.parent) as folder:
        staged = Path(folder)
        _trace(tokenizer, model, staged / "traced.onnx")
        graph = onnx.load(str(staged / "traced.onnx"))
        data = weights_path(path)
        # the graph names its data file; both are staged under their final names first
        onnx.save_model(graph, str(staged / path.name), save_as_external_data=True,
                        all_tensors_to_one_file=True, location=data.name, size_threshold=1024)
        atomic_write(data, lambda temp: os.replace(staged / data.name, temp))
        atomic_write(path, lambda temp: os.replace(staged / path.name, temp))


def _trace(tokenizer: tp.Any, model: nn.Module, path: Path) -> None:
    import warnings

    # a padded batch of two, so the traced graph keeps the mask arithmetic
    example = tokenizer(["a calm chorale", "lo-fi hip hop beat, dusty drums, 85 BPM"],
                        max_length=32, padding=True, truncation=True, return_tensors="pt")
    wrapper = _LastHidden(model).eval()
    dynamic = {name: {0: "batch", 1: "tokens"}
               for name in ("input_ids", "attention_mask", "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it keeps dynamic
        torch.onnx.export(wrapper, (example["input_ids"], example["attention_mask"]), str(path),
                          input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], dynamic_axes=dynamic,
                          opset_version=OPSET, dynamo=False)


def _read_json(path: Path) -> dict[str, tp.Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
