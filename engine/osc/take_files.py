"""The files one delivery sends: a take's stems by role and its mix, found from the take's
record (`ainur_studio.take_reader`: a take folder, its `take.json`, its mix, or an old single-file
take with its sidecar), or one bare audio file.

`include` picks them for a take with stems:

| include | sends                                                                      |
|---------|----------------------------------------------------------------------------|
| auto    | to a DAW (reaper, bitwig, ableton): the stems (the mix would play them     |
|         | twice); to a receiver (notify, stream, scsynth): the stems, then the mix   |
| stems   | the stems                                                                  |
| mix     | the mix alone (delivered like a single-file take)                          |
| all     | the stems, then the mix                                                    |

A take without stems is its one file whatever `include` says (except "stems", refused), and
naming one stem's file delivers that stem alone. Stems go in `STEM_ROLES` order.
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from ainur_studio.structure import STEM_ROLES
from ainur_studio.take_reader import TakeReadError, read_take, sidecar_of
from ainur_studio.types import Take

MIX = "mix"
INCLUDES = ("auto", "stems", "mix", "all")
DAW_KINDS = ("reaper", "bitwig", "ableton")  # where "auto" leaves the mix out
MAX_SIDECAR_BYTES = 16 * 1024 * 1024         # a bigger "sidecar" is not one of ours


class DeliveryError(RuntimeError):
    pass


@dataclass
class TakeInfo:
    """What a receiver is told about one file of a take."""

    path: Path
    take_id: str = ""
    prompt: str = ""
    bpm: float = 0.0
    bars: float = 0.0
    sample_rate: int = 0
    channels: int = 0
    frames: int = 0
    role: str = MIX   # a stem role (STEM_ROLES) or "mix"

    @classmethod
    def from_file(cls, path: str | Path, **meta: tp.Any) -> TakeInfo:
        p = Path(path).resolve()
        try:
            info = sf.info(str(p))
        except (RuntimeError, sf.LibsndfileError) as exc:
            raise DeliveryError(f"cannot read take {p}: {exc}") from None
        meta.setdefault("take_id", p.stem)
        return cls(p, sample_rate=info.samplerate, channels=info.channels,
                   frames=info.frames, **meta)


@dataclass(frozen=True)
class TakeFiles:
    """The files of one take to deliver, in the order they go out (stems, then the mix)."""

    take_id: str
    files: tuple[TakeInfo, ...]
    folder: Path | None = None    # the take's folder when it is one

    @classmethod
    def single(cls, info: TakeInfo) -> TakeFiles:
        return cls(info.take_id, (info,))

    @property
    def as_parts(self) -> bool:
        """Whether the files go out as parts of a take (several files, or a lone stem)
        rather than as one single-file take, the way deliveries worked before stems."""
        return len(self.files) > 1 or self.files[0].role != MIX

    def paths(self) -> dict[str, str]:
        """Role -> path, for the delivery result."""
        return {f.role: str(f.path) for f in self.files}


def load_take(path: str | Path, *, include: str = "auto", kind: str = "notify",
              check: tp.Callable[[list[Path], Path | None], None] | None = None,
              **meta: tp.Any) -> TakeFiles:
    """The files `include` picks from the take at `path` (see the module docstring).

    `check(files, sidecar_folder)`, when given, vets every file before anything is read
    (`take_access.TakeAccess.check`). `meta` (prompt, bpm, bars) overrides the take's own.

    Raises:
        DeliveryError: naming the take and the fix.
    """
    if include not in INCLUDES:
        raise DeliveryError(f"include must be one of {', '.join(INCLUDES)}, got {include!r}")
    asked = Path(path).expanduser().resolve()
    take = _record(asked)
    chosen = _choose(asked, take, include, kind)
    if check is not None:
        check([p for _, p in chosen], Path(take.sidecar_path).parent if take else None)
    meta = _meta(take, asked, meta)
    files = tuple(TakeInfo.from_file(p, role=role, **meta) for role, p in chosen)
    folder = Path(take.folder) if take is not None and take.folder else None
    return TakeFiles(meta["take_id"], files, folder)


def _record(asked: Path) -> Take | None:
    """The take record describing `asked`, or None for a bare audio file."""
    try:
        sidecar = sidecar_of(asked)
        if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        return read_take(sidecar)
    except (TakeReadError, OSError):
        return None


def _choose(asked: Path, take: Take | None, include: str, kind: str) -> list[tuple[str, Path]]:
    if take is None or not take.parts:
        if include == "stems":
            raise DeliveryError(f"take {asked.name} has no stems (it is a single-file take); "
                                "deliver it with include 'auto' or 'mix'")
        return [(MIX, asked if take is None else Path(take.path).resolve())]
    unknown = [p.role for p in take.parts if p.role not in STEM_ROLES]
    if unknown:
        raise DeliveryError(f"take {asked.name} has parts of unknown role(s) "
                            f"{', '.join(map(repr, unknown))}; the roles are "
                            f"{', '.join(STEM_ROLES)} (its sidecar {take.sidecar_path} is "
                            "damaged or from a newer version)")
    stems = sorted(((p.role, Path(p.path).resolve()) for p in take.parts),
                   key=lambda rp: STEM_ROLES.index(rp[0]))
    alone = [(role, p) for role, p in stems if p == asked]
    if alone:
        return alone
    mix = [(MIX, Path(take.path).resolve())]
    if include == "mix":
        return mix
    if include == "stems" or (include == "auto" and kind in DAW_KINDS):
        return stems
    return stems + mix


def _meta(take: Take | None, asked: Path, given: dict[str, tp.Any]) -> dict[str, tp.Any]:
    """take_id, prompt, bpm and bars: the params' where given, else the take's own."""
    meta = {"take_id": asked.stem, "prompt": "", "bpm": 0.0, "bars": 0.0}
    if take is not None:
        request, structure = take.request, take.request.structure
        name = Path(take.folder).name if take.folder else Path(take.path).stem
        meta.update(take_id=name, prompt=request.prompt,
                    bpm=float(structure.bpm or request.fields.bpm or 0.0),
                    bars=float(structure.bars or 0.0))
    meta.update({k: v for k, v in given.items() if v})
    return meta
