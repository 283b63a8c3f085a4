"""Where training recordings come from: a folder of the user's files or a JSON-lines manifest.

A manifest has one object per clip, paths relative to the manifest file. Both the corpus format
(`audio_path`, `caption`, `lrc_path`, `split`) and the CLASP format (`path`, `text`, `lrc` or
`lyrics`, plain unsynced text) are read; `split: "test"` rows are held out. A latent bundle
(`latent_bundles`) gives the prior its items already encoded; a caption bundle
(`caption_bundles`) gives clips with their captions' text features precomputed (`text`). A
genre corpus of stems (`stems_corpus`) or a stems bundle (`stems_bundle`) gives a stems prior
its clips (`stems`) instead of recordings, unless `kind` says to read the corpus's mixes.
Every file goes through the same checks as a scanned folder, so a broken file is reported
with its reason instead of stopping the run.
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from ainur_studio.data.ingest import DatasetItem, DatasetReport, Skipped, inspect_file, scan_folder
from ainur_studio.fileio import read_jsonl
from ainur_studio.lyrics.errors import LrcError
from ainur_studio.lyrics.lrc import read_lrc


@dataclass
class Sources:
    """Usable recordings (`train`), recordings a manifest holds out (`held_out`), the report;
    from a latent bundle, the encoded items instead (`latents`: train, held out); from a
    caption bundle, also its captions' text features (`text`, a `CaptionFeatures`)."""

    report: DatasetReport
    train: list[DatasetItem] = field(default_factory=list)
    held_out: list[DatasetItem] = field(default_factory=list)
    latents: tuple[list[tp.Any], list[tp.Any]] | None = None
    text: tp.Any = None
    stems: tp.Any = None  # a `stems_corpus.StemCorpus` or a `stems_bundle.StemBundle`

    def summary(self) -> str:
        """What will be trained on, for a person."""
        if self.stems is not None:
            return self.stems.summary()
        if self.latents is None:
            return self.report.summary()
        train, held = self.latents
        return (f"{len(train)} encoded items ({len(held)} held out) from the latent bundle "
                f"{self.report.root}")

    def skipped(self) -> list[dict[str, tp.Any]]:
        """The files the report skipped, with their reasons, as JSON objects."""
        return [dict(s.__dict__) for s in self.report.skipped]


def load_sources(data: str | Path, *, min_seconds: float = 2.0, kind: str = "mix") -> Sources:
    """Scan a folder, read a `.jsonl` manifest, or a latent or caption bundle; with `kind`
    "auto", a genre corpus or a stems bundle as stems, and "stems" requires one; with
    "recordings", each stem a manifest row lists is a recording of its own beside the mix
    (the autoencoder learns single parts as well as mixes).

    Raises:
        FileNotFoundError: `data` does not exist.
        ValueError: a manifest line that is not a JSON object with an audio path; `kind`
            "stems" and `data` holds no stems.
    """
    data = Path(data).expanduser()
    if kind in ("auto", "stems"):
        stems = _stems(data, required=kind == "stems")
        if stems is not None:
            return stems
    if (data / "clips.json").is_file() and any(data.glob("lat-*.safetensors")):
        from ainur_studio.training.latent_bundles import load_items

        return Sources(DatasetReport(str(data)), latents=load_items(data))
    if data.is_dir():
        from ainur_studio.training.caption_bundles import is_caption_bundle, load_bundle

        if is_caption_bundle(data):
            report, train, held, text = load_bundle(data, min_seconds=min_seconds)
            return Sources(report, train=train, held_out=held, text=text)
        report = scan_folder(data, min_seconds=min_seconds)
        return Sources(report, train=list(report.items))
    if not data.is_file():
        raise FileNotFoundError(f"training data {data} does not exist: give a folder of "
                                "recordings or a .jsonl manifest")
    return _from_manifest(data, min_seconds=min_seconds, stems=kind == "recordings")


def _stems(data: Path, *, required: bool) -> Sources | None:
    from ainur_studio.training.stems_bundle import is_stems_bundle, read_stems_bundle
    from ainur_studio.training.stems_corpus import is_stem_corpus, load_stem_corpus

    if data.is_dir() and is_stems_bundle(data):
        bundle = read_stems_bundle(data)
        return Sources(DatasetReport(str(data)), text=bundle.text, stems=bundle)
    if is_stem_corpus(data):
        corpus = load_stem_corpus(data)
        return Sources(corpus.report, stems=corpus)
    if required:
        raise ValueError(f"{data} is neither a genre corpus of stems (a manifest.jsonl whose "
                         "records list \"stems\") nor a stems bundle (scripts/stems_bundle.py)")
    return None


def _rows(path: Path) -> tp.Iterator[tuple[int, dict[str, tp.Any]]]:
    for n, row in read_jsonl(path):
        audio = row.get("audio_path", row.get("path"))
        if not isinstance(audio, str):
            raise ValueError(f'{path}:{n}: expected an object with an "audio_path" (or "path") '
                             "string")
        yield n, row


def _from_manifest(path: Path, *, min_seconds: float, stems: bool = False) -> Sources:
    sources = Sources(DatasetReport(str(path)))
    for n, row in _rows(path):
        audio = path.parent / row.get("audio_path", row.get("path"))
        held = str(row.get("split", "train")).lower() in ("test", "val", "valid", "validation")
        if stems:
            _add_stems(sources, path, n, row, held, min_seconds=min_seconds)
        result = _add(sources, audio, f"{audio.name} (line {n})", held,
                      min_seconds=min_seconds)
        if result is None:
            continue
        caption = row.get("caption", row.get("text"))
        if isinstance(caption, str) and caption.strip():
            result.prompt = caption.strip()
        _attach_lrc(result, path.parent, row.get("lrc_path", row.get("lrc")))
        if result.lyrics is None and isinstance(row.get("lyrics"), str) and row["lyrics"].strip():
            result.lyrics_text, result.lyrics_source = row["lyrics"].strip(), "manifest"
    return sources


def _add_stems(sources: Sources, path: Path, n: int, row: dict[str, tp.Any], held: bool, *,
               min_seconds: float) -> None:
    """The row's stems (`"stems": {role: audio path}`) as recordings, in the row's split."""
    listed = row.get("stems") or {}
    if not isinstance(listed, dict):
        raise ValueError(f'{path}:{n}: "stems" must map each role to an audio path')
    for role, rel in listed.items():
        if not isinstance(rel, str) or not rel:
            continue
        _add(sources, path.parent / rel, f"{Path(rel).name} (line {n}, stem {role})", held,
             min_seconds=min_seconds)


def _add(sources: Sources, audio: Path, where: str, held: bool, *, min_seconds: float
         ) -> DatasetItem | None:
    """`audio` inspected and added to the report and its split, or reported skipped (as
    `where`) and None."""
    result = inspect_file(audio, min_seconds=min_seconds)
    if isinstance(result, Skipped):
        result.path = where
        sources.report.skipped.append(result)
        return None
    sources.report.items.append(result)
    (sources.held_out if held else sources.train).append(result)
    return result


def _attach_lrc(item: DatasetItem, folder: Path, lrc: tp.Any) -> None:
    if not isinstance(lrc, str) or not lrc:
        return
    try:
        lyrics, problems = read_lrc(folder / lrc)
    except (LrcError, OSError) as exc:
        item.warnings.append(f"{lrc}: {exc}")
        return
    item.lyrics, item.lyrics_source = lyrics, "manifest"
    item.warnings += [f"{lrc}: {p}" for p in problems]
