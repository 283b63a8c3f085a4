"""Add parts to given ones, and edit a take stem by stem, with the debug pack's stems: given
stems come back bit for bit, the mix is the sum of the output's stems."""

from __future__ import annotations

import pytest
import torch

from ainur_studio.audio.io import audio_read, audio_write
from ainur_studio.inference.errors import GenerationError
from ainur_studio.inference.generate import generate
from ainur_studio.models.stems import mix_stems
from ainur_studio.types import GenerationRequest, Structure, Task, TaskInputs
from tests.ainur_studio.debug_pack import shared_debug_pack

SR = 48_000


@pytest.fixture(scope="module")
def pack():
    return shared_debug_pack()


@pytest.fixture
def parts(tmp_path):
    """A drums and a bass stem of 1.3 s (the bass 0.1 s shorter), float WAV."""
    t = torch.arange(int(1.3 * SR)) / SR
    clicks = (torch.rand(2, t.numel(), generator=torch.Generator().manual_seed(1)) - 0.5)
    drums = clicks * (torch.remainder(t, 0.3) < 0.02)
    bass = 0.4 * torch.sin(2 * torch.pi * 55 * t[: int(1.2 * SR)]).expand(2, -1)
    return {"drums": str(audio_write(tmp_path / "drums.wav", drums, SR, subtype="FLOAT")),
            "bass": str(audio_write(tmp_path / "bass.wav", bass.contiguous(), SR,
                                    subtype="FLOAT"))}


def request(**kw):
    base = dict(prompt="funk", steps=3, seed=2)
    base.update(kw)
    return GenerationRequest(**base)


def test_add_parts_keeps_the_given_stems_exactly(pack, parts):
    r = generate(request(task=Task.ADD_PARTS, variations=2,
                         structure=Structure(parts=["melody", "harmony"], bpm=100.0),
                         inputs=TaskInputs(part_audio=parts)), pack)
    drums, bass = audio_read(parts["drums"]), audio_read(parts["bass"])
    n = drums.shape[-1]
    assert r.given == [["drums", "bass"], ["drums", "bass"]]
    for mix, stems in zip(r.audio, r.stems, strict=True):
        assert list(stems) == ["drums", "bass", "harmony", "melody"]
        assert torch.equal(stems["drums"], drums)
        assert torch.equal(stems["bass"][:, : bass.shape[-1]], bass)
        assert stems["bass"][:, bass.shape[-1]:].eq(0).all()  # padded to the longest part
        assert all(w.shape == (2, n) for w in stems.values())
        assert torch.equal(mix, mix_stems(stems)) and mix.shape == (2, n)
    assert not torch.equal(r.stems[0]["melody"], r.stems[1]["melody"])
    assert r.meta[0]["parts"] == ["harmony", "melody"] and r.meta[0]["task"] == "add-parts"


def test_the_given_parts_condition_the_new_ones(pack, parts, tmp_path):
    quiet = str(audio_write(tmp_path / "quiet.wav", torch.zeros(2, int(1.3 * SR)), SR))
    req = dict(task=Task.ADD_PARTS, structure=Structure(parts=["melody"]))
    a = generate(request(**req, inputs=TaskInputs(part_audio={"drums": parts["drums"]})), pack)
    b = generate(request(**req, inputs=TaskInputs(part_audio={"drums": quiet})), pack)
    assert not torch.equal(a.stems[0]["melody"], b.stems[0]["melody"])


def test_add_parts_errors_are_specific(pack, parts):
    with pytest.raises(GenerationError) as err:
        generate(request(task=Task.ADD_PARTS, structure=Structure(parts=["bass"]),
                         inputs=TaskInputs(part_audio={"drums": "missing.wav"})), pack)
    assert err.value.code == "source_unreadable"
    with pytest.raises(GenerationError) as err:  # both given and asked for: limits say so
        generate(request(task=Task.ADD_PARTS, structure=Structure(parts=["bass"]),
                         inputs=TaskInputs(part_audio=parts)), pack)
    assert err.value.code == "bad_parts"


