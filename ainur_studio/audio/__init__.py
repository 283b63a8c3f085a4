"""Audio files and signal front-ends: `io` (read/write), `features` (STFT, log-mel),
`losses` (multi-resolution spectral losses). Submodules import torch; this package does not."""
