"""generate() with a pack that makes stems (the debug pack): the stems of each output, the mix
as their sum, only the asked parts decoded, lengths in bars, structure guidance; and a mix-only
pack, which refuses parts."""

from __future__ import annotations

import copy

import pytest
import torch

from ainur_studio.inference.errors import GenerationError
from ainur_studio.inference.generate import generate
from ainur_studio.models.factory import load_config
from ainur_studio.models.pretrained import build_pack
from ainur_studio.models.stems import mix_stems
from ainur_studio.types import GenerationRequest, NoteEvent, Structure, Task, TaskInputs
from tests.ainur_studio.debug_pack import shared_debug_pack, shared_mix_pack

SR = 48_000


@pytest.fixture(scope="module")
def pack():
    return shared_debug_pack()


def request(**kw):
    base = dict(prompt="funk, slap bass", duration_s=1.5, steps=3, seed=5)
    base.update(kw)
    return GenerationRequest(**base)


def check_stems(result, roles, samples):
    assert len(result.stems) == len(result.audio) == len(result.given)
    for mix, stems, given in zip(result.audio, result.stems, result.given, strict=True):
        assert list(stems) == roles and given == []
        for wav in stems.values():
            assert wav.shape == (2, samples) and wav.dtype == torch.float32
            assert torch.isfinite(wav).all()
        assert torch.equal(mix, mix_stems(stems))
        assert torch.equal(mix, sum(stems.values()))  # in role order, as floats: exactly


def test_every_role_by_default_and_the_mix_is_their_sum(pack):
    r = generate(request(variations=2), pack)
    check_stems(r, ["drums", "bass", "harmony", "melody", "vocals"], int(1.5 * SR))
    assert not torch.equal(r.stems[0]["drums"], r.stems[0]["bass"])
    assert "structure" not in r.meta[0]


def test_only_the_asked_parts_are_decoded(pack, monkeypatch):
    rows = []
    decode = pack.autoencoder.decode

    def counting(z):
        rows.append(z.shape[0])
        return decode(z)

    monkeypatch.setattr(pack.autoencoder, "decode", counting)
    r = generate(request(structure=Structure(parts=["melody", "drums"]), variations=2), pack)
    check_stems(r, ["drums", "melody"], int(1.5 * SR))  # STEM_ROLES order
    assert sum(rows) == 2 * 2  # 2 outputs x 2 parts
    assert r.meta[0]["structure"] == "conditioned"


def test_same_request_same_stems(pack):
    req = request(structure=Structure(parts=["bass"], bpm=90.0, chords=["Am", "F"]))
    a, b = generate(req, pack), generate(req, pack)
    assert torch.equal(a.stems[0]["bass"], b.stems[0]["bass"])


def test_a_length_in_bars_is_exact(pack):
    st = Structure(parts=["drums", "bass"], bpm=100.0, metre="4/4", bars=4,
                   chords=["Am", "F", "C", "G"])
    r = generate(request(structure=st, steps=2), pack)
    check_stems(r, ["drums", "bass"], 460_800)  # 4 bars at 100 BPM = 9.6 s
    r = generate(request(structure=Structure(bpm=90.0, metre="6/8", bars=1), steps=2), pack)
    assert r.audio[0].shape == (2, 96_000)  # 6 eighths of 1/3 s at 90 quarter notes / min


def test_bars_out_of_range_name_the_length(pack):
    with pytest.raises(GenerationError, match="1 bars at 300 BPM last 0.05 s") as err:
        generate(request(structure=Structure(bpm=300.0, bars=1, metre="1/16")), pack)
    assert err.value.code == "duration_out_of_range"
    with pytest.raises(GenerationError) as err:
        generate(request(structure=Structure(bpm=20.0, bars=512)), pack)
    assert err.value.code == "duration_out_of_range"


def test_chords_without_a_tempo_are_refused(pack):
    with pytest.raises(GenerationError, match="needs a tempo") as err:
        generate(request(structure=Structure(chords=["Am"])), pack)
    assert err.value.code == "bad_chords"


def test_structure_conditions_the_stems(pack):
    plain = generate(request(structure=Structure(parts=["bass"])), pack)
    locked = generate(request(structure=Structure(
        parts=["bass"], bpm=100.0, chords=["E", "A"],
        notes={"bass": [NoteEvent(40, 0.0, 0.3), NoteEvent(45, 0.6, 0.9)]})), pack)
    assert not torch.equal(plain.stems[0]["bass"], locked.stems[0]["bass"])


def test_structure_guidance_is_one_more_branch_only_when_not_one(pack):
    st = Structure(parts=["bass"], bpm=100.0, chords=["Am"])
    base = generate(request(structure=st), pack)
    same = copy.copy(pack)
    same.defaults = {**pack.defaults, "structure_guidance": 1.0}
    assert torch.equal(generate(request(structure=st), same).audio[0], base.audio[0])
    guided = copy.copy(pack)
    guided.defaults = {**pack.defaults, "structure_guidance": 3.0}
    assert not torch.equal(generate(request(structure=st), guided).audio[0], base.audio[0])


def test_best_of_and_interpolation_keep_stems_with_their_outputs(pack):
    r = generate(request(task=Task.BEST_OF, variations=2, inputs=TaskInputs(best_of=3),
                         structure=Structure(parts=["drums", "vocals"])), pack)
    check_stems(r, ["drums", "vocals"], int(1.5 * SR))
    r = generate(request(task=Task.INTERPOLATE, structure=Structure(parts=["harmony"]),
                         inputs=TaskInputs(second_seed=9, interpolation_steps=3)), pack)
    check_stems(r, ["harmony"], int(1.5 * SR))
    end = generate(request(seed=9, structure=Structure(parts=["harmony"])), pack)
    assert torch.equal(r.stems[-1]["harmony"], end.stems[0]["harmony"])


def test_long_takes_chain_windows_of_stems():
    recipe, prior = load_config("pack_debug"), load_config("prior_debug")
    prior["config"]["max_frames"] = 64
    recipe["components"] = {**recipe["components"], "prior": prior}
    pack = build_pack(recipe)
    r = generate(request(duration_s=3.0, structure=Structure(parts=["drums", "bass"],
                                                             bpm=100.0)), pack)
    check_stems(r, ["drums", "bass"], 3 * SR)


# --- a pack that makes only the mix --------------------------------------------------------

def test_a_mix_only_pack_refuses_parts():
    for req in (request(structure=Structure(parts=["drums"])),
                request(task=Task.ADD_PARTS, structure=Structure(parts=["bass"]),
                        inputs=TaskInputs(part_audio={"drums": "drums.wav"}))):
        with pytest.raises(GenerationError, match="makes only the mix; choose a pack with "
                                                  "stems or leave parts empty") as err:
            generate(req, shared_mix_pack())
        assert err.value.code == "no_stems"


def test_a_mix_only_pack_takes_the_structure_as_caption_and_the_bars_as_length():
    mix = shared_mix_pack()
    plain = generate(request(), mix)
    st = generate(request(structure=Structure(bpm=100.0, chords=["Am", "F"])), mix)
    assert torch.equal(plain.audio[0], st.audio[0]) and st.stems == [] and st.given == []
    assert st.meta[0]["structure"] == "caption only"
    bars = generate(request(structure=Structure(bpm=100.0, bars=1)), mix)
    assert bars.audio[0].shape == (2, 115_200)
