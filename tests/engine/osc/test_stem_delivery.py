"""A take with stems delivered to notify peers, Bitwig (DrivenByMoss) and Live (AbletonOSC):
which files go, the messages each DAW gets for them, and what the result tells the user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ainur_studio.structure import STEM_ROLES
from engine.osc.delivery import DeliveryError, DeliveryOptions, deliver
from engine.osc.take_files import load_take
from engine.osc.transport import parse_osc_url
from tests.engine.osc.conftest import write_take

ALL = [*STEM_ROLES, "mix"]


@pytest.mark.parametrize("kind,include,roles", [
    ("reaper", "auto", list(STEM_ROLES)),   # a DAW: the mix would play the stems twice
    ("bitwig", "auto", list(STEM_ROLES)),
    ("notify", "auto", ALL),                # a receiver: every file
    ("stream", "auto", ALL),
    ("scsynth", "auto", ALL),
    ("reaper", "all", ALL),
    ("stream", "stems", list(STEM_ROLES)),
    ("reaper", "mix", ["mix"]),
])
def test_include_picks_the_files(stem_take, kind, include, roles):
    take, _ = stem_take
    for asked in (take.folder, take.sidecar_path, take.path):  # the folder, take.json, the mix
        files = load_take(asked, include=include, kind=kind)
        assert [f.role for f in files.files] == roles
        assert files.take_id == "sea shanty 1" and files.as_parts == (roles != ["mix"])
        assert files.files[0].prompt == "sea shanty in stems"
        assert files.files[0].bpm == 100.0 and files.files[0].bars == 4.0


def test_one_stem_asked_for_is_delivered_alone(stem_take):
    take, _ = stem_take
    files = load_take(Path(take.folder) / "bass.wav", kind="reaper", include="all")
    assert [f.role for f in files.files] == ["bass"] and files.as_parts


def test_a_single_file_take_is_its_file(tmp_path):
    path = tmp_path / "old take.wav"
    write_take(path, 0.1)
    for include in ("auto", "all", "mix"):
        files = load_take(path, include=include, kind="reaper")
        assert [f.role for f in files.files] == ["mix"] and not files.as_parts
    with pytest.raises(DeliveryError, match="no stems"):
        load_take(path, include="stems")
    with pytest.raises(DeliveryError, match="include must be one of"):
        load_take(path, include="everything")


def test_a_part_of_unknown_role_is_refused(stem_take):
    take, _ = stem_take
    sidecar = Path(take.sidecar_path)
    data = json.loads(sidecar.read_text())
    data["parts"][0]["role"] = "cowbell"
    sidecar.write_text(json.dumps(data))
    with pytest.raises(DeliveryError, match="'cowbell'"):
        load_take(take.folder)


def _deliver(take, peer, kind, **options):
    include = options.pop("include", "auto")
    files = load_take(take.folder, kind=kind, include=include)
    result = deliver(files, parse_osc_url(peer.url), kind, DeliveryOptions(**options))
    return result, peer.heard()


def test_notify_sends_one_message_per_file_with_role_index_and_count(stem_take,
                                                                     ordered_peer):
    take, audio = stem_take
    result, heard = _deliver(take, ordered_peer, "notify")
    folder = Path(take.folder).resolve()
    assert [address for address, _ in heard] == ["/ainur/take/file"] * 6
    for i, ((_, args), role) in enumerate(zip(heard, ALL)):
        assert args[0] == str(folder / f"{role}.wav") and args[1] == "sea shanty 1"
        assert args[2:5] == [48_000, 2, len(audio[role])]
        assert args[5:8] == [100.0, 4.0, "sea shanty in stems"]
        assert args[8:] == [role, i, 6]
    assert result["files"] == {role: str(folder / f"{role}.wav") for role in ALL}


def test_bitwig_fills_consecutive_tracks_of_the_bank_and_says_what_stayed_on_disk(
        stem_take, ordered_peer):
    take, _ = stem_take
    result, heard = _deliver(take, ordered_peer, "bitwig", track=5, slot=2)
    folder = Path(take.folder).resolve()
    assert heard[:4] == [(f"/track/{5 + i}/clip/2/insertFile", [str(folder / f"{role}.wav")])
                         for i, role in enumerate(STEM_ROLES[:4])]
    (address, args), = heard[4:]  # vocals: past track 8, notified instead
    assert address == "/ainur/take/file" and args[8:] == ["vocals", 4, 5]
    assert result["placed"] == list(STEM_ROLES[:4]) and result["left_on_disk"] == ["vocals"]
    assert "vocals" in result["note"] and "Bank Page Size" in result["note"]


def test_bitwig_with_a_bigger_bank_places_every_stem(stem_take, ordered_peer):
    take, _ = stem_take
    result, heard = _deliver(take, ordered_peer, "bitwig", track=5, bank=16)
    assert [address for address, _ in heard] == [f"/track/{5 + i}/clip/1/insertFile"
                                                 for i in range(5)]
    assert "left_on_disk" not in result and "note" not in result


def test_live_gets_a_new_named_track_and_a_clip_per_stem(stem_take, ordered_peer):
    take, _ = stem_take
    result, heard = _deliver(take, ordered_peer, "ableton", track=3, position_beats=16.0)
    folder = Path(take.folder).resolve()
    expected = []
    for i, role in enumerate(STEM_ROLES):
        expected += [("/live/song/create_audio_track", [3 + i]),
                     ("/live/track/set/name", [3 + i, f"Ainur {role}"]),
                     ("/live/track/create_audio_clip", [3 + i, str(folder / f"{role}.wav"),
                                                        16.0])]
    assert heard == expected
    assert "create_audio_clip" in result["note"]  # the user is told what Live needs


def test_a_single_file_take_reaches_each_daw_as_before(tmp_path, ordered_peer):
    path = tmp_path / "old take.wav"
    write_take(path, 0.1)
    target = parse_osc_url(ordered_peer.url)
    for kind, options, expected in [
            ("bitwig", {}, ("/clip/insertFile", [str(path.resolve())])),
            ("bitwig", {"track": 2, "slot": 3}, ("/track/2/clip/3/insertFile",
                                                  [str(path.resolve())])),
            ("ableton", {"track": 1, "position_beats": 8.0},
             ("/live/track/create_audio_clip", [1, str(path.resolve()), 8.0])),
            ("notify", {}, ("/ainur/take", [str(path.resolve()), "old take", 48_000, 2, 4800,
                                            0.0, 0.0, ""]))]:
        result = deliver(load_take(path, kind=kind), target, kind, DeliveryOptions(**options))
        assert ordered_peer.heard() == [expected]
        assert result["path"] == str(path.resolve()) and "note" not in result
