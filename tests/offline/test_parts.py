"""The offline agent's parts, each alone: reading numbers with units, the honest yes/no, the reply wording, unit
conversion, and the resolver asking instead of guessing (through a real conversation on the demo catalog)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.offline.facts import feature_answer, stock_answer, topic_answer
from agent.offline.lexicon import Lexicon
from agent.offline.slots import read_slots
from agent.offline.understanding import normalise, understand
from agent.offline.wording import name_of, say_spec, sentences, spec_highlights
from app.catalog.store import Catalog
from app.catalog.units import convert, spec_key
from app.events import EventKind
from app.runtime import Runtime

KINDS = {"mass", "temperature", "volume", "light", "persons", "length", "time", "power"}


@pytest.fixture(scope="module")
def lexicon(demo_catalog_path: Path) -> Lexicon:
    return Lexicon.from_catalog(Catalog(demo_catalog_path))


def _slots(text: str) -> list[tuple[str, str, float, str | None]]:
    found = read_slots(normalise(text), {"waterproof", "down", "hood"}, KINDS)
    return [(s.key, s.op, s.value, s.unit) for s in found.specs]


@pytest.mark.parametrize(("said", "spec"), [
    ("a headlamp with at least 300 lumens", ("lumens", ">=", 300.0, "lm")),
    ("a bag rated to minus 5", ("temperature", "<=", -5.0, "c")),
    ("warm down to 20 °F", ("temperature", "<=", 20.0, "f")),
    ("a tent under 2 kilos", ("weight", "<", 2.0, "kg")),
    ("something under 12 ounces", ("weight", "<", 12.0, "oz")),
    ("room for a family of five", ("persons", ">=", 5.0, "persons")),
    ("a chair for 150 kilos", ("load", ">=", 150.0, "kg")),
])
def test_a_number_with_a_unit_is_a_spec(said: str, spec: tuple[str, str, float, str | None]) -> None:
    assert spec in _slots(said)


def test_a_fifty_litre_pack_is_about_fifty_litres() -> None:
    assert _slots("a 50 litre pack") == [("capacity", ">=", 42.5, "l"), ("capacity", "<=", 57.5, "l")]


def test_numbers_with_units_are_never_prices_and_bare_numbers_are(lexicon: Lexicon) -> None:
    kilos = understand("tents under 2 kilos", lexicon)
    assert kilos.max_price is None and kilos.slots.specs[0].unit == "kg"
    dollars = understand("which of these are under 80?", lexicon)
    assert dollars.max_price == 80.0 and not dollars.slots.specs and dollars.about_list
    both = understand("between seventy and a hundred twenty dollars", lexicon)
    assert (both.min_price, both.max_price) == (70.0, 120.0)


def test_features_sort_and_shelf(lexicon: Lexicon) -> None:
    jacket = understand("a hooded waterproof jacket", lexicon)
    assert set(jacket.slots.features) >= {"waterproof"} and jacket.category == "rain-jackets"
    assert understand("lowest price at the top", lexicon).slots.sort == "price_asc"
    assert understand("can you put the most expensive first", lexicon).intent == "search"
    assert understand("just what you have on the shelf", lexicon).slots.in_stock_only
    assert "down" not in understand("warm down to 20 F", lexicon).slots.features


@pytest.mark.parametrize("said", ["what's the weather forecast?", "where can I park?", "tell me a joke",
                                  "how's your day going?", "what time do you close?"])
def test_small_talk_is_not_a_search(lexicon: Lexicon, said: str) -> None:
    assert understand(said, lexicon).intent == "smalltalk"


HEADLAMP = {"id": "H1", "name": "Tide 300 Headlamp", "brand": "Bluewater", "price": 54.0, "stock": 4,
            "description": "Fully submersible for paddling.", "short_description": "", "tags": [],
            "specs": {"ip_rating": "IPX7", "lumens": 300, "weight_g": 92}}


def test_yes_no_comes_from_the_data_and_silence_is_not_a_no() -> None:
    assert feature_answer(HEADLAMP, "waterproof", {}).startswith("Yes")
    splash = {**HEADLAMP, "specs": {"ip_rating": "IPX4"}}
    assert "isn't waterproof" not in feature_answer(splash, "waterproof", {})
    stove = {**HEADLAMP, "specs": {"fuel": "canister"}, "description": "Boils fast."}
    silent = feature_answer(stove, "waterproof", {})
    assert "don't say whether it's waterproof" in silent and "staff" in silent
    boot = {**HEADLAMP, "specs": {"waterproof": False}}
    assert feature_answer(boot, "waterproof", {}).startswith("No, its specs say")
    bag = {**HEADLAMP, "specs": {"fill": "synthetic"}}
    assert feature_answer(bag, "down", {"fill": {"down", "synthetic"}}) == \
        "No, the Bluewater Tide 300 Headlamp's fill is synthetic."
    quoted = feature_answer({**HEADLAMP, "specs": {}}, "submersible", {})
    assert quoted == 'The description says: "Fully submersible for paddling."'


def test_measured_answers_and_unknown_stock() -> None:
    assert topic_answer(HEADLAMP, "weight") == "The Bluewater Tide 300 Headlamp weighs 92 g."
    assert topic_answer(HEADLAMP, "brightness") == "The Bluewater Tide 300 Headlamp puts out 300 lumens."
    assert topic_answer({**HEADLAMP, "specs": {}}, "weight") is None
    unknown = stock_answer({**HEADLAMP, "stock": None})
    assert "can't see stock" in unknown and not any(ch.isdigit() for ch in unknown.replace("300", ""))


def test_wording_never_doubles_a_brand_or_leaves_an_empty_sentence() -> None:
    assert name_of({"brand": "TrekReady", "name": "TrekReady Boots"}) == "TrekReady Boots"
    assert name_of({"brand": "TrekReady", "name": "Trail Boots"}) == "TrekReady Trail Boots"
    assert sentences("The tent is $80.", ".", "", "Shall I add it?") == "The tent is $80. Shall I add it?"
    assert ". ." not in sentences("One.", " . ", "Two.")


def test_units_come_from_key_names_and_values() -> None:
    assert say_spec("weight_g_pair", 1180) == "1180 g a pair"
    assert say_spec("comfort_rating_c", -5) == "-5°C"
    assert say_spec("weight", "1.2 kg") == "1.2 kg"
    assert spec_key("breathability_g_m2").unit is None
    assert spec_highlights({"specs": {"capacity_persons": 2, "weight_kg": 1.4, "waterproof": True}}) == \
        "sleeps 2, weight 1.4 kg, waterproof"
    assert round(convert(20, "f", "c"), 2) == -6.67 and round(convert(2, "lb", "g")) == 907


async def test_an_ambiguous_reference_asks_and_adds_nothing(runtime: Runtime) -> None:
    events: list = []
    runtime.bus.subscribe(events.append)
    session = await runtime.conversation.start_session()
    await runtime.conversation.submit_text("family tents")
    mark = len(events)
    await runtime.conversation.submit_text("add the pinecrest one")
    calls = [e.data["name"] for e in events[mark:] if e.kind is EventKind.FUNCTION_CALL]
    reply = next(e.data["text"] for e in events[mark:] if e.kind is EventKind.COMPLETION)
    assert "add_to_cart" not in calls and session.cart.lines == []
    assert reply.startswith("Which one do you mean: the Pinecrest")


async def test_a_model_number_alone_never_picks_a_product(runtime: Runtime) -> None:
    """"the zephyr 7" is not the "Frostline -7" on screen: the name's words must match, not just its number."""
    events: list = []
    runtime.bus.subscribe(events.append)
    session = await runtime.conversation.start_session()
    for said in ("tents under 150", "add the starlight", "sleeping bags", "and the zephyr 7 as well"):
        await runtime.conversation.submit_text(said)
    names = [line.name for line in session.cart.lines]
    assert "Frostline -7 Synthetic Mummy" not in names
    assert names == ["Starlight 2 Dome Tent", "Zephyr 7 Down Bag"]
