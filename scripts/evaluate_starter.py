"""Measure the starter pack; every figure in docs/starter-model.md comes from this script.

    python scripts/evaluate_starter.py --json build/starter-eval.json --pictures docs/starter

Held-out clips are the corpus manifest's `split: test` rows (whole pieces never trained on).
Sections: autoencoder reconstruction (multi-resolution STFT distance, FAD of reconstructions
vs originals with the CLASP audio embedder), CLASP retrieval (R@1, R@10) and C3, generation
(FAD vs held-out, prompt adherence, real-time factor), and music-likeness figures (tonality
from a chroma key-profile correlation, onset rate from spectral flux) for held-out, generated
and noise clips. Writes spectrogram PNGs (rendered with PySide6's QImage) when asked.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import typing as tp
from pathlib import Path

import starter_report as tables  # the sibling script (Python runs a script with its folder first)
import torch

from ainur_studio import music_metrics as measures

SR = 48_000
INSTRUMENTS = ("piano", "church organ", "strings", "choir", "acoustic guitar", "flute",
               "brass", "harp")
STYLES = ("chorale", "folk song", "string quartet", "madrigal")
KEYS = ("C major", "G major", "D minor", "A minor")


def held_out(manifest: Path, n: int, seconds: float, seed: int = 0) -> list[dict[str, tp.Any]]:
    """Up to `n` held-out clips (one per piece first), each with its first `seconds` loaded."""
    from ainur_studio.audio.io import audio_read
    from ainur_studio.data.corpus.manifest import read_manifest

    rows = [r for r in read_manifest(manifest) if r.get("split") == "test"
            and (manifest.parent / r["audio_path"]).is_file()]
    random.Random(seed).shuffle(rows)
    seen, picked = set(), []
    for r in sorted(rows, key=lambda r: r["piece_id"] in seen):
        if len(picked) >= n:
            break
        seen.add(r["piece_id"])
        wav = audio_read(manifest.parent / r["audio_path"], sample_rate=SR)
        picked.append({**r, "wav": wav[:, : round(seconds * SR)]})
    return picked


def eval_autoencoder(pack: tp.Any, clips: list[dict]
                     ) -> tuple[dict[str, float], list[torch.Tensor], list[torch.Tensor]]:
    """MR-STFT distance of reconstructions (and of chance: a different held-out clip, and
    silence) to the originals; FAD of reconstructions vs originals. Also returns the latents
    ([1, C, L] each) and the reconstructions."""
    from ainur_studio.metrics import fad

    ae, originals, latents, recons = pack.autoencoder, [c["wav"] for c in clips], [], []
    t0 = time.perf_counter()
    with torch.inference_mode():
        for wav in originals:
            latents.append(ae.encode(wav[None]))
            recons.append(ae.decode(latents[-1])[0, :, : wav.shape[-1]])
    seconds = time.perf_counter() - t0
    shifted = originals[1:] + originals[:1]
    return {"clips": len(clips),
            "mrstft_reconstruction": measures.mrstft_mean(recons, originals),
            "mrstft_chance_other_clip": measures.mrstft_mean(shifted, originals),
            "mrstft_chance_silence": measures.mrstft_mean([w * 0 for w in originals], originals),
            "fad_reconstruction_vs_original": fad(pack.clasp, recons, originals),
            "fad_other_half_vs_original": measures.split_fad(pack.clasp, originals),
            "encode_decode_realtime_factor": sum(w.shape[-1] for w in originals) / SR / seconds
            }, latents, recons


def eval_clasp(pack: tp.Any, clips: list[dict]) -> tuple[dict[str, tp.Any], torch.Tensor]:
    """Caption<->audio retrieval among the held-out clips, and C3 where clips have lyrics.
    Also returns the clips' CLASP audio embeddings [N, D]."""
    from ainur_studio.metrics import c3_score, retrieval_metrics

    clasp = pack.clasp
    with torch.inference_mode():
        audio = clasp.embed_audio([c["wav"] for c in clips])
        text = clasp.embed_text([c["caption"] for c in clips])
    sim = text.double() @ audio.double().t()
    out = {"candidates": len(clips), "text_to_audio": retrieval_metrics(sim, ks=(1, 10)),
           "audio_to_text": retrieval_metrics(sim.t(), ks=(1, 10)),
           "chance_r1": 1.0 / len(clips), "chance_r10": min(10 / len(clips), 1.0)}
    sung = [i for i, c in enumerate(clips) if (c.get("lyrics_text") or "").strip()]
    if sung:
        with torch.inference_mode():
            lyr = clasp.embed_lyrics([clips[i]["lyrics_text"] for i in sung])
        out["c3"] = c3_score(audio[sung], lyr)
        out["c3_clips"] = len(sung)
        shuffled = sung[1:] + sung[:1]
        out["c3_mismatched"] = c3_score(audio[shuffled], lyr) if len(sung) > 1 else None
    return out, audio


