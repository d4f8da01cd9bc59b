"""Needs in plain words, matched against a third store the conversation suite never sees: a small travel-goods shop
imported for real, whose categories ("Kettles", "Travel Mugs", "Padlocks", "Umbrellas", "Neck Pillows") share no
names with the demo store or the bike shop. The purposes are general English; which category serves each one is read
from this catalog's own names, tags and copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.offline.lexicon import Lexicon
from agent.offline.need_purposes import read_needs
from agent.offline.understanding import normalise
from app.catalog.importer import import_catalog
from app.catalog.store import Catalog
from app.compose.runtime import build_runtime
from app.events import Event, EventKind
from app.settings import load_settings

ROWS = {
    "Kettles": [("Brisk Travel Kettle", "A folding kettle that boils half a litre in four minutes.", ["travel"]),
                ("Hotel Mini Kettle", "A small electric kettle for hotel rooms; boils a mug of water.", ["compact"]),
                ("Dual Voltage Kettle", "A kettle that works on any mains voltage.", ["dual-voltage"])],
    "Travel Mugs": [("Commuter Insulated Mug", "A vacuum insulated mug that keeps coffee hot for six hours.",
                     ["insulated", "leak-proof"]),
                    ("Steel Travel Mug", "A double-wall steel mug with a sliding lid.", ["insulated"]),
                    ("Folding Silicone Cup", "A cup that collapses flat. Not insulated.", ["collapsible"])],
    "Padlocks": [("Combination Luggage Padlock", "A TSA padlock for suitcases and lockers.", ["security", "tsa"]),
                 ("Cable Luggage Lock", "A flexible cable lock for zips and bags.", ["security"]),
                 ("Steel Locker Padlock", "A hardened steel padlock for gym lockers.", ["security"])],
    "Umbrellas": [("Storm Compact Umbrella", "A windproof folding umbrella that keeps the rain off; fits beside "
                   "your kettle in a carry-on.", ["rain", "windproof"]),
                  ("City Auto Umbrella", "An automatic umbrella for rainy commutes.", ["rain"]),
                  ("Kids Duck Umbrella", "A small umbrella for kids.", ["kids", "rain"])],
    "Neck Pillows": [("Memory Foam Neck Pillow", "A travel pillow for sleeping upright on flights.", ["sleep"]),
                     ("Inflatable Neck Pillow", "Packs tiny; blow it up when you want to nap.", ["sleep"]),
                     ("Hooded Neck Pillow", "A pillow with a hood to block the light while you sleep.", ["sleep"])],
}


@pytest.fixture(scope="module")
def travel_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("travel-shop")
    rows = [{"id": f"TR-{c}{i}", "name": name, "brand": "Wayfarer", "category": category, "price": 10.0 + i,
             "description": text, "tags": tags}
            for c, (category, items) in enumerate(ROWS.items()) for i, (name, text, tags) in enumerate(items)]
    source = folder / "export.json"
    source.write_text(json.dumps({"products": rows}), encoding="utf-8")
    import_catalog(source, folder / "catalog.db")
    return folder / "catalog.db"


@pytest.fixture(scope="module")
def lexicon(travel_shop: Path) -> Lexicon:
    return Lexicon.from_catalog(Catalog(travel_shop))


def _best(lexicon: Lexicon, said: str) -> str | None:
    assert lexicon.needs is not None
    served = lexicon.needs.rank(read_needs(normalise(said)))
    return served[0].slug if served else None


@pytest.mark.parametrize(("said", "slug"), [
    ("something to boil water for tea in my hotel room", "kettles"),
    ("keep my coffee hot on the train", "travel-mugs"),
    ("so nobody can steal things from my suitcase", "padlocks"),
    ("I don't want to get soaked walking to the office", "umbrellas"),
    ("I can never sleep on long flights", "neck-pillows"),
])
def test_a_need_finds_the_category_that_serves_it_in_a_store_never_seen(lexicon: Lexicon, said: str,
                                                                        slug: str) -> None:
    assert _best(lexicon, said) == slug


def test_a_product_that_only_mentions_a_word_does_not_make_its_category_serve_the_need(lexicon: Lexicon) -> None:
    # one umbrella's copy says "fits beside your kettle": umbrellas are still not for boiling water
    assert lexicon.needs is not None
    served = [s.slug for s in lexicon.needs.rank(read_needs(normalise("something to boil water")))]
    assert served == ["kettles"]


def test_a_need_no_category_serves_finds_nothing(lexicon: Lexicon) -> None:
    assert _best(lexicon, "I ride home in the dark") is None  # no lights in a travel shop
    assert _best(lexicon, "my knees hurt on the way down hills") is None


def test_inside_the_category_the_products_whose_text_says_they_serve_the_need_lead(lexicon: Lexicon) -> None:
    assert lexicon.needs is not None
    reading = read_needs(normalise("keep my coffee hot on the train"))
    assert lexicon.needs.narrowing("travel-mugs", reading)[:1] == ["insulated"]


@pytest.mark.parametrize(("said", "purpose", "not_taken"), [
    ("my knees hurt on the way down hills", "easier knees and steadier steps on hills", "down"),
    ("I always get cold at night in my tent", "keeping warm at night", ""),
    ("I want cars to see me", "being seen", ""),
    ("I need to carry water on long rides", "drinking on the go", ""),  # one thing carried: what holds it
    ("I need to carry a lot of water and snacks", "carrying your things", "water"),  # several: what carries them
])
def test_words_of_a_need_are_read_as_its_purpose_not_as_features(said: str, purpose: str, not_taken: str) -> None:
    reading = read_needs(normalise(said))
    assert reading.purposes[0].name == purpose
    if not_taken:  # "down" in "down hills" is part of the need, so it is never a filling filter
        assert not_taken in reading.cue_words


async def test_the_kiosk_shows_what_serves_the_need_through_the_search_tool(travel_shop: Path, tmp_path: Path) -> None:
    runtime = build_runtime(load_settings({"data_dir": tmp_path, "catalog": travel_shop}, environ={}))
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    try:
        await runtime.conversation.start_session()
        await runtime.conversation.submit_text("something to keep my coffee hot on the train")
    finally:
        await runtime.close()
    calls = [e.data for e in events if e.kind is EventKind.FUNCTION_CALL]
    reply = next(e.data["text"] for e in events if e.kind is EventKind.COMPLETION)
    assert [c["name"] for c in calls] == ["search_products"]
    assert calls[0]["parameters"]["category"] == "travel-mugs"
    shown = [p["name"] for p in calls[-1]["result"]["products"]]
    assert shown[0] == "Commuter Insulated Mug" and "Steel Travel Mug" in shown
    assert "Folding Silicone Cup" not in shown  # its copy says "Not insulated"
    assert reply.startswith("For keeping a drink hot or cold, I'd look at travel mugs.")
