"""List the installed model packs: name, version, kind, size, sample rate and hash.

Packs are looked up in the app's resources and the user folder (`$AINUR_STUDIO_HOME/models`).
The hash is a sha256 over the component checksums in the pack's pack.json. A fine-tuned (LoRA)
pack is marked `lora`; its note names the base it was trained on and says that it takes a
style strength (`generate --style-strength`).
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per pack")


def human_size(n: int) -> str:
    """Bytes as a short human string (``0 B``, ``12.3 MB``)."""
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def format_table(packs: list[dict]) -> str:
    """A plain text table of pack summaries."""
    rows = [("NAME", "VERSION", "KIND", "SIZE", "RATE", "HASH", "NOTE")]
    for pack in packs:
        rows.append((pack["name"], pack["version"] or "-", pack.get("kind") or "full",
                     human_size(pack["size_bytes"]) if pack["path"] else "built-in",
                     f"{pack['sample_rate']} Hz", pack["hash"][:12] or "-", _note(pack)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1]
                     for r in rows)


def _note(pack: dict) -> str:
    if pack["problem"]:
        return pack["problem"]
    where = str(pack["path"] or "")
    if pack.get("kind") != "lora":
        return where
    base = pack.get("base") or "?"
    return f"fine-tune of {base}; takes --style-strength 0-2 (0 = {base}); {where}"


def run(args: argparse.Namespace) -> int:
    from engine.handlers import default_list_models

    packs = default_list_models()
    if args.json:
        for pack in packs:
            sys.stdout.write(json.dumps(pack) + "\n")
    else:
        sys.stdout.write(format_table(packs) + "\n")
    return 0
