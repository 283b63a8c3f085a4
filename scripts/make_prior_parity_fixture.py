"""Make the prior parity fixture from the published UNetV0 (tests/fixtures/prior_parity/).

Run once, in a throwaway venv with those two packages, from the repository root:

    python -m venv /tmp/x
    /tmp/x/bin/pip install torch==2.14.1 torchaudio==2.11.0 einops tqdm typing_extensions safetensors
    /tmp/x/bin/pip install --no-deps audio-diffusion-pytorch==0.1.3 a-unet==0.0.16
    /tmp/x/bin/python scripts/make_prior_parity_fixture.py

(`--no-deps` skips `data-science-types`, a typing-stub package neither library needs at run
time.) Ainur Studio itself never imports these packages.

It builds two tiny networks with random weights and records their outputs in float32 on CPU:

- `main`: self-attention (depths 1, 2), cross-attention (depths 0, 2), learned CFG null tokens
  (`use_embedding_cfg`) and 2 context channels injected at depth 1. Outputs for guidance scale
  1, for scale 3.5, for scale 2 with fewer tokens than `embedding_max_length`, and with every
  item's tokens dropped (`embedding_mask_proba=1`).
- `plain`: no CFG, two self-attention items per group, `out_channels != in_channels` (a 1x1
  skip adapter at depth 0).

Files: `<name>.safetensors` (the state dict; the config JSON in the metadata) and
`<name>_io.safetensors` (inputs and outputs). `text_conditioned_keys.json` lists the state-dict
keys of `main` built *with* the T5 text plugin (a stand-in encoder, so nothing is downloaded),
which is how the published Ainur prior stores its weights.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import a_unet
import audio_diffusion_pytorch.components as adp_components
import torch
from audio_diffusion_pytorch import UNetV0
from safetensors.torch import save_file
from torch import nn

MAIN = {
    "in_channels": 4, "channels": [8, 16, 16], "factors": [1, 2, 2], "items": [1, 2, 1],
    "attentions": [0, 1, 1], "cross_attentions": [1, 0, 1], "context_channels": [0, 2, 0],
    "attention_features": 4, "attention_heads": 2, "embedding_features": 6,
    "embedding_max_length": 3, "use_embedding_cfg": True, "resnet_groups": 2,
    "modulation_features": 12,
}
PLAIN = {
    "in_channels": 3, "out_channels": 5, "channels": [8, 8], "factors": [2, 2], "items": [1, 1],
    "attentions": [2, 0], "cross_attentions": [0, 1], "attention_features": 4,
    "attention_heads": 2, "embedding_features": 6, "resnet_groups": 4,
    "modulation_features": 12,
}
CFG_SCALE = 3.5


def build(config: dict, seed: int) -> nn.Module:
    """Published UNetV0 with default init, every parameter then perturbed (seeded)."""
    torch.manual_seed(seed)
    net = UNetV0(dim=1, **config)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.2 * torch.randn_like(p))
    return net.eval()


def save_weights(net: nn.Module, config: dict, path: Path) -> None:
    # Shared tensors (the time MLP) are stored as separate copies: safetensors refuses aliases.
    state = {k: v.detach().clone().contiguous() for k, v in net.state_dict().items()}
    save_file(state, str(path), metadata={"config": json.dumps(config)})


@torch.no_grad()
def main_io(net: nn.Module) -> dict[str, torch.Tensor]:
    torch.manual_seed(100)
    x, time = torch.randn(2, 4, 16), torch.rand(2)
    embedding, context = torch.randn(2, 3, 6), torch.randn(2, 2, 8)
    channels = [None, context]
    io = {"x": x, "time": time, "embedding": embedding, "context": context,
          "cfg_scale": torch.tensor(CFG_SCALE)}
    io["out"] = net(x, time, embedding=embedding, channels=channels)
    io["out_cfg"] = net(x, time, embedding=embedding, embedding_scale=CFG_SCALE,
                        channels=channels)
    io["out_cfg_short"] = net(x, time, embedding=embedding[:, :2], embedding_scale=2.0,
                              channels=channels)
    io["out_dropped"] = net(x, time, embedding=embedding, embedding_mask_proba=1.0,
                            channels=channels)
    return io


@torch.no_grad()
def plain_io(net: nn.Module) -> dict[str, torch.Tensor]:
    torch.manual_seed(200)
    x, time, embedding = torch.randn(3, 3, 12), torch.rand(3), torch.randn(3, 5, 6)
    return {"x": x, "time": time, "embedding": embedding,
            "out": net(x, time, embedding=embedding)}


class _StandInTextEncoder(nn.Module):
    """Takes the T5 embedder's place so the text plugin builds offline (keys only)."""

    embedding_features = MAIN["embedding_features"]

    def __init__(self) -> None:
        super().__init__()
        self.transformer = nn.Linear(2, 2)


def text_conditioned_keys() -> list[str]:
    original = adp_components.TextConditioningPlugin
    adp_components.TextConditioningPlugin = lambda net_t: a_unet.TextConditioningPlugin(
        net_t, embedder=_StandInTextEncoder())
    try:
        net = UNetV0(dim=1, use_text_conditioning=True, **MAIN)
    finally:
        adp_components.TextConditioningPlugin = original
    return list(net.state_dict())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("tests/fixtures/prior_parity"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for name, config, seed, make_io in (("main", MAIN, 0, main_io), ("plain", PLAIN, 1, plain_io)):
        net = build(config, seed)
        save_weights(net, config, out / f"{name}.safetensors")
        save_file({k: v.contiguous() for k, v in make_io(net).items()},
                  str(out / f"{name}_io.safetensors"))
    (out / "text_conditioned_keys.json").write_text(json.dumps(text_conditioned_keys(), indent=0))


if __name__ == "__main__":
    main()
