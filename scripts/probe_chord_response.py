"""Does a stems pack listen to the chords it is given? The harmony stem's chroma change
when only the chords change, against its change when only the seed changes.

For each of `--takes` corpus clips: one take as asked (caption, tempo, metre, chords,
notes, lyrics, seed i), the same with the next clip's progression, and the same with seed
i + 100. Prints, per clip and as medians, the mean absolute difference of the harmony
stems' frame-normalised CQT chroma. A pack whose chords steer the harmony changes it at
least as much when the chords change as when the seed does; a figure far below the seed's
means the chords are all but ignored.

    .venv/bin/python scripts/probe_chord_response.py --corpus corpus-genres-seed1 --pack PACK
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_stems import load_clips, request_for, take_of  # noqa: E402


def harmony_chroma(take: dict, sample_rate: int) -> np.ndarray:
    """[12, frames] chroma of the take's harmony stem, each frame summing to 1."""
    import librosa

    chroma = librosa.feature.chroma_cqt(y=take["stems"]["harmony"].mean(0), sr=sample_rate,
                                        hop_length=4096)
    return chroma / (chroma.sum(0, keepdims=True) + 1e-9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a genre corpus (every split)")
    parser.add_argument("--pack", required=True, help="a stems pack (name or folder)")
    parser.add_argument("--takes", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)

    from ainur_studio.inference.generate import generate
    from ainur_studio.models.pretrained import load_pack

    clips = load_clips(args.corpus, split=None, n=args.takes, seconds=args.seconds)
    if len(clips) < 2:
        raise SystemExit(f"{args.corpus} has {len(clips)} clips with stems; at least 2 are "
                         "needed (build it with `main.py corpus build --kind genres`)")
    pack = load_pack(args.pack)
    if "harmony" not in (getattr(pack.prior, "roles", None) or []):
        raise SystemExit(f"{args.pack} generates no harmony stem: give a stems pack")
    rate = pack.sample_rate
    rows = []
    for i, clip in enumerate(clips):
        asked = request_for(clip, pack, seed=i)
        other = dataclasses.replace(asked.structure, chords=clips[(i + 1) % len(clips)]["chords"])
        base = harmony_chroma(take_of(generate(asked, pack)), rate)
        chords = harmony_chroma(take_of(generate(dataclasses.replace(asked, structure=other),
                                                 pack)), rate)
        seed = harmony_chroma(take_of(generate(dataclasses.replace(asked, seed=i + 100), pack)),
                              rate)
        rows.append({"clip": clip["id"], "chords_changed": float(np.abs(base - chords).mean()),
                     "seed_changed": float(np.abs(base - seed).mean())})
        print(json.dumps(rows[-1]), flush=True)
    print(json.dumps({"median_chords_changed": float(np.median([r["chords_changed"] for r in rows])),
                      "median_seed_changed": float(np.median([r["seed_changed"] for r in rows])),
                      "takes": len(rows)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
