"""Ainur Studio model core: lyrics-aware hierarchical latent diffusion for music.

Kept free of heavy imports: importing this package must not load torch, so the desktop UI can
use its pure modules (`types`, `lyrics`, `project`).
"""

__version__ = "0.1.0"

SAMPLE_RATE = 48_000
CHANNELS = 2
