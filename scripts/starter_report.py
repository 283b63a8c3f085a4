"""The starter report's tables, stored figures and pictures, for `evaluate_starter.py`; the
measures themselves are `ainur_studio.music_metrics`."""

from __future__ import annotations

import json
import os
import typing as tp
from pathlib import Path

import numpy as np
import torch

from ainur_studio.music_metrics import SR, describe, summarise


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def music_report(figures: dict[str, list[dict[str, float]]], *, seconds: float
                 ) -> dict[str, tp.Any]:
    """Music-likeness figures of each set in `figures` (`clip_figures` per clip; held-out,
    generated, and the autoencoder's reconstructions of the held-out clips: the most a prior
    can reach through this decoder), and of white noise (chance; 8 clips of `seconds`)."""
    g = torch.Generator().manual_seed(0)
    noise = [0.1 * torch.randn(2, round(seconds * SR), generator=g) for _ in range(8)]
    return {**{name: summarise(rows) for name, rows in figures.items()},
            "white_noise": describe(noise)}


def generation_report(pack: tp.Any, audio: list[torch.Tensor], timings: list[dict[str, float]],
                      clips: list[dict], *, seconds: float, steps: int, guidance: float,
                      split_half: float) -> dict[str, tp.Any]:
    """FAD of generated vs held-out clips (with the split-half floor `split_half`, measured
    for the autoencoder), timings and RTF."""
    from ainur_studio.metrics import fad

    real = [c["wav"] for c in clips]
    stages = sorted({k for t in timings for k in t})
    mean = {k: float(np.mean([t.get(k, 0.0) for t in timings])) for k in stages}
    return {"clips": len(audio), "seconds": seconds, "steps": steps, "guidance": guidance,
            "fad_generated_vs_held_out": fad(pack.clasp, audio, real),
            "fad_held_out_split_half": split_half,
            "timings_mean_s": mean,
            "realtime_factor": seconds / mean["total"] if mean.get("total") else None,
            "threads": torch.get_num_threads(), "load_average": load_average()}


def store_metrics(folder: Path, report: dict[str, tp.Any]) -> None:
    """Put the headline figures into the pack's pack.json (component hashes unchanged)."""
    meta_path = folder / "pack.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    ae, cl, gen = report["autoencoder"], report["clasp"], report["generation"]
    meta["metrics"] = {
        "source": "scripts/evaluate_starter.py (see docs/starter-model.md)",
        "autoencoder_mrstft": ae["mrstft_reconstruction"],
        "autoencoder_mrstft_chance": ae["mrstft_chance_other_clip"],
        "autoencoder_fad": ae["fad_reconstruction_vs_original"],
        "clasp_text_to_audio": cl["text_to_audio"], "clasp_candidates": cl["candidates"],
        "c3": cl.get("c3"),
        "fad_generated_vs_held_out": gen["fad_generated_vs_held_out"],
        "prompt_adherence_top1": gen["prompt_adherence"]["top1"],
        "realtime_factor_cpu": gen["realtime_factor"],
        "key_strength_generated": report["music"]["generated"]["key_strength"],
        "key_strength_held_out": report["music"]["held_out"]["key_strength"]}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def spectrogram_png(wav: torch.Tensor, path: Path, *, height: int = 160) -> None:
    """A log-mel spectrogram (low frequencies at the bottom) as a PNG, via PySide6's QImage."""
    from PySide6.QtGui import QImage

    from ainur_studio.audio.features import LogMelSpectrogram

    mel = LogMelSpectrogram(sample_rate=SR, n_fft=2048, hop_length=512, n_mels=height)
    with torch.inference_mode():
        m = mel(wav.float().mean(0, keepdim=True)[None])[0, 0].numpy()
    top = m.max()
    img = np.clip((m - (top - 8.0)) / 8.0, 0, 1)[::-1]  # 8 natural-log units of range
    rgb = np.stack([img ** 0.6, img ** 1.5, 0.35 + 0.4 * img - 0.3 * img ** 2], axis=-1)
    data = np.ascontiguousarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8))
    h, w, _ = data.shape
    QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy().save(str(path))