def test_repaint_one_stem_keeps_the_others_and_the_rest_of_it(pack, parts):
    inputs = TaskInputs(source_audio=parts["drums"], part_audio=parts, region_start_s=0.4,
                        region_end_s=0.9, crossfade_s=0.1)
    r = generate(request(task=Task.REPAINT, inputs=inputs, structure=Structure(parts=["bass"])),
                 pack)
    drums = audio_read(parts["drums"])
    bass = torch.nn.functional.pad(audio_read(parts["bass"]), (0, drums.shape[-1] - int(1.2 * SR)))
    stems = r.stems[0]
    assert list(stems) == ["drums", "bass"] and r.given == [["drums"]]
    assert torch.equal(stems["drums"], drums)
    a, b = int(0.35 * SR), int(0.95 * SR)
    assert torch.equal(stems["bass"][:, :a], bass[:, :a])
    assert torch.equal(stems["bass"][:, b:], bass[:, b:])
    assert not torch.equal(stems["bass"][:, a:b], bass[:, a:b])
    assert torch.equal(r.audio[0], mix_stems(stems))


def test_variation_and_extend_of_stems(pack, parts):
    r = generate(request(task=Task.VARIATION, structure=Structure(parts=["drums"]),
                         inputs=TaskInputs(source_audio=parts["drums"], part_audio=parts,
                                           strength=0.6)), pack)
    drums = audio_read(parts["drums"])
    assert not torch.equal(r.stems[0]["drums"], drums) and r.given == [["bass"]]
    assert torch.equal(r.stems[0]["bass"][:, : int(1.2 * SR)], audio_read(parts["bass"]))
    r = generate(request(task=Task.EXTEND, inputs=TaskInputs(
        source_audio=parts["drums"], part_audio=parts, extend_s=1.0, crossfade_s=0.1)), pack)
    stems, n = r.stems[0], drums.shape[-1]
    assert list(stems) == ["drums", "bass"] and stems["drums"].shape == (2, n + SR)
    assert torch.equal(stems["drums"][:, : n - int(0.1 * SR)], drums[:, : n - int(0.1 * SR)])
    assert torch.equal(r.audio[0], mix_stems(stems))


def test_editing_a_mix_with_a_stems_pack_asks_for_the_stems(pack, parts):
    with pytest.raises(GenerationError, match="inputs.part_audio") as err:
        generate(request(task=Task.REPAINT, inputs=TaskInputs(
            source_audio=parts["drums"], region_start_s=0.1, region_end_s=0.5)), pack)
    assert err.value.code == "needs_stems"


def test_add_parts_samples_around_the_given_latents(pack, parts, monkeypatch):
    """The given stems' channel groups (and the silent roles') are kept in the latent, bit for
    bit; the asked-for ones are generated."""
    import ainur_studio.inference.parts as task

    seen = {}
    decode_edits, encode_source = task.decode_edits, task.encode_source

    def encoded(ctx, src):
        seen["z"] = encode_source(ctx, src)
        return seen["z"]

    def decoded(ctx, z, samples, src):
        seen["out"] = z
        return decode_edits(ctx, z, samples, src)

    monkeypatch.setattr(task, "encode_source", encoded)
    monkeypatch.setattr(task, "decode_edits", decoded)
    generate(request(task=Task.ADD_PARTS, structure=Structure(parts=["vocals"]),
                     inputs=TaskInputs(part_audio=parts)), pack)
    prior, z, out = pack.prior, seen["z"], seen["out"]
    for role in ("drums", "bass", "harmony", "melody"):
        assert torch.equal(out[:, prior.stem_slice(role)], z[:, prior.stem_slice(role)]), role
    vocals = prior.stem_slice("vocals")
    assert not torch.equal(out[:, vocals], z[:, vocals])
