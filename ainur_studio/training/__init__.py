"""One trainer for every component (CLASP, autoencoder, prior, fine-tuning adapters).

`loop.Trainer` drives any model exposing `training_losses(batch) -> dict` with a "loss" key;
`checkpoint` saves and restores everything needed for an exact resume without pickling;
`schedule`, `ema`, `data` and `distributed` are its small parts. Nothing is imported eagerly.
"""
