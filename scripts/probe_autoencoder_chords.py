"""Does a pack's autoencoder keep the chords of what it encodes? The chord-bar share of
corpus stems and mixes before and after an encode / decode round trip.

No prior can make chords its autoencoder cannot reproduce: the round trip's share is the
ceiling of the chord row of `evaluate_stems.py`. Prints one JSON line per clip (the share of
the harmony stem and of the mix, original and round-tripped) and the means.

    .venv/bin/python scripts/probe_autoencoder_chords.py --corpus corpus-genres-seed1 --pack starter
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_stems import RATE, load_clips  # noqa: E402


def round_trip(autoencoder: object, wav: np.ndarray) -> np.ndarray:
    """`wav` [2, T] encoded and decoded, cut to T."""
    import torch

    with torch.no_grad():
        z = autoencoder.encode(torch.from_numpy(wav[None]).float())
        return autoencoder.decode(z)[0].numpy()[:, : wav.shape[-1]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a genre corpus")
    parser.add_argument("--pack", default="starter", help="a pack (name or folder)")
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)

    import ainur_studio.structure_measures as sm
    from ainur_studio.models.pretrained import load_pack

    clips = [c for c in load_clips(args.corpus, split=None, n=args.clips, seconds=args.seconds)
             if c["chords"] and c["stems"].get("harmony") is not None]
    if not clips:
        raise SystemExit(f"{args.corpus} has no clips with chords and a harmony stem (build it "
                         "with `main.py corpus build --kind genres`)")
    autoencoder = load_pack(args.pack).autoencoder.eval()
    rows = []
    for clip in clips:
        row: dict[str, object] = {"clip": clip["id"]}
        for name, wav in (("harmony", clip["stems"]["harmony"]), ("mix", clip["mix"])):
            for kind, audio in (("", wav), ("_round_trip", round_trip(autoencoder, wav))):
                row[name + kind] = round(sm.chord_figures(
                    audio, RATE, chords=clip["chords"], bar_times=clip["bar_times"]).share, 3)
        rows.append(row)
        print(json.dumps(row), flush=True)
    keys = [k for k in rows[0] if k != "clip"]
    print(json.dumps({"clips": len(rows), **{k: round(float(np.mean([r[k] for r in rows])), 3)
                                            for k in keys}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
