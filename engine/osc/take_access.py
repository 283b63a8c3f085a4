"""Which files a `deliver` request may send, so that a client holding the engine's TCP token
cannot make the engine send any file it can read.

A file is deliverable when, symlinks followed, it lies inside the engine's takes folder, or it
is one of the files of a take the engine wrote (a take written elsewhere with the generate
request's `output.dir`): named by that take's sidecar and inside the sidecar's folder.
"""

from __future__ import annotations

from pathlib import Path

from engine.osc.take_files import DeliveryError


class TakeAccess:
    """Vets the files of a delivery against the engine's takes folder."""

    def __init__(self, takes_dir: str | Path) -> None:
        self.takes_dir = Path(takes_dir).expanduser().resolve()

    def check(self, files: list[Path], sidecar_folder: Path | None) -> None:
        """Raise `DeliveryError` for the first file that is not deliverable."""
        owner = sidecar_folder.resolve() if sidecar_folder is not None else None
        for path in files:
            real = path.resolve()
            if real.is_relative_to(self.takes_dir):
                continue
            if owner is not None and real.is_relative_to(owner):
                continue
            raise DeliveryError(
                f"take {str(path)!r} is outside the takes folder {str(self.takes_dir)!r} and "
                "is not a file of a take the engine wrote; the engine delivers only its own "
                "takes: give a take in the takes folder, a take folder, or a take's audio "
                "file with its .json sidecar")
