"""The about box text: version, model packs and licenses."""

from __future__ import annotations

import html
import typing as tp

import PySide6

import ainur_studio


def about_text(models: list[dict[str, tp.Any]]) -> str:
    """Rich text for the about box, listing the installed model packs."""
    rows = []
    for model in models:
        name = html.escape(str(model.get("name", "?")))
        license_ = html.escape(str(model.get("license") or "see the pack's pack.json"))
        size = model.get("size_bytes")
        size_text = f", {size / 1e6:.0f} MB" if isinstance(size, (int, float)) and size else ""
        rows.append(f"<li><b>{name}</b>{size_text} — {license_}</li>")
    packs = "<ul>" + "".join(rows) + "</ul>" if rows else \
        "<p>No model pack reported yet (the engine lists them once it is ready).</p>"
    return (f"<h3>Ainur Studio {ainur_studio.__version__}</h3>"
            "<p>Local music generation next to your DAW: lyrics-aware latent diffusion, "
            "takes delivered by drag-and-drop, files and OSC.</p>"
            f"<p><b>Model packs</b></p>{packs}"
            "<p><b>Licenses</b>: Ainur Studio is MIT licensed. It uses Qt for Python "
            f"(PySide6 {PySide6.__version__}, LGPLv3), PyTorch (BSD), NumPy and SciPy (BSD), "
            "soundfile / libsndfile (BSD / LGPL), python-osc (Unlicense), sounddevice / "
            "PortAudio (MIT). The bundled all-MiniLM-L6-v2 text encoder is Apache-2.0. "
            "Model packs carry their own license and data note.</p>")
