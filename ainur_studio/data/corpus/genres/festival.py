"""Festival, the offline speech synthesizer the corpus sings with (build time only, apt).

``run_batch(script, workdir)`` runs one Scheme script with ``festival --batch``;
``syllable_counts(words)`` asks its lexicon how many syllables each word has. The program
is looked up when called (``$FESTIVAL`` wins), never at import.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ainur_studio.data.corpus.deps import MissingDependency

VOICE = "kal_diphone"   # the voice that follows singing mode's notes (see docs/corpus-genres.md)
INSTALL_HINT = ("singing the corpus vocals needs Festival with the kal diphone voice "
                "(Debian/Ubuntu: apt-get install festival festvox-kallpc16k)")
TIMEOUT_S = 600


class SingingError(RuntimeError):
    """Festival failed or disagreed with the score; the message says what and how to fix."""


def find_festival() -> str:
    """Path of the `festival` program (``$FESTIVAL`` wins) or `MissingDependency`."""
    exe = os.environ.get("FESTIVAL") or shutil.which("festival")
    if not exe:
        raise MissingDependency(f"the festival program was not found; {INSTALL_HINT}")
    return exe


def scheme_string(text: str) -> str:
    """`text` as a Scheme string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_batch(script: str, workdir: Path) -> str:
    """Run `script` (Scheme) in `workdir` with the singing voice loaded; its stdout."""
    path = workdir / "script.scm"
    path.write_text(f"(voice_{VOICE})\n{script}\n", encoding="utf-8")
    try:
        done = subprocess.run([find_festival(), "--batch", str(path)], cwd=workdir,
                              capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SingingError(f"festival took over {TIMEOUT_S} s on {path}") from exc
    errors = done.stderr + done.stdout
    if f"voice_{VOICE}" in errors and "unbound variable" in errors:
        raise MissingDependency(f"festival has no {VOICE} voice; {INSTALL_HINT}")
    if done.returncode != 0 or "SIOD ERROR" in errors:
        raise SingingError(f"festival failed (exit {done.returncode}): {errors.strip()[-800:]}")
    return done.stdout


def syllable_counts(words: list[str]) -> dict[str, int]:
    """Syllables per word in Festival's lexicon (CMU dictionary, letter-to-sound rules)."""
    unique = sorted({w.lower() for w in words})
    lookups = "\n".join(
        f'(format t "%s %d\\n" {scheme_string(w)} (length (car (cdr (cdr '
        f'(lex.lookup {scheme_string(w)} nil))))))' for w in unique)
    with tempfile.TemporaryDirectory(prefix="ainur-festival-") as tmp:
        out = run_batch(lookups, Path(tmp))
    counts = {}
    for line in out.splitlines():
        match = re.fullmatch(r"(\S+) (\d+)", line.strip())
        if match:
            counts[match.group(1)] = int(match.group(2))
    return counts