def pictures(folder: Path, clips: list[dict], audio: list[torch.Tensor],
             items: list[tuple[str, str]], count: int = 4) -> list[dict[str, str]]:
    """Spectrograms of `count` generated and held-out clips; returns file names + captions."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(min(count, len(audio), len(clips))):
        gen, real = folder / f"generated-{i}.png", folder / f"held-out-{i}.png"
        spectrogram_png(audio[i], gen)
        spectrogram_png(clips[i]["wav"], real)
        out.append({"generated": gen.name, "prompt": items[i][0], "held_out": real.name,
                    "caption": clips[i]["caption"]})
    return out


def _music_row(mu: dict[str, tp.Any], label: str, key: str) -> tuple[str, str, str]:
    return (label, f"generated {mu['generated'][key]:.1f}",
            f"held-out {mu['held_out'][key]:.1f}, their reconstructions "
            f"{mu['held_out_reconstructed'][key]:.1f}; white noise {mu['white_noise'][key]:.1f}")


def instrument_markdown(report: dict[str, tp.Any]) -> str:
    """The per-instrument table of docs/starter-model.md: generated / held-out /
    reconstructed held-out for each figure."""
    keys = (("onset_contrast", "Onset sharpness"), ("onsets_per_s", "Onsets per s"),
            ("pitch_change_contrast_median", "Pitch-change sharpness"),
            ("key_strength", "Key strength"))
    lines = ["| Instrument | " + " | ".join(f"{title} gen. / held-out / recon."
                                            for _, title in keys) + " |",
             "|---" * (len(keys) + 1) + "|"]
    for name, row in report["music"]["by_instrument"].items():
        cells = []
        for key, _ in keys:
            parts = [row["generated"][key]] + [row[part][key] if row[part] else None
                                               for part in ("held_out", "held_out_reconstructed")]
            digits = 2 if key == "key_strength" else 1
            cells.append(" / ".join("n/a" if v is None else f"{v:.{digits}f}" for v in parts))
        lines.append(f"| {name} ({row['held_out_clips']} held-out) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(report: dict[str, tp.Any]) -> str:
    """The results table of docs/starter-model.md from a report."""
    ae, cl, gen, mu = (report["autoencoder"], report["clasp"], report["generation"],
                       report["music"])
    t2a, a2t, adh = cl["text_to_audio"], cl["audio_to_text"], gen["prompt_adherence"]
    t, pr = gen["timings_mean_s"], report["prior"]
    rows = [
        ("Autoencoder: multi-resolution STFT distance, reconstruction vs original "
         f"({ae['clips']} held-out clips, 10 s)", f"{ae['mrstft_reconstruction']:.2f}",
         f"another held-out clip {ae['mrstft_chance_other_clip']:.2f}; silence "
         f"{ae['mrstft_chance_silence']:.2f}"),
        ("Autoencoder: FAD (CLASP audio embedder) reconstructions vs originals",
         f"{ae['fad_reconstruction_vs_original']:.3f}",
         f"half of the originals vs the other half {ae['fad_other_half_vs_original']:.3f}"),
        ("Autoencoder: encode + decode speed (2 threads)",
         f"{ae['encode_decode_realtime_factor']:.1f}x real time", ""),
        (f"CLASP caption -> audio retrieval among {cl['candidates']} held-out clips: R@1 / R@10",
         f"{t2a['R@1']:.3f} / {t2a['R@10']:.3f}",
         f"chance {cl['chance_r1']:.3f} / {cl['chance_r10']:.3f}"),
        ("CLASP audio -> caption retrieval: R@1 / R@10", f"{a2t['R@1']:.3f} / {a2t['R@10']:.3f}",
         f"chance {cl['chance_r1']:.3f} / {cl['chance_r10']:.3f}"),
        (f"C3 (audio vs its lyrics, {cl.get('c3_clips', 0)} sung held-out clips)",
         f"{cl['c3']:.3f}" if cl.get("c3") is not None else "n/a",
         f"mismatched pairs {cl['c3_mismatched']:.3f}" if cl.get("c3_mismatched") is not None
         else ""),
        ("Prior: v-loss on held-out clips, mean of angles 0.1-0.9 (at 0.5: conditioned / "
         "conditions nulled)", f"{pr['v_loss_mean']:.3f} ({pr['v_loss_by_angle']['0.5']:.3f} / "
         f"{pr['v_loss_at_0.5_unconditioned']:.3f})",
         f"a network that predicts zeros {pr['v_loss_mean_zero_predictor']:.3f}"),
        (f"FAD generated ({gen['clips']} x {gen['seconds']:.0f} s) vs held-out",
         f"{gen['fad_generated_vs_held_out']:.3f}",
         f"held-out split half {gen['fad_held_out_split_half']:.3f}"),
        ("Prompt adherence: CLASP ranks the prompted instrument's caption first (of 8)",
         f"{adh['top1']:.3f} (mean rank {adh['mean_rank']:.2f})",
         f"chance {adh['chance_top1']:.3f} (mean rank {adh['chance_mean_rank']:.1f})"),
        ("Generation of 10 s, 24 steps, CFG (2 threads): text / prior / decode / total",
         f"{t['text']:.2f} / {t['prior']:.2f} / {t['decode']:.2f} / {t['total']:.2f} s = "
         f"{gen['realtime_factor']:.1f}x real time", f"load average {gen['load_average']}"),
        ("Tonality: best key-profile correlation of the chroma, mean (min)",
         f"generated {mu['generated']['key_strength']:.2f} "
         f"({mu['generated']['key_strength_min']:.2f})",
         f"held-out {mu['held_out']['key_strength']:.2f} "
         f"({mu['held_out']['key_strength_min']:.2f}); white noise "
         f"{mu['white_noise']['key_strength']:.2f}"),
        _music_row(mu, "Onset sharpness: top 5 % spectral flux / median flux, mean",
                   "onset_contrast"),
        _music_row(mu, "Spectral-flux onsets per second, mean", "onsets_per_s"),
        _music_row(mu, "Pitch-change sharpness: top 5 % chroma change over 85 ms / median, "
                   "median of the clips", "pitch_change_contrast_median"),
        ("Level (RMS dBFS)", f"generated {mu['generated']['rms_dbfs']:.1f}",
         f"held-out {mu['held_out']['rms_dbfs']:.1f}"),
    ]
    lines = ["| Measure | Starter pack | Reference / chance |", "|---|---|---|"]
    return "\n".join(lines + [f"| {a} | {b} | {c} |" for a, b, c in rows])
