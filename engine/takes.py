"""Takes on disk: loudness-normalised, true-peak-limited 48 kHz stereo files with their
generation parameters in the tags, a sidecar JSON (the `Take` record) and the lyrics as LRC.

Every file is written to a temporary name in the destination folder, flushed, and then
published with a hard link (or an exclusive create plus rename where links are missing), so a
reader never sees half a file and an existing file is never overwritten: a clash moves on to
``name-2``, ``name-3``, ...
Temporaries are named ``.NAME.<8 hex digits>.part``; those a killed write left behind are
removed the next time a take is written to the folder.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import os
import re
import stat
import string
import time
import typing as tp
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ainur_studio.types import GenerationRequest, Lyrics, Take
from engine.loudness import LoudnessReport, normalize

log = logging.getLogger(__name__)

SAMPLE_RATE = 48_000
DEFAULT_TEMPLATE = "{date}_{prompt_slug}_{seed}_{n}"
TEMPLATE_FIELDS = ("date", "time", "prompt_slug", "seed", "n", "model", "task", "take_id")
FORMATS = {  # name -> (container, subtype, suffix)
    "wav24": ("WAV", "PCM_24", ".wav"),
    "wav32f": ("WAV", "FLOAT", ".wav"),
    "flac": ("FLAC", "PCM_24", ".flac"),
}
MAX_CLASHES = 10_000
_TAG_COMMENT_MAX = 2000
MAX_TEMPLATE_CHARS = 255
MAX_SPEC_NUMBER = 64   # the largest width or precision a template field may ask for
# room for "-9999", ".json" and the temporary's "." + ".<8 hex>.part" within 255 bytes
MAX_STEM_BYTES = 200
STALE_PART_S = 15 * 60  # a take is written in seconds; older temporaries are left by a kill
_PART_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.part$")


@dataclass(frozen=True)
class TakeOptions:
    """How takes are written.

    Attributes:
        out_dir: Destination folder (created when missing).
        format: ``wav24`` (default), ``wav32f`` or ``flac``.
        loudness_lufs: Integrated-loudness target; None leaves the level alone.
        true_peak_dbtp: Limiter ceiling; None switches the limiter off (PCM then clips).
        template: File-name template, see `TEMPLATE_FIELDS`.
    """

    out_dir: Path
    format: str = "wav24"
    loudness_lufs: float | None = -14.0
    true_peak_dbtp: float | None = -1.0
    template: str = DEFAULT_TEMPLATE

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown take format {self.format!r}; use one of "
                             f"{', '.join(FORMATS)}")
        check_template(self.template)
        if self.loudness_lufs is not None and not -70.0 < self.loudness_lufs <= 0.0:
            raise ValueError(f"loudness target {self.loudness_lufs} LUFS is out of range; "
                             "use a value between -70 and 0 (streaming services use -14)")
        if self.true_peak_dbtp is not None and not -20.0 <= self.true_peak_dbtp <= 0.0:
            raise ValueError(f"true-peak ceiling {self.true_peak_dbtp} dBTP is out of range; "
                             "use a value between -20 and 0 (-1 is the usual choice)")

    @classmethod
    def from_params(cls, params: tp.Mapping[str, tp.Any], *, default_dir: Path) -> TakeOptions:
        """Options from a protocol ``output`` object; missing keys take the defaults."""
        unknown = set(params) - {"dir", "format", "loudness_lufs", "true_peak_dbtp", "template"}
        if unknown:
            raise ValueError(f"unknown output option(s) {', '.join(sorted(unknown))}")
        kwargs: dict[str, tp.Any] = {"out_dir": Path(params.get("dir") or default_dir)}
        for key in ("format", "template"):
            if key in params:
                kwargs[key] = str(params[key])
        for key in ("loudness_lufs", "true_peak_dbtp"):
            if key in params:
                kwargs[key] = None if params[key] is None else float(params[key])
        return cls(**kwargs)


def check_template(template: str) -> None:
    """Raise ValueError if `template` is too long, uses a field that does not exist, or has a
    malformed or oversized format spec (widths and precisions up to `MAX_SPEC_NUMBER`)."""
    if len(template) > MAX_TEMPLATE_CHARS:
        raise ValueError(f"file-name template {template[:40]!r}... is too long "
                         f"({len(template)} characters); keep it to at most "
                         f"{MAX_TEMPLATE_CHARS}")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"file-name template {template!r} is malformed: {exc}") from exc
    fields = [f for _, f, _, _ in parsed if f is not None]
    bad = [f for f in fields if f not in TEMPLATE_FIELDS]
    if bad:
        raise ValueError(f"file-name template {template!r} uses unknown field(s) "
                         f"{', '.join(bad)}; available: {', '.join(TEMPLATE_FIELDS)}")
    if not fields and not template.strip():
        raise ValueError("file-name template is empty")
    for _, name, spec, _ in parsed:
        if name is not None and spec:
            _check_spec(template, name, spec)
    try:
        template.format(**_SAMPLE_VALUES)
    except ValueError as exc:
        raise ValueError(f"file-name template {template!r} has an invalid format spec: "
                         f"{exc}") from exc


_SAMPLE_VALUES = {"date": "2026-01-31", "time": "235959", "prompt_slug": "prompt", "seed": 1,
                  "n": 1, "model": "model", "task": "new", "take_id": "0123456789ab"}


def _check_spec(template: str, name: str, spec: str) -> None:
    if "{" in spec or "}" in spec:
        raise ValueError(f"file-name template {template!r}: {{{name}:{spec}}} has a nested "
                         "field in its format spec; write the width as a number")
    largest = max((int(d) for d in re.findall(r"\d+", spec)), default=0)
    if largest > MAX_SPEC_NUMBER:
        raise ValueError(f"file-name template {template!r}: {{{name}:{spec}}} asks for a width "
                         f"or precision of {largest}; at most {MAX_SPEC_NUMBER} is allowed")


def slugify(text: str, *, max_len: int = 40) -> str:
    """Lower-case ASCII words joined by hyphens; ``untitled`` when nothing is left."""
    words = re.findall(r"[a-z0-9]+", text.lower().encode("ascii", "ignore").decode())
    slug = "-".join(words)[:max_len].strip("-")
    return slug or "untitled"


def render_name(template: str, *, request: GenerationRequest, seed: int, n: int,
                take_id: str, now: _dt.datetime) -> str:
    """The file stem from the template, made safe for every file system."""
    values = {"date": now.strftime("%Y-%m-%d"), "time": now.strftime("%H%M%S"),
              "prompt_slug": slugify(request.prompt), "seed": seed, "n": n,
              "model": slugify(request.model, max_len=24), "task": request.task.value,
              "take_id": take_id}
    check_template(template)
    name = template.format(**values)
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .")
    return _fit(name[:120]) or take_id


def _fit(name: str) -> str:
    """`name` cut to `MAX_STEM_BYTES` of UTF-8 at a character boundary."""
    cut = name.encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", errors="ignore")
    return cut.strip(" .") if len(cut) < len(name) else name


def remove_stale_parts(folder: str | Path, *, older_than_s: float = STALE_PART_S) -> list[Path]:
    """Delete the temporaries (``.NAME.<8 hex>.part`` files) a killed write left in `folder`.

    Only regular files named like ours and untouched for `older_than_s` are removed, so a
    write in progress and anyone else's ``.part`` files are left alone.

    Returns:
        The files removed.
    """
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except OSError:  # missing or unreadable: nothing of ours to clean
        return []
    cutoff = time.time() - older_than_s
    removed = []
    for entry in entries:
        if not _PART_NAME.match(entry.name):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def to_frames(audio: tp.Any, dtype: type = np.float64) -> np.ndarray:
    """A [C, T] tensor or array (C = 1 or 2) -> (T, 2) of `dtype` (a view of `audio` where
    it already has that type: do not change it in place)."""
    if hasattr(audio, "detach"):
        audio = audio.detach().float().cpu().numpy()
    x = np.asarray(audio, dtype=dtype)
    if x.ndim != 2 or x.shape[0] not in (1, 2) or x.shape[1] == 0:
        raise ValueError(f"take audio must be [channels, frames] with 1 or 2 channels, got "
                         f"shape {tuple(x.shape)}")
    if not np.all(np.isfinite(x)):
        raise ValueError("take audio contains NaN or infinite samples; the model output is "
                         "broken (try fewer steps or another sampler)")
    return np.repeat(x, 2, axis=0).T if x.shape[0] == 1 else x.T


def write_take(audio: tp.Any, *, request: GenerationRequest, options: TakeOptions,
               index: int = 0, seed: int | None = None, model_id: str = "",
               model_hash: str = "", timings: tp.Mapping[str, float] | None = None,
               meta: tp.Mapping[str, tp.Any] | None = None,
               sample_rate: int = SAMPLE_RATE, now: _dt.datetime | None = None) -> Take:
    """Normalise, limit and write one take with its sidecar JSON and LRC.

    Args:
        audio: [C, T] samples at `sample_rate` (torch tensor or numpy array).
        request: The request that made it (goes into the tags and the sidecar).
        options: Folder, format, loudness, ceiling, naming template.
        index: Position among the request's outputs (``n`` in the template is index + 1).
        seed: The seed of this output; defaults to ``request.seed + index``.
        meta: What generation says about this output (score, rank, label, t); kept in the
            `Take` and its sidecar, with ``seed`` set to the seed above.

    Returns:
        The `Take` record, with `path`, `sidecar_path` and `lrc_path` filled in.
    """
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"takes are written at {SAMPLE_RATE} Hz, got audio at {sample_rate} "
                         "Hz; resample before writing")
    frames = to_frames(audio)
    frames, report = normalize(frames, sample_rate, target_lufs=options.loudness_lufs,
                               ceiling_dbtp=options.true_peak_dbtp)
    if options.loudness_lufs is not None and abs(report.output_lufs - options.loudness_lufs) > 0.5:
        log.warning("take reached %.1f LUFS instead of %.1f (near-silent or extremely "
                    "peaky audio)", report.output_lufs, options.loudness_lufs)
    now = now or _dt.datetime.now().astimezone()
    seed = request.seed + index if seed is None else int(seed)
    take_id = uuid.uuid4().hex[:12]
    container, subtype, suffix = FORMATS[options.format]
    stem = render_name(options.template, request=request, seed=seed, n=index + 1,
                       take_id=take_id, now=now)
    out_dir = Path(options.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in remove_stale_parts(out_dir):
        log.info("removed %s, left by an interrupted write", stale.name)
    tags = take_tags(request, seed=seed, model_id=model_id, now=now)
    lyrics = request.lyrics if request.lyrics and request.lyrics.lines else None
    audio_path = _publish_audio(out_dir, stem, suffix, frames, sample_rate, container, subtype,
                                tags, with_lrc=lyrics is not None)
    take = Take(take_id=take_id, path=str(audio_path), request=request, model_id=model_id,
                model_hash=model_hash, sample_rate=sample_rate, channels=2,
                frames=len(frames), timings=dict(timings or {}),
                meta={**dict(meta or {}), "seed": seed}, created=now.isoformat())
    if lyrics is not None:
        take.lrc_path = str(audio_path.with_suffix(".lrc"))
        write_new(Path(take.lrc_path), format_lyrics(lyrics).encode("utf-8"))
    take.sidecar_path = str(audio_path.with_suffix(".json"))
    write_new(Path(take.sidecar_path), sidecar_bytes(take, seed=seed, options=options,
                                                     report=report))
    return take


def sidecar_bytes(take: Take, *, seed: int, options: TakeOptions, report: LoudnessReport,
                  **loudness: tp.Any) -> bytes:
    """The sidecar JSON: the `Take` record, its seed and format, and what the loudness stage
    measured and did (`loudness` adds keys to that object)."""
    sidecar = {**take.to_dict(), "seed": seed, "format": options.format,
               "loudness": {"target_lufs": options.loudness_lufs,
                            "ceiling_dbtp": options.true_peak_dbtp,
                            "input_lufs": finite(report.input_lufs),
                            "output_lufs": finite(report.output_lufs),
                            "gain_db": round(report.gain_db, 3),
                            "true_peak_dbtp": finite(report.true_peak_dbtp),
                            "limited": report.limited, **loudness}}
    return (json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def finite(value: float | None) -> float | None:
    """`value` rounded to 3 decimals, or None for None, infinities and NaN (JSON has none)."""
    return round(value, 3) if value is not None and np.isfinite(value) else None


def take_tags(request: GenerationRequest, *, seed: int, model_id: str,
          now: _dt.datetime) -> dict[str, str]:
    params = request.to_dict()
    params["seed"] = seed
    comment = json.dumps(params, ensure_ascii=False, separators=(",", ":"))
    if len(comment) > _TAG_COMMENT_MAX:  # lyrics live in the LRC and the sidecar
        params.pop("lyrics", None)
        comment = json.dumps(params, ensure_ascii=False, separators=(",", ":"))
    return {"title": (request.prompt or "untitled")[:200],
            "artist": "Ainur Studio", "software": f"Ainur Studio ({model_id or request.model})",
            "comment": comment[:_TAG_COMMENT_MAX], "date": now.strftime("%Y-%m-%d"),
            "genre": ", ".join(request.fields.genre)[:200]}


def _publish_audio(out_dir: Path, stem: str, suffix: str, frames: np.ndarray,
                   sample_rate: int, container: str, subtype: str, tags: dict[str, str],
                   *, with_lrc: bool) -> Path:
    """Write to a temporary file, then claim the first free ``stem[-k]`` name for it."""
    tmp = out_dir / f".{stem}.{uuid.uuid4().hex[:8]}.part"
    try:
        write_audio_file(tmp, frames, sample_rate, container, subtype, tags)
        for k in range(1, MAX_CLASHES):
            name = stem if k == 1 else f"{stem}-{k}"
            siblings = [out_dir / f"{name}{ext}" for ext in (".json", ".lrc")]
            if any(s.exists() for s in siblings[: 2 if with_lrc else 1]):
                continue
            target = out_dir / f"{name}{suffix}"
            if _claim(tmp, target):
                return target
        raise FileExistsError(f"no free file name for {stem!r} in {out_dir}")
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_audio_file(path: Path, frames: np.ndarray, sample_rate: int, container: str,
                     subtype: str, tags: tp.Mapping[str, str]) -> Path:
    """Write (T, 2) `frames` with `tags` to `path` (a fresh temporary) and fsync it."""
    with sf.SoundFile(path, "w", samplerate=sample_rate, channels=2, format=container,
                      subtype=subtype) as f:
        for key, value in tags.items():
            if value:
                setattr(f, key, value)
        f.write(frames)
    _fsync_path(path)
    return path


def _claim(tmp: Path, target: Path) -> bool:
    """Publish `tmp` as `target` unless `target` exists; True on success."""
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError:  # no hard links here (some network or FAT file systems)
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        os.close(fd)
        os.replace(tmp, target)  # replaces only the empty placeholder we just created
        return True


def write_new(path: Path, data: bytes) -> Path:
    """Write `data` atomically to `path`, which must not exist yet.

    Raises:
        FileExistsError: if `path` exists (it is left untouched).
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if not _claim(tmp, path):
            raise FileExistsError(f"{path} already exists; it was not overwritten")
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def format_lyrics(lyrics: Lyrics) -> str:
    """LRC text for the take's lyrics (word stamps kept)."""
    from ainur_studio.lyrics.lrc_write import format_lrc

    return format_lrc(lyrics)
