"""Model packs: everything generation needs, in one verified folder.

A pack folder holds `pack.json` (name, version, sample rate, component sha256s, text-encoder
reference, license, training-data note, sampling defaults) and one folder per component
(`autoencoder/`, `prior/`, optionally `clasp/`) with `model_config.json` +
`model.safetensors`. The frozen text encoder is a reference (the bundled MiniLM, a local
folder, or a file-free scratch encoder), not a copy.

Packs are found in the app's `resources/models/` and in `<user data>/models/`
(`AINUR_STUDIO_HOME` overrides the user data folder). `"debug"` needs no files: it is built from
`configs/pack_debug.json` with weights drawn from a fixed seed, identical on every machine; its
prior makes the five stems with a structure track. `"debug-mix"` (`configs/pack_debug_mix.json`,
not listed) is the same pack with a mix-only prior, for work on mix-only data.
"""

from __future__ import annotations

import hashlib
import json
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ainur_studio.errors import PackError
from ainur_studio.fileio import sha256_file
from ainur_studio.models.factory import LEGACY_TYPES, create_model_from_config, load_config
from ainur_studio.paths import shipped_models_dir, user_models_dir

PACK_FORMAT = 1
WEIGHTED = ("autoencoder", "prior", "clasp")  # components with weights, in build order
# Packs written before the latent diffusion model was named "prior" call it "diffusion" (its
# folder, its pack.json key) with config type "latent_diffusion"; they load under the new names.
LEGACY_COMPONENTS = {"diffusion": "prior"}
BUILTIN = "debug"
BUILTINS = {BUILTIN: "pack_debug", "debug-mix": "pack_debug_mix"}  # name -> recipe config


@dataclass
class PackInfo:
    """A pack found on disk (or the built-in debug pack, `path` None)."""

    name: str
    version: str
    path: Path | None
    problem: str = ""


