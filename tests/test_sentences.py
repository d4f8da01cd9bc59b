"""Incremental sentence splitting for streamed replies (audio.synthesizer)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from app.sentences import SentenceSplitter, asplit_sentences, split_sentences


def test_sentences_come_out_as_soon_as_they_end() -> None:
    splitter = SentenceSplitter()
    assert splitter.push("Sure! Here are th") == ["Sure!"]
    assert splitter.push("ree sleeping bags. The fir") == ["Here are three sleeping bags."]
    assert splitter.push("st one is warm") == []
    assert splitter.flush() == ["The first one is warm"]


def test_prices_decimals_and_abbreviations_do_not_split() -> None:
    chunks = ["It costs $1", "49.99 at Dr. Smith's store, ", "made by J. Crew, e.g. the blue one. ", "Want it?"]
    assert list(split_sentences(chunks)) == [
        "It costs $149.99 at Dr. Smith's store, made by J. Crew, e.g. the blue one.",
        "Want it?",
    ]


def test_question_and_exclamation_and_newlines() -> None:
    text = "Great choice! Anything else? 1. Tent\n2. Stove\n"
    assert list(split_sentences(text[i : i + 3] for i in range(0, len(text), 3))) == [
        "Great choice!",
        "Anything else?",
        "1. Tent",
        "2. Stove",
    ]


def test_long_run_on_is_cut_at_a_comma() -> None:
    long = "This tent is light, " * 20
    pieces = list(split_sentences([long], max_chars=100))
    assert len(pieces) > 2
    assert all(len(p) <= 100 for p in pieces)
    assert " ".join(pieces).split() == long.split()


async def test_async_splitter() -> None:
    async def stream() -> AsyncIterator[str]:
        for chunk in ["Hello there. ", "How can I ", "help?"]:
            yield chunk

    assert [s async for s in asplit_sentences(stream())] == ["Hello there.", "How can I help?"]
