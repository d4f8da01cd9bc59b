"""The suite's runner can fail: a wrong expectation fails with the transcript, a known gap that passes fails the
suite, a misspelt expectation is an error when the file is read, and the second catalog is imported as exported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conversations.bike_store import generate
from tests.conversations.dialogues import SuiteError, load_file
from tests.conversations.sessions import Catalogs, judge


def dialogues(tmp_path: Path, text: str) -> list:  # type: ignore[type-arg]
    path = tmp_path / "topic.yaml"
    path.write_text(text, encoding="utf-8")
    return load_file(path)


def test_a_wrong_expectation_fails_with_the_transcript(tmp_path: Path, conversation_catalogs: Catalogs) -> None:
    [dialogue] = dialogues(tmp_path, """
topic: runner
dialogues:
  - name: expects too much
    turns:
      - says: tents please
        shows: {every: {category: tents}}
      - says: add the first one
        cart_count: 99
""")
    outcome, message = judge(conversation_catalogs.get("demo"), dialogue)
    assert outcome == "fail"
    assert "turn 2: the cart holds" in message
    assert "shopper: tents please" in message and "aisle:" in message and "tool  search_products" in message


def test_a_known_gap_that_passes_fails_the_suite(tmp_path: Path, conversation_catalogs: Catalogs) -> None:
    [gap, failing] = dialogues(tmp_path, """
topic: runner
dialogues:
  - name: not a gap at all
    known_gap: "said to fail, but it does not"
    turns:
      - says: tents
        shows: {every: {category: tents}}
  - name: a real gap
    known_gap: "expects a cart Aisle cannot have"
    turns:
      - says: tents
        cart_count: 5
""")
    assert judge(conversation_catalogs.get("demo"), gap)[0] == "gap_passed"
    assert judge(conversation_catalogs.get("demo"), failing)[0] == "known_gap"


def test_a_misspelt_expectation_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="unknown key"):
        dialogues(tmp_path, """
topic: runner
dialogues:
  - name: typo
    turns:
      - says: tents
        show: {count: 3}
""")


def test_a_bare_yes_is_an_error_not_the_word_true(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="in quotes"):
        dialogues(tmp_path, """
topic: runner
dialogues:
  - name: yes
    turns:
      - says: yes
""")


def test_a_word_missing_for_a_catalog_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="no word 'things'"):
        dialogues(tmp_path, """
topic: runner
dialogues:
  - name: words
    words: {demo: {things: tents}, bikes: {}}
    turns:
      - says: "{things}"
""")


def test_the_second_catalog_is_imported_as_a_shop_exports_it(conversation_catalogs: Catalogs) -> None:
    rows = generate()
    assert all("stock" not in r and "short_description" not in r for r in rows)
    assert all(r["price"].startswith("$") for r in rows) and any("," in r["price"] for r in rows)
    assert any(r["name"].startswith(r["brand"] + " ") for r in rows)
    assert all(r["description"].count("\n\n") >= 2 for r in rows)
    store = conversation_catalogs.get("bikes").store
    assert len(store.products) == len(rows)
    assert store.products["CY-703"].price == 2503.0
    assert all(p.stock is None for p in store.products.values()), "no stock column: stock unknown, not 0"
    assert {p.category for p in store.products.values()} >= {"helmets", "bike-lights", "locks", "tyres"}


@pytest.mark.parametrize(("reply", "problem"), [
    ("Here are the TrekReady TrekReady Boots.", "doubled words"),
    ("I found three locks. . Want details?", "empty sentence"),
    ("Sorry, it is out of stock right now. It's out of stock right now, though.", "same words twice"),
    ("The weight_kg is 1.2.", "meant for code"),
    ("I can help you find tents and sleeping bags.", "another store"),
    ("", "empty"),
])
def test_hygiene_catches_what_a_person_would_notice(conversation_catalogs: Catalogs, reply: str,
                                                    problem: str) -> None:
    from tests.conversations.runner import hygiene

    store = conversation_catalogs.get("bikes").store
    assert any(problem in p for p in hygiene(reply, store, spoken="")), hygiene(reply, store, spoken="")


def test_hygiene_passes_a_clean_reply(conversation_catalogs: Catalogs) -> None:
    from tests.conversations.runner import hygiene

    store = conversation_catalogs.get("bikes").store
    reply = ("The Brightspoke Harrier Front Light is the brightest: 1500 lumens, against 1000 lumens for the Gravelle "
             "Orbit Front Light, 1000 lumens for the Kettle Hill Quill Front Light. Shall I add it?")
    assert hygiene(reply, store, spoken="") == []
    assert hygiene("No, we don't sell tents here.", store, spoken="do you sell tents") == []
