"""Spoken numbers to digits (audio.numbers)."""

from __future__ import annotations

import pytest

from audio.numbers import number_to_words, parse_number, words_to_digits


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("one hundred fifty dollars", "150 dollars"),
        ("show me sleeping bags under one hundred fifty dollars", "show me sleeping bags under 150 dollars"),
        ("one hundred and fifty", "150"),
        ("a hundred bucks", "100 bucks"),
        ("one thousand", "1000"),
        ("one thousand two hundred fifty", "1250"),
        ("twenty five", "25"),
        ("twenty-five", "25"),
        ("nine hundred ninety nine", "999"),
        ("add two of those to my cart", "add 2 of those to my cart"),
        ("add one to my cart", "add 1 to my cart"),
        ("between one hundred and two hundred dollars", "between 100 and 200 dollars"),
        ("two point five liters", "2.5 liters"),
        ("zero", "0"),
        ("Seventy Five Dollars.", "75 Dollars."),
        ("eleven twelve", "11 12"),
    ],
)
def test_numbers_become_digits(spoken: str, written: str) -> None:
    assert words_to_digits(spoken) == written


@pytest.mark.parametrize(
    "text",
    [
        "tell me more about the second one",
        "which one is cheaper",
        "the cheapest one",
        "this one",
        "check out",
        "what's in my cart",
        "a tent",
        "",
    ],
)
def test_words_that_are_not_amounts_stay(text: str) -> None:
    assert words_to_digits(text) == text


def test_parse_number_reports_tokens_used() -> None:
    assert parse_number("one hundred fifty dollars".split()) == (150, 3)
    assert parse_number(["dollars"]) is None


@pytest.mark.parametrize("n", [0, 1, 9, 10, 15, 20, 21, 99, 100, 101, 150, 999, 1000, 1001, 2024, 65000])
def test_round_trip(n: int) -> None:
    assert words_to_digits(number_to_words(n)) == str(n)
