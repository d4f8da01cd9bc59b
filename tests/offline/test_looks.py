"""Colours, sizes, spec values said in words and spec-named questions, each part alone: what is read from the words,
and what is answered from a product's data (never more than it says)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.offline.facts import named_spec_answer, part_answer
from agent.offline.looks import colour_answer, colours_in, size_answer
from agent.offline.slots import read_slots
from agent.offline.understanding import normalise

VALUES = {"closure": {"roll-top", "zip", "buckle"}, "colour": {"forest green", "matte black", "red"}}
HELMET: dict[str, Any] = {"name": "Comet Kids Helmet", "brand": "Northloop",
                          "specs": {"colour": "forest green", "sizes": "S-M", "weight": "290 g"}}
BOOT: dict[str, Any] = {"name": "Ridgeline Mid Boot", "brand": "Northpeak", "specs": {"sizes": "US 7-14"}}
STOVE: dict[str, Any] = {"name": "Pocket Flame Stove", "brand": "Kestrel",
                         "specs": {"boil_time_min": 3.5, "weight_g": 78}, "description": "A tiny stove."}


@pytest.mark.parametrize(("said", "feature"), [
    ("a roll top bag", "roll-top"),
    ("any rolltop panniers", "roll-top"),
    ("bags with a zip closure", "zip"),
    ("a forest green bottle", "forest green"),
])
def test_a_spec_value_said_in_words_is_a_feature(said: str, feature: str) -> None:
    slots = read_slots(normalise(said), set(), set(), spec_values=VALUES)
    assert feature in slots.features


def test_a_short_value_alone_is_not_read_as_the_spec() -> None:
    assert "zip" not in read_slots(normalise("zip it up"), set(), set(), spec_values=VALUES).features


@pytest.mark.parametrize(("said", "size"), [
    ("hiking boots in size 10", "10"), ("a helmet in size m", "m"), ("a jacket in a medium", "medium"),
    ("a bike in size 54", "54"),
])
def test_sizes_are_read_as_said(said: str, size: str) -> None:
    assert read_slots(normalise(said), set(), set()).size == size


def test_colours_are_told_apart_from_other_features() -> None:
    assert colours_in(["waterproof", "green", "forest green", "roll-top"]) == ["green", "forest green"]


def test_a_colour_answer_gives_the_listed_colour_and_no_more() -> None:
    assert "forest green" in colour_answer(HELMET, [])
    asked_blue = colour_answer(HELMET, ["blue"])
    assert "forest green" in asked_blue and "don't list it in blue" in asked_blue
    assert "don't list its colour" in colour_answer(BOOT, ["red"])


def test_a_size_answer_reads_the_listed_range() -> None:
    assert "includes size 10" in size_answer(BOOT, "10")
    assert "isn't among them" in size_answer(BOOT, "15")
    assert "includes size medium" in size_answer(HELMET, "medium")
    assert "includes size M" in size_answer(HELMET, "m")
    assert "don't list sizes" in size_answer(STOVE, "10")


def test_a_question_naming_a_spec_is_answered_from_it() -> None:
    assert named_spec_answer(STOVE, "how fast does it boil water?") == \
        "The Kestrel Pocket Flame Stove's boil time is 3.5 min."
    assert named_spec_answer(STOVE, "is there a warranty?") is None


def test_a_part_is_not_answered_with_what_is_said_of_the_whole() -> None:
    tent = {"name": "Fernhill 3 Dome", "brand": "Redfern", "specs": {"waterproof_rating_mm": 2000},
            "description": "The full fly keeps the rain out."}
    whole = "Yes, the Redfern Fernhill 3 Dome has a waterproof rating of 2000 mm."
    answer = part_answer(tent, "floor", "waterproof", whole)
    assert not answer.startswith("Yes") and "floor" in answer and "2000 mm" in answer
    quoted = part_answer({**tent, "description": "The floor is fully waterproof."}, "floor", "waterproof", whole)
    assert quoted == 'The description says: "The floor is fully waterproof."'


def test_a_colour_tag_is_the_products_colour_too() -> None:
    tagged = {"name": "Trail Bottle", "brand": "Acme", "specs": {}, "tags": ["hydration", "blue"]}
    assert colour_answer(tagged, ["blue"]) == "Yes, the Acme Trail Bottle is blue."