@dataclass
class ModelPack:
    """Loaded, verified components of a pack, in eval mode.

    Attributes:
        autoencoder: `AudioAutoencoder`; prior: `Prior` (text encoder attached);
        text_encoder: `FrozenTextEncoder`; clasp: CLASP model or None.
        configs: component name -> config dict (text encoder included).
        info: the pack.json content (name, version, license, ...); defaults: sampling defaults.
    """

    name: str
    version: str
    sample_rate: int
    autoencoder: tp.Any
    prior: tp.Any
    text_encoder: tp.Any
    clasp: tp.Any | None
    configs: dict[str, dict]
    info: dict[str, tp.Any] = field(default_factory=dict)
    defaults: dict[str, tp.Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def hash(self) -> str:
        """sha256 over the component hashes and configs: identifies the exact weights. It is
        taken over the pack format's first names (`legacy_view`), so a pack keeps its hash, and
        LoRA packs made on it keep fitting, across the renaming."""
        blob = json.dumps({"components": legacy_view(self.info.get("components", {})),
                           "configs": legacy_view(self.configs), "seed": self.info.get("seed")},
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def modules(self) -> dict[str, torch.nn.Module]:
        out = {"autoencoder": self.autoencoder, "prior": self.prior,
               "text_encoder": self.text_encoder}
        if self.clasp is not None:
            out["clasp"] = self.clasp
        return out

    def to(self, device: str | torch.device) -> ModelPack:
        for module in self.modules().values():
            module.to(device)
        return self


# --- where packs live -------------------------------------------------------------------------

RUN_PACK = "pack"  # where a training run folder keeps the pack it exported


def pack_folder(path: str | Path) -> Path | None:
    """The pack folder `path` stands for: itself when it holds `pack.json`, its `pack/`
    subfolder when it is a training run folder; None when it is neither (or not a folder).

    The one place where a folder becomes a pack folder (`load_pack`, LoRA packs, the CLI).
    """
    folder = Path(path).expanduser()
    for candidate in (folder, folder / RUN_PACK):
        if (candidate / "pack.json").is_file():
            return candidate
    return None


def list_packs() -> list[PackInfo]:
    """The built-in debug pack, then packs in `resources/models/` and the user folder."""
    found = [PackInfo(BUILTIN, load_config(f"pack_{BUILTIN}")["version"], None)]
    for root in (shipped_models_dir(), user_models_dir()):
        if root is None or not root.is_dir():
            continue
        for meta in sorted(root.glob("*/pack.json")):
            try:
                data = json.loads(meta.read_text(encoding="utf-8"))
                found.append(PackInfo(str(data["name"]), str(data.get("version", "")),
                                      meta.parent))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                found.append(PackInfo(meta.parent.name, "", meta.parent,
                                      problem=f"unreadable pack.json: {exc}"))
    return found


# --- building, loading, saving ------------------------------------------------------------

def recipe_configs(recipe: dict[str, tp.Any]) -> dict[str, dict]:
    """Each component's config of a recipe (names loaded), with the text encoder's."""
    configs = {}
    for comp, ref in recipe["components"].items():
        configs[comp] = load_config(ref) if isinstance(ref, str) else dict(ref)
    configs["text_encoder"] = dict(recipe["text_encoder"])
    return configs


def assemble_pack(meta: dict[str, tp.Any], configs: dict[str, dict],
                  modules: dict[str, tp.Any], path: Path | None, *,
                  misfit: str | None = None) -> ModelPack:
    """The pack of `modules` (with a "text_encoder"), frozen in eval mode, its components
    checked to fit together; `misfit` opens the error when they do not (default: names the
    pack)."""
    pack = ModelPack(name=str(meta["name"]), version=str(meta.get("version", "")),
                     sample_rate=int(meta["sample_rate"]), autoencoder=modules["autoencoder"],
                     prior=modules["prior"], text_encoder=modules["text_encoder"],
                     clasp=modules.get("clasp"), configs=configs, info=meta,
                     defaults=dict(meta.get("defaults", {})), path=path)
    pack.prior.attach_text_encoder(pack.text_encoder)
    for module in pack.modules().values():
        module.eval().requires_grad_(False)
    problems = check_components(pack)
    if problems:
        if misfit is None:
            misfit = f"pack {path or f'recipe {pack.name!r}'}: components do not fit together"
        raise PackError(f"{misfit}: " + "; ".join(problems))
    return pack


def build_pack(recipe: dict[str, tp.Any], *, seed: int | None = None) -> ModelPack:
    """Build a pack from a recipe (`configs/pack_*.json`) with fresh weights.

    Args:
        recipe: name, version, sample_rate, components (config names or dicts), text_encoder.
        seed: draw the weights deterministically from this seed (default: the recipe's).
    """
    configs = recipe_configs(recipe)
    seed = recipe.get("seed", 0) if seed is None else seed
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        modules = {comp: create_model_from_config(configs[comp])
                   for comp in (*WEIGHTED, "text_encoder") if comp in configs}
    meta = {k: v for k, v in recipe.items() if k not in ("components",)}
    meta["seed"] = seed
    return assemble_pack(meta, configs, modules, None)


def load_pack(name_or_path: str | Path, *, device: str | torch.device = "cpu") -> ModelPack:
    """Load and verify a pack by name (see `list_packs`) or folder path (a pack folder, or a
    training run folder holding its exported pack in `pack/`).

    Raises:
        PackError: not found, a missing or damaged file (sha256 mismatch), bad weights, or
            components that do not fit together (the message names which and why).
    """
    if not Path(name_or_path).expanduser().is_dir() and str(name_or_path) in BUILTINS:
        return build_pack(load_config(BUILTINS[str(name_or_path)])).to(device)
    return _load_folder(find_pack(name_or_path)).to(device)


def find_pack(name_or_path: str | Path) -> Path:
    """The folder of a pack given by installed name or folder path (a pack folder, or a
    training run folder holding its exported pack in `pack/`).

    Raises:
        PackError: not a pack folder, no installed pack of that name, or one with a problem.
    """
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        folder = pack_folder(path)
        if folder is None:
            raise PackError(f"{path} is not a model pack: it has no pack.json (nor "
                            f"{RUN_PACK}/pack.json, as a training run folder has); fix: pass "
                            "the folder of a pack or of a finished training run")
        return folder
    packs = list_packs()
    for info in packs:
        if info.name == str(name_or_path) and info.path is not None:
            if info.problem:
                raise PackError(f"pack {info.name!r} at {info.path}: {info.problem}")
            return info.path
    names = ", ".join(sorted({p.name for p in packs}))
    raise PackError(f"no model pack named {str(name_or_path)!r}; available: {names}; fix: "
                    f"install the pack folder under {user_models_dir()} or pass its path")


def _read_meta(folder: Path) -> dict[str, tp.Any]:
    meta_path = folder / "pack.json"
    if not meta_path.is_file():
        raise PackError(f"{folder} is not a model pack: it has no pack.json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackError(f"{meta_path} is not valid JSON: {exc}") from exc
    missing = [k for k in ("name", "version", "sample_rate", "components", "text_encoder")
               if k not in meta]
    if missing:
        raise PackError(f"{meta_path} lacks {', '.join(missing)}")
    meta["components"] = {LEGACY_COMPONENTS.get(k, k): v for k, v in meta["components"].items()}
    for comp in ("autoencoder", "prior"):
        if comp not in meta["components"]:
            raise PackError(f"{meta_path}: the pack has no {comp!r} component")
    return meta


def load_component(folder: str | Path, comp: str) -> tuple[dict[str, tp.Any], torch.nn.Module]:
    """One component of the pack in `folder` (config and module, its weights checked against
    pack.json), without building the rest (e.g. the prior alone, with no text encoder).

    Raises:
        PackError: no such pack or component, or a damaged or mismatched weights file.
    """
    folder, comp = Path(folder), LEGACY_COMPONENTS.get(comp, comp)
    meta = _read_meta(folder)
    if comp not in meta["components"]:
        raise PackError(f"{folder / 'pack.json'}: the pack has no {comp!r} component; it has "
                        f"{', '.join(meta['components'])}")
    return _load_component(folder, comp, str(meta["components"][comp]["sha256"]))


def _load_component(folder: Path, comp: str, expected_sha: str) -> tuple[dict, tp.Any]:
    from safetensors.torch import load_model

    weights = checked_weights(folder, comp, expected_sha)
    try:
        cfg = json.loads((weights.parent / "model_config.json").read_text(encoding="utf-8"))
        if isinstance(cfg, dict) and cfg.get("type") in LEGACY_TYPES:
            cfg = {**cfg, "type": LEGACY_TYPES[cfg["type"]]}
        module = create_model_from_config(cfg)
        # weights stored in fp16/bf16 are upcast to the module's dtype by load_state_dict
        missing, unexpected = load_model(module, str(weights), strict=False)
    except (ValueError, RuntimeError, KeyError) as exc:
        raise PackError(f"pack {folder}: component {comp!r} does not load: {exc}") from exc
    check_loaded(module, missing, unexpected, f"pack {folder}: component {comp!r}")
    return cfg, module


def checked_weights(folder: Path, comp: str, expected_sha: str) -> Path:
    """The component's model.safetensors in the pack `folder`, with its model_config.json
    beside it and its sha256 the one pack.json gives.

    Raises:
        PackError: a file is missing, or the weights are damaged or replaced.
    """
    where = component_dir(folder, comp)
    weights = where / "model.safetensors"
    for p in (where / "model_config.json", weights):
        if not p.is_file():
            raise PackError(f"pack {folder}: component {comp!r} is missing {p.name}")
    if (found := sha256_file(weights)) != expected_sha:
        raise PackError(f"pack {folder}: {comp}/model.safetensors has sha256 {found[:12]}..., "
                        f"pack.json says {expected_sha[:12]}...: the file is damaged or "
                        "replaced; fix: reinstall the pack")
    return weights


def check_loaded(module: torch.nn.Module, missing: tp.Sequence[str],
                 unexpected: tp.Sequence[str], what: str) -> None:
    """Raise `PackError` naming `what` when loaded weights (`load_model`'s missing and
    unexpected keys) do not match the module, weights a pack does not store aside."""
    missing = [k for k in missing if not k.startswith(external_prefixes(module))]
    if missing or unexpected:
        raise PackError(f"{what} does not match its config: "
                        f"missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}")


def component_dir(folder: Path, comp: str) -> Path:
    """`folder/comp`, or the component's folder under its first name in older packs."""
    old = {new: old for old, new in LEGACY_COMPONENTS.items()}.get(comp)
    if old is not None and not (folder / comp).is_dir() and (folder / old).is_dir():
        return folder / old
    return folder / comp


def legacy_view(named: dict[str, tp.Any]) -> dict[str, tp.Any]:
    """`named` (components or configs by component) under the pack format's first names."""
    old_name = {new: old for old, new in LEGACY_COMPONENTS.items()}
    old_type = {new: old for old, new in LEGACY_TYPES.items()}
    out = {}
    for key, value in named.items():
        if isinstance(value, dict) and value.get("type") in old_type:
            value = {**value, "type": old_type[value["type"]]}
        out[old_name.get(key, key)] = value
    return out


def external_prefixes(module: torch.nn.Module) -> tuple[str, ...]:
    """State-dict prefixes of weights a pack does not store (e.g. CLASP's frozen MiniLM,
    rebuilt from the installed files)."""
    return tuple(getattr(module, "external_state_prefixes", ()))


def _save_weights(module: torch.nn.Module, path: Path, *, text: str,
                  dtype: torch.dtype | None) -> None:
    """Write a component's weights, without external ones or aliases of shared tensors (as
    `save_model` does), floats cast to `dtype` if given."""
    from safetensors.torch import save_file, save_model

    external = external_prefixes(module)
    if dtype is None and not external:
        save_model(module, str(path), metadata={"config": text})
        return
    from safetensors.torch import _remove_duplicate_names

    full = module.state_dict()
    aliases = {name for group in _remove_duplicate_names(full).values() for name in group}
    state = {k: v.detach().to("cpu", dtype if dtype is not None and v.is_floating_point()
                              else v.dtype).contiguous().clone()
             for k, v in full.items() if not k.startswith(external) and k not in aliases}
    save_file(state, str(path), metadata={"config": text})


def _load_folder(folder: Path) -> ModelPack:
    meta = _read_meta(folder)
    configs, modules = {}, {}
    for comp, entry in meta["components"].items():
        if comp not in WEIGHTED:
            raise PackError(f"{folder}/pack.json: unknown component {comp!r}; known: "
                            f"{', '.join(WEIGHTED)}")
        configs[comp], modules[comp] = _load_component(folder, comp, str(entry["sha256"]))
    configs["text_encoder"] = dict(meta["text_encoder"])
    try:
        modules["text_encoder"] = create_model_from_config(configs["text_encoder"])
    except (ValueError, RuntimeError) as exc:
        raise PackError(f"pack {folder}: text encoder unavailable: {exc}") from exc
    return assemble_pack(meta, configs, modules, folder)


def save_pack(pack: ModelPack, folder: str | Path, *, name: str | None = None,
              version: str | None = None, license: str | None = None,
              training_data: str | None = None, dtype: torch.dtype | None = None,
              extra: dict[str, tp.Any] | None = None) -> Path:
    """Write a pack folder that `load_pack` verifies and rebuilds exactly.

    Args:
        pack: the pack to write (e.g. after fine-tuning).
        folder: destination; created, must not already hold a pack.
        name, version, license, training_data: override the pack's own fields.
        dtype: store floating weights in this dtype (e.g. torch.float16 for a smaller pack;
            `load_pack` upcasts them); None keeps the modules' dtypes (exact rebuild).
        extra: more pack.json fields (e.g. training steps, metrics, data licences).
    """
    folder = Path(folder)
    if (folder / "pack.json").exists():
        raise PackError(f"{folder} already holds a pack; choose an empty folder")
    components = {}
    for comp in WEIGHTED:
        module = getattr(pack, comp)
        if module is None:
            continue
        (folder / comp).mkdir(parents=True, exist_ok=True)
        text = json.dumps(pack.configs[comp], indent=2)
        (folder / comp / "model_config.json").write_text(text + "\n", encoding="utf-8")
        weights = folder / comp / "model.safetensors"
        _save_weights(module, weights, text=text, dtype=dtype)
        components[comp] = {"sha256": sha256_file(weights)}
    meta = {"format": PACK_FORMAT, "name": name or pack.name, "version": version or pack.version,
            "sample_rate": pack.sample_rate,
            "license": license or pack.info.get("license", ""),
            "training_data": training_data or pack.info.get("training_data", ""),
            "text_encoder": pack.configs["text_encoder"], "defaults": pack.defaults,
            "components": components, **(extra or {})}
    (folder / "pack.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return folder


# --- compatibility --------------------------------------------------------------------------

def check_components(pack: ModelPack) -> list[str]:
    """Problems that make the components unusable together (empty when they fit)."""
    ae, dm, problems = pack.autoencoder, pack.prior, []
    pairs = [("latent channels", ae.latent_channels, dm.latent_channels),
             ("downsampling ratio", ae.downsampling_ratio, dm.downsampling_ratio),
             ("sample rate", ae.sample_rate, dm.sample_rate),
             ("pack sample rate", pack.sample_rate, ae.sample_rate)]
    width = getattr(pack.text_encoder, "embedding_features", None)
    pairs.append(("text embedding width", width, dm.text_features))
    if pack.clasp is not None and dm.clasp_features is not None:
        pairs.append(("CLASP embedding width", pack.clasp.embed_dim, dm.clasp_features))
    for what, a, b in pairs:
        if a != b:
            problems.append(f"{what}: {a} vs {b}")
    return problems
