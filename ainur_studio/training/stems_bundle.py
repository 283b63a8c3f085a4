"""Stems bundles: a genre corpus already encoded for a stems prior, small enough to carry to a
GPU machine (`scripts/stems_bundle.py` writes one), read by the same recipe as the corpus.

A bundle is a folder with
- `stems_bundle.json`: the roles, latent channels, frame rate, text length, the base pack's
  name and a digest of its autoencoder's weights, and per clip its id, split, captions,
  structure (without notes), lyrics, the roles present and its frames;
- `latents.safetensors`: per clip i and present role r `z.i.r` [C, L] (int8, with `q.i.r`
  [C] the scale of each channel: value = int8 * scale), the notes of each part `n.i.r`
  [K, 4] float64 (pitch, start s, end s, velocity), the CLASP audio vector `c.i`, and
  `silent` [C, F] (fp16), the latent of silence absent roles are cut from;
- `text.safetensors` + `texts.json`: per text j (every caption, and every lyric line when the
  prior has a lyrics track) the text encoder's tokens `emb.j` (real tokens, int8 with `eq.j`
  [N] the scale of each token) and, for captions with CLASP, its text tower's pooled features
  `pooled.j`, as `caption_bundles` stores them; with `text_features` "lookup" they stand for
  the text models.

int8 with a scale per channel (per token) halves fp16's bytes; its error is at most half a
step, 1/254 of the channel's largest magnitude. A clip may be an **excerpt**: its record's
`frame_offset` is where its latents start in the clip, its notes and lyric lines are those that
sound in the excerpt, kept in clip time, and crops read them from there (`StemItem`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import torch

from ainur_studio.fileio import atomic_write, atomic_write_text
from ainur_studio.lyrics.lrc import parse_lrc
from ainur_studio.lyrics.lrc_write import format_lrc
from ainur_studio.models.stems import silent_latent
from ainur_studio.training.lookup_text import CaptionFeatures
from ainur_studio.training.stems_corpus import HELD_OUT
from ainur_studio.training.stems_crops import StemItem
from ainur_studio.types import Lyrics, NoteEvent, Structure, from_jsonable, to_jsonable

INDEX, LATENTS, TEXT, TEXTS = ("stems_bundle.json", "latents.safetensors", "text.safetensors",
                               "texts.json")
VERSION = 2


def is_stems_bundle(folder: Path) -> bool:
    return (folder / INDEX).is_file() and (folder / LATENTS).is_file()


def autoencoder_digest(autoencoder: torch.nn.Module) -> str:
    """sha256 over the autoencoder's weights (names, shapes and values)."""
    h = hashlib.sha256()
    for name, tensor in sorted(autoencoder.state_dict().items()):
        h.update(f"{name}:{tuple(tensor.shape)}".encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def item_bytes(item: StemItem) -> int:
    """Bytes an item takes in a bundle (its present stems in int8 with their scales), for
    sizing one."""
    present = int(item.parts.sum()) if item.parts is not None else 1
    channels = item.latents.shape[0] // max(1, len(item.parts))
    notes = sum(len(n) for n in item.structure.notes.values()) * 32 if item.structure else 0
    return present * channels * (item.frames + 4) + notes


def quantize(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(int8 values, fp32 scale per row) of a [R, N] tensor: value = int8 * scale."""
    x = x.float()
    scale = (x.abs().amax(dim=-1) / 127.0).clamp_min(1e-12)
    return torch.round(x / scale[:, None]).clamp(-127, 127).to(torch.int8), scale


def dequantize(values: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return (values.float() * scale.float()[:, None]).to(torch.float16)


def excerpt(item: StemItem, frames: int, frame_rate: float) -> StemItem:
    """`item` cut to `frames` latent frames (the item itself when it is no longer): from a
    second before its first lyric line when it has lyrics (so a sung clip keeps its voice),
    else from its middle. Notes and lyric lines that do not sound in the excerpt are dropped;
    times stay in clip time (`frame_offset` says where the excerpt starts)."""
    if item.frames <= frames:
        return item
    slack = item.frames - frames
    start = slack // 2
    if item.lyrics is not None and item.lyrics.lines:
        first_s = item.lyrics.lines[0].start_ms / 1000.0
        start = round((first_s - 1.0) * frame_rate) - item.frame_offset
    start = min(max(0, start), slack)
    a_s = (item.frame_offset + start) / frame_rate
    b_s = a_s + frames / frame_rate
    structure = item.structure
    if structure is not None:
        structure = dataclasses.replace(structure, notes={
            role: [n for n in part if n.end_s > a_s and n.start_s < b_s]
            for role, part in structure.notes.items()})
    return dataclasses.replace(item, latents=item.latents[:, start:start + frames].clone(),
                               frame_offset=item.frame_offset + start, structure=structure,
                               lyrics=_lines_within(item.lyrics, a_s, b_s))


def _lines_within(lyrics: Lyrics | None, a_s: float, b_s: float) -> Lyrics | None:
    """The lines of `lyrics` that sound in [a_s, b_s), each with its end made explicit (an
    open end is the next line's start, and that line may be dropped)."""
    if lyrics is None:
        return None
    kept = []
    for k, line in enumerate(lyrics.lines):
        end_ms = line.end_ms
        if end_ms is None and k + 1 < len(lyrics.lines):
            end_ms = lyrics.lines[k + 1].start_ms
        if line.start_ms < b_s * 1000 and (end_ms is None or end_ms > a_s * 1000):
            kept.append(dataclasses.replace(line, end_ms=end_ms))
    return dataclasses.replace(lyrics, lines=kept)


# --- writing -----------------------------------------------------------------------------

def _texts(pack: tp.Any, items: tp.Sequence[StemItem]) -> tuple[list[str], set[str]]:
    captions = list(dict.fromkeys(c for it in items for c in it.captions))
    lines = []
    if pack.prior.lyrics_track is not None:
        lines = [ln.text for it in items if it.lyrics is not None for ln in it.lyrics.lines]
    return list(dict.fromkeys(captions + lines)), set(captions)


@torch.no_grad()
def text_tensors(pack: tp.Any, texts: list[str], captions: set[str]) -> dict[str, torch.Tensor]:
    """`text.safetensors`' tensors: tokens for every text (captions at the prior's text length,
    lyric lines as the lyrics track encodes them), pooled CLASP features for captions."""
    tensors = {}
    tower_length = int(pack.configs.get("clasp", {}).get("config", {})
                       .get("text_max_length", 128))
    for j, text in enumerate(texts):
        if text in captions:
            emb, mask = pack.text_encoder([text], max_length=pack.prior.text_max_length)
        else:
            emb, mask = pack.text_encoder([text])
        tensors[f"emb.{j}"], tensors[f"eq.{j}"] = quantize(emb[0, : int(mask[0].sum())].cpu())
        if text in captions and pack.clasp is not None:
            pooled = pack.clasp.text_tower([text], max_length=tower_length)
            tensors[f"pooled.{j}"] = pooled[0].float().cpu()
    return tensors


def _clip_tensors(i: int, item: StemItem, roles: tp.Sequence[str]) -> dict[str, torch.Tensor]:
    out = {}
    c = item.latents.shape[0] // len(roles)
    for s, role in enumerate(roles):
        if bool(item.parts[s]):
            out[f"z.{i}.{role}"], out[f"q.{i}.{role}"] = quantize(item.latents[s * c:(s + 1) * c])
    for role, notes in (item.structure.notes if item.structure else {}).items():
        out[f"n.{i}.{role}"] = torch.tensor(
            [[n.pitch, n.start_s, n.end_s, n.velocity] for n in notes],
            dtype=torch.float64).reshape(-1, 4)
    if item.clasp_audio is not None:
        out[f"c.{i}"] = item.clasp_audio.float()
    return out


def _clip_record(item: StemItem, split: str, roles: tp.Sequence[str]) -> dict[str, tp.Any]:
    structure = to_jsonable(item.structure) if item.structure is not None else None
    if structure is not None:
        structure["notes"] = sorted(item.structure.notes)  # the roles; notes are tensors
    return {"clip_id": Path(item.path).name, "split": split, "captions": item.captions,
            "structure": structure, "frames": item.frames,
            "frame_offset": item.frame_offset,
            "lyrics": format_lrc(item.lyrics) if item.lyrics is not None else None,
            "parts": [r for r, p in zip(roles, item.parts.tolist()) if p]}


def write_stems_bundle(folder: Path, pack: tp.Any, items: tp.Sequence[tuple[StemItem, str]]
                       ) -> Path:
    """Write `items` ((item, split) pairs, encoded by `pack`) as a bundle into `folder`."""
    from safetensors.torch import save_file

    roles = pack.prior.roles
    folder.mkdir(parents=True, exist_ok=True)
    longest = max(it.frames for it, _ in items)
    latents = {"silent": silent_latent(pack.autoencoder, longest).to(torch.float16).cpu()}
    for i, (item, _split) in enumerate(items):
        latents.update(_clip_tensors(i, item, roles))
    texts, captions = _texts(pack, [it for it, _ in items])
    atomic_write(folder / LATENTS, lambda temp: save_file(latents, str(temp)))
    atomic_write(folder / TEXT, lambda temp: save_file(text_tensors(pack, texts, captions),
                                                        str(temp)))
    atomic_write_text(folder / TEXTS, json.dumps(texts, ensure_ascii=False) + "\n")
    index = {"version": VERSION, "roles": list(roles),
             "latent_channels": pack.prior.latent_channels,
             "frame_rate": pack.prior.frame_rate, "base": pack.name,
             "autoencoder": autoencoder_digest(pack.autoencoder),
             "clips": [_clip_record(it, split, roles) for it, split in items]}
    atomic_write_text(folder / INDEX, json.dumps(index, ensure_ascii=False, indent=1) + "\n")
    return folder


# --- reading -----------------------------------------------------------------------------

@dataclass
class StemBundle:
    """A bundle found as training data: its folder, index and text table; `items(pack)`
    builds the training items once the base pack is loaded."""

    folder: Path
    index: dict[str, tp.Any]
    text: CaptionFeatures

    def summary(self) -> str:
        held = sum(c["split"] in HELD_OUT for c in self.index["clips"])
        return (f"{len(self.index['clips'])} encoded clips of stems ({held} held out) from the "
                f"stems bundle {self.folder}")

    def items(self, pack: tp.Any) -> tuple[list[StemItem], list[StemItem]]:
        """(train, held-out) items for `pack`'s prior (its roles and text length).

        Raises:
            ValueError: the prior's roles or channels differ from the bundle's, or its
                autoencoder is not the one the bundle was encoded with.
        """
        check_fits(self.index, pack, self.folder)
        return read_items(self.folder, self.index, self.text, pack.prior)


def read_stems_bundle(folder: Path) -> StemBundle:
    """The bundle in `folder` (index and text table; latents are read by `items`)."""
    from safetensors.torch import load_file

    index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    if index.get("version") != VERSION:
        raise ValueError(f"{folder / INDEX}: bundle version {index.get('version')!r}, this "
                         f"program reads {VERSION}; rebuild it with scripts/stems_bundle.py")
    texts = json.loads((folder / TEXTS).read_text(encoding="utf-8"))
    raw = load_file(str(folder / TEXT))
    tokens = {t: dequantize(raw[f"emb.{j}"], raw[f"eq.{j}"]) for j, t in enumerate(texts)}
    pooled = {t: raw[f"pooled.{j}"] for j, t in enumerate(texts) if f"pooled.{j}" in raw}
    return StemBundle(folder, index, CaptionFeatures(tokens, pooled, where=str(folder / TEXT)))


def check_fits(index: dict[str, tp.Any], pack: tp.Any, folder: Path) -> None:
    prior = pack.prior
    if list(prior.roles) != index["roles"] or prior.latent_channels != index["latent_channels"]:
        raise ValueError(f"the stems bundle {folder} holds {index['roles']} stems of "
                         f"{index['latent_channels']} channels; the prior makes "
                         f"{list(prior.roles) or 'the mix'} of {prior.latent_channels}: train "
                         "a prior config with the bundle's roles, or rebuild the bundle")
    if autoencoder_digest(pack.autoencoder) != index["autoencoder"]:
        raise ValueError(f"the stems bundle {folder} was encoded by the autoencoder of pack "
                         f"{index['base']!r}, and the base pack's autoencoder differs: train on "
                         "that pack (base), or rebuild the bundle with this one")


def _padded(tokens: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    tokens = tokens.float()[:length]
    emb = torch.zeros(length, tokens.shape[-1])
    mask = torch.zeros(length, dtype=torch.bool)
    emb[: tokens.shape[0]], mask[: tokens.shape[0]] = tokens, True
    return emb, mask


def _structure(record: dict[str, tp.Any], raw: dict[str, torch.Tensor], i: int
               ) -> Structure | None:
    data = record["structure"]
    if data is None:
        return None
    notes = {role: [NoteEvent(int(p), float(a), float(b), int(v))
                    for p, a, b, v in raw[f"n.{i}.{role}"].tolist()] for role in data["notes"]}
    return dataclasses.replace(from_jsonable(Structure, {**data, "notes": {}}), notes=notes)


def read_items(folder: Path, index: dict[str, tp.Any], text: CaptionFeatures, prior: tp.Any
               ) -> tuple[list[StemItem], list[StemItem]]:
    from safetensors.torch import load_file

    raw = load_file(str(folder / LATENTS))
    roles, silent = index["roles"], raw["silent"]
    train, held = [], []
    for i, c in enumerate(index["clips"]):
        frames = int(c["frames"])
        latents = torch.cat([dequantize(raw[f"z.{i}.{r}"], raw[f"q.{i}.{r}"])
                             if r in c["parts"] else silent[:, :frames] for r in roles])
        embeddings = [_padded(text.tokens[t], prior.text_max_length) for t in c["captions"]]
        lyrics = parse_lrc(c["lyrics"].encode("utf-8"))[0] if c.get("lyrics") else None
        item = StemItem(key=c["clip_id"], path=c["clip_id"], latents=latents,
                        embedding=embeddings[0][0], mask=embeddings[0][1],
                        prompt=c["captions"][0], lyrics=lyrics, clasp_audio=raw.get(f"c.{i}"),
                        captions=list(c["captions"]), embeddings=embeddings,
                        structure=_structure(c, raw, i),
                        parts=torch.tensor([r in c["parts"] for r in roles]),
                        frame_offset=int(c.get("frame_offset", 0)))
        (held if c["split"] in HELD_OUT else train).append(item)
    return train, held