ANGLES = (0.1, 0.3, 0.5, 0.7, 0.9)


def eval_prior_loss(pack: tp.Any, clips: list[dict], latents: list[torch.Tensor],
                    vectors: torch.Tensor, seed: int = 0) -> dict[str, tp.Any]:
    """The prior's v-loss on held-out clips (never trained on) at fixed angles and seeded noise,
    conditioned on each clip's caption and CLASP audio vector (`vectors`; `latents` from the
    autoencoder): a training-progress figure that needs no listening. Also with the conditions
    nulled (what the conditions are worth)."""
    from ainur_studio.diffusion.denoiser import v_loss_at

    d = pack.prior
    per_angle: dict[str, list[float]] = {f"{s:g}": [] for s in ANGLES}
    nulled, zero = [], []
    with torch.inference_mode():
        for i, c in enumerate(clips):
            z = d.to_prior(latents[i])
            z = z[..., : z.shape[-1] // d.length_multiple * d.length_multiple]
            cond = d.conditions(texts=[c["caption"]], n_frames=z.shape[-1], clasp=vectors[i:i + 1])
            for s in ANGLES:
                gen = torch.Generator().manual_seed(seed + i)
                per_angle[f"{s:g}"].append(v_loss_at(d.predict_v, z, s, cond=d.branch(cond),
                                                     generator=gen))
                gen = torch.Generator().manual_seed(seed + i)
                zero.append(v_loss_at(lambda x, _s, **_: torch.zeros_like(x), z, s, generator=gen))
                if s == 0.5:
                    gen = torch.Generator().manual_seed(seed + i)
                    nulled.append(v_loss_at(d.predict_v, z, s, generator=gen,
                                            cond=d.branch(cond, text=False, clasp=False)))
    means = {k: sum(v) / len(v) for k, v in per_angle.items()}
    return {"clips": len(clips), "angles": list(ANGLES), "v_loss_by_angle": means,
            "v_loss_mean": sum(means.values()) / len(means),
            "v_loss_at_0.5_unconditioned": sum(nulled) / len(nulled),
            "v_loss_mean_zero_predictor": sum(zero) / len(zero),
            "latent_scale": d.latent_scale}


def prompts(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """(prompt, instrument) pairs cycling through instruments with varied styles and keys."""
    rng = random.Random(seed)
    return [(f"{rng.choice(STYLES)}, {INSTRUMENTS[i % len(INSTRUMENTS)]}, {rng.choice(KEYS)}",
             INSTRUMENTS[i % len(INSTRUMENTS)]) for i in range(n)]


def generate_clips(pack: tp.Any, items: list[tuple[str, str]], *, seconds: float, steps: int,
                   guidance: float) -> tuple[list[torch.Tensor], list[dict[str, float]]]:
    """Generate one clip per prompt (seed = index); returns the audio and the timings."""
    from ainur_studio.inference.generate import generate
    from ainur_studio.types import GenerationRequest

    audio, timings = [], []
    for i, (prompt, _) in enumerate(items):
        request = GenerationRequest(prompt=prompt, duration_s=seconds, seed=i, steps=steps,
                                    guidance=guidance)
        result = generate(request, pack)
        audio.append(result.audio[0])
        timings.append(result.timings)
    return audio, timings


def adherence(pack: tp.Any, audio: list[torch.Tensor], items: list[tuple[str, str]]
              ) -> dict[str, float]:
    """How often CLASP ranks the caption with the prompted instrument first among the same
    caption with each other instrument (chance: 1 / number of instruments)."""
    clasp, hits, ranks = pack.clasp, 0, []
    with torch.inference_mode():
        emb = clasp.embed_audio(audio)
        for k, (prompt, instrument) in enumerate(items):
            captions = [prompt.replace(instrument, other) for other in INSTRUMENTS]
            sim = (clasp.embed_text(captions) @ emb[k]).tolist()
            order = sorted(range(len(INSTRUMENTS)), key=lambda j: -sim[j])
            rank = order.index(INSTRUMENTS.index(instrument)) + 1
            hits += rank == 1
            ranks.append(rank)
    return {"top1": hits / len(items), "mean_rank": sum(ranks) / len(ranks),
            "chance_top1": 1 / len(INSTRUMENTS), "chance_mean_rank": (len(INSTRUMENTS) + 1) / 2}


def by_instrument(clips: list[dict], figures: dict[str, list[dict[str, float]]],
                  items: list[tuple[str, str]]) -> dict[str, dict]:
    """Music figures per prompted instrument: the generated clips of that prompt next to the
    held-out clips whose caption lists it and their reconstructions (struck and sustained
    instruments differ a lot). `figures`: `clip_figures` per clip of each set, as in `main`."""
    out = {}
    for name in INSTRUMENTS:
        gen = [f for f, (_, inst) in zip(figures["generated"], items, strict=True)
               if inst == name]
        which = [i for i, c in enumerate(clips) if name in c.get("instruments", [])]
        if gen:
            out[name] = {"generated": measures.summarise(gen), "held_out_clips": len(which),
                         **{part: measures.summarise([figures[part][i] for i in which])
                            if which else None
                            for part in ("held_out", "held_out_reconstructed")}}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pack", default="starter", help="pack name or folder")
    p.add_argument("--manifest", default="corpus/manifest.jsonl")
    p.add_argument("--held-out", type=int, default=32, help="held-out clips (32)")
    p.add_argument("--generate", type=int, default=16, help="generated clips (16)")
    p.add_argument("--seconds", type=float, default=10.0, help="clip length (10 s)")
    p.add_argument("--steps", type=int, default=24)
    p.add_argument("--guidance", type=float, default=4.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", default="build/starter-eval.json")
    p.add_argument("--pictures", default="", help="folder for spectrogram PNGs")
    p.add_argument("--update-pack", action="store_true", help="store metrics in pack.json")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    from ainur_studio.models.pretrained import load_pack

    pack = load_pack(args.pack)
    clips = held_out(Path(args.manifest), args.held_out, args.seconds)
    report: dict[str, tp.Any] = {"pack": f"{pack.name} {pack.hash[:12]}", "threads": args.threads,
                                 "load_average": tables.load_average()}
    report["autoencoder"], latents, recons = eval_autoencoder(pack, clips)
    print(json.dumps(report["autoencoder"]), flush=True)
    report["clasp"], vectors = eval_clasp(pack, clips)
    print(json.dumps(report["clasp"]), flush=True)
    report["prior"] = eval_prior_loss(pack, clips, latents, vectors)
    print(json.dumps(report["prior"]), flush=True)
    items = prompts(args.generate)
    audio, timings = generate_clips(pack, items, seconds=args.seconds, steps=args.steps,
                                    guidance=args.guidance)
    report["generation"] = tables.generation_report(
        pack, audio, timings, clips, seconds=args.seconds, steps=args.steps,
        guidance=args.guidance, split_half=report["autoencoder"]["fad_other_half_vs_original"])
    report["generation"]["prompt_adherence"] = adherence(pack, audio, items)
    figures = {name: [measures.clip_figures(w) for w in wavs] for name, wavs in (
        ("held_out", [c["wav"] for c in clips]), ("held_out_reconstructed", recons),
        ("generated", audio))}
    report["music"] = tables.music_report(figures, seconds=args.seconds)
    report["music"]["by_instrument"] = by_instrument(clips, figures, items)
    print(json.dumps({k: report[k] for k in ("generation", "music")}), flush=True)
    if args.pictures:
        report["pictures"] = tables.pictures(Path(args.pictures), clips, audio, items)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(tables.markdown(report))
    print(tables.instrument_markdown(report))
    if args.update_pack and pack.path is not None:
        tables.store_metrics(pack.path, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
