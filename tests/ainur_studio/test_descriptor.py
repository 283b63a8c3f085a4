"""The text descriptor: one normalised format, and Ainur's form read back into fields."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ainur_studio import descriptor
from ainur_studio.types import PromptFields

FULL = PromptFields(genre=["Alternative Rock", "funk"], instruments=["bass", "drums"],
                    mood=["energetic"], artist="Red Hot Chili Peppers", bpm=96.0,
                    key="e minor", time_signature="4 / 4")


def test_build_prompt_orders_and_normalises_every_field():
    text = descriptor.build_prompt(FULL, "  live   feel ", chunk=(7, 19))
    assert text == ("Red Hot Chili Peppers, Alternative Rock, funk, bass, drums, energetic, "
                    "E minor, 96 BPM, 4/4, live feel, 7 of 19")


def test_build_prompt_skips_empty_and_duplicate_parts():
    fields = PromptFields(genre=["rock", "Rock", " "], instruments=["piano"], bpm=92.5)
    assert descriptor.build_prompt(fields) == "rock, piano, 92.5 BPM"
    assert descriptor.build_prompt(PromptFields()) == ""


@pytest.mark.parametrize("key, expected", [("f#m", "F# minor"), ("Bbmaj", "Bb major"),
                                           ("C", "C major"), ("a MINOR", "A minor"),
                                           ("E♭ min", "Eb minor")])
def test_key_normalisation(key, expected):
    assert descriptor.normalise_key(key) == expected


@pytest.mark.parametrize("fields, message", [
    (PromptFields(key="H major"), "key 'H major'"),
    (PromptFields(bpm=-5), "positive"),
    (PromptFields(time_signature="4/5"), "time signature"),
])
def test_bad_fields_are_refused_with_the_reason(fields, message):
    with pytest.raises(ValueError, match=message):
        descriptor.build_prompt(fields)
    assert descriptor.describe_fields(fields)  # the lenient preview never raises


def test_chunk_position_is_one_based():
    assert descriptor.chunk_position(0.0, 21.85, 415.0) == (1, 19)
    assert descriptor.chunk_position(6 * 21.85, 21.85, 415.0) == (7, 19)
    assert descriptor.chunk_position(414.0, 21.85, 415.0) == (19, 19)
    assert descriptor.chunk_position(5.0, 30.0, 10.0) == (1, 1)
    with pytest.raises(ValueError, match="out of range"):
        descriptor.format_chunk(0, 19)
    with pytest.raises(ValueError, match="crop_s > 0"):
        descriptor.chunk_position(0.0, 0.0, 10.0)


@pytest.mark.parametrize("ainur", [
    "Red Hot Chili Peppers,Alternative Rock,6 of 19",
    "Red Hot Chili Peppers Alternative Rock 6 of 19",
    "Alternative Rock Red Hot Chili Peppers.6 of 19",
    "Alternative Rock_Red Hot Chili Peppers-6 of 19",
    "Red Hot Chili Peppers-Alternative Rock 6 of 19",
])
def test_ainur_descriptors_with_odd_separators_normalise_to_one_form(ainur):
    parsed = descriptor.parse_descriptor(ainur)
    assert parsed.fields.artist == "Red Hot Chili Peppers"
    assert parsed.fields.genre == ["Alternative Rock"]
    assert parsed.chunk == (7, 19)
    assert descriptor.normalise_descriptor(ainur) == (
        "Red Hot Chili Peppers, Alternative Rock, 7 of 19")


def test_hyphenated_names_and_genres_split_at_the_right_place():
    parsed = descriptor.parse_descriptor("Jay-Z-Hip-Hop-0 of 4")
    assert (parsed.fields.artist, parsed.fields.genre, parsed.chunk) == (
        "Jay-Z", ["Hip-Hop"], (1, 4))


def test_ainur_chunk_must_be_zero_based():
    with pytest.raises(ValueError, match="0-based"):
        descriptor.parse_descriptor("Artist,Rock,19 of 19")


def test_our_form_parses_back_into_the_same_prompt():
    text = descriptor.build_prompt(FULL, "live feel", chunk=(7, 19))
    parsed = descriptor.parse_descriptor(text)
    assert parsed.fields.artist == "Red Hot Chili Peppers"
    assert parsed.fields.key == "E minor" and parsed.fields.bpm == 96.0
    assert parsed.free_text == "live feel" and parsed.chunk == (7, 19)
    assert descriptor.build_prompt(parsed.fields, parsed.free_text, chunk=parsed.chunk) == text


def test_free_text_without_structure_stays_free_text():
    parsed = descriptor.parse_descriptor("dreamy lofi beats to study to")
    assert parsed.free_text == "dreamy lofi beats to study to"
    assert parsed.fields == PromptFields()


def test_artist_and_genre_tags_split_like_the_training_data():
    assert descriptor.split_artists("A feat. B & C, D ft. E") == ["A", "B", "C", "D", "E"]
    assert descriptor.split_genres("Rock; Pop, rock") == ["Rock", "Pop"]
    fields = descriptor.fields_from_tags("A vs. B", "Trip Hop, Downtempo")
    assert descriptor.build_prompt(fields, chunk=(1, 2)) == "A & B, Trip Hop, Downtempo, 1 of 2"


def test_unknown_form_is_refused():
    with pytest.raises(ValueError, match="form must be"):
        descriptor.parse_descriptor("x", form="other")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60) | st.text(alphabet="RockPop ,.-_0123456789of BPM/#m", max_size=60))
def test_any_text_parses_or_raises_value_error_only(text):
    try:
        normalised = descriptor.normalise_descriptor(text)
    except ValueError:
        return
    assert "\n" not in normalised and normalised == normalised.strip()
