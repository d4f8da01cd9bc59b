"""Scripted multi-turn conversations with the offline agent, through `Conversation.submit_text` (the path every
screen uses) on a real catalog file and a real history, asserting the tool calls, their parameters and the cart.

Each script is a list of turns. A turn names the shopper's message, the tool calls the agent must make (in order, by
name, with the parameters that matter), and words the reply must (or must not) contain. The final cart is read off
the last `context` event on the bus, exactly as a screen would see it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.events import Event, EventKind
from app.runtime import Runtime

ANY = object()


@dataclass(frozen=True)
class Shown:
    """A product of the list shown before this turn: by position, or "cheapest"; optionally kept under a name.

    Scripts refer to positions rather than ids where the answer depends on BM25 ranking, which may be retuned."""

    index: int | str
    keep: str = ""


@dataclass(frozen=True)
class V:
    """A product id kept earlier in the script with `Shown(..., keep=name)`."""

    name: str


@dataclass
class T:
    """One shopper turn and what must happen."""

    say: str
    calls: list[tuple[str, dict[str, Any]]] | None = None  # None: not checked; []: no tool may run
    reply: list[str] = field(default_factory=list)  # case-insensitive fragments the reply must contain
    not_reply: list[str] = field(default_factory=list)
    ok: list[bool] | None = None  # the calls' `ok`, in order


@dataclass
class Script:
    name: str
    turns: list[T]
    cart: dict[Any, int] | None = None  # product id (or V) -> quantity at the end (None: not checked)


class Recorder:
    """Everything published on the bus, with helpers to read one turn's tool calls and reply."""

    def __init__(self, runtime: Runtime) -> None:
        self.events: list[Event] = []
        runtime.bus.subscribe(self.events.append)

    def mark(self) -> int:
        return len(self.events)

    def calls(self, since: int = 0) -> list[dict[str, Any]]:
        return [e.data for e in self.events[since:] if e.kind is EventKind.FUNCTION_CALL]

    def reply(self, since: int = 0) -> str:
        done = [e for e in self.events[since:] if e.kind is EventKind.COMPLETION]
        assert len(done) == 1, f"expected exactly one completion, got {len(done)}"
        chunks = "".join(e.data["text"] for e in self.events[since:] if e.kind is EventKind.TEXT_CHUNK)
        assert chunks == done[0].data["text"], "the streamed chunks must add up to the completion text"
        return str(done[0].data["text"])

    def cart(self) -> dict[str, int]:
        contexts = [e for e in self.events if e.kind is EventKind.CONTEXT]
        assert contexts, "no context event was published"
        return {i["product_id"]: i["quantity"] for i in contexts[-1].data["cart"]["items"]}

    def cart_total(self) -> float:
        contexts = [e for e in self.events if e.kind is EventKind.CONTEXT]
        return float(contexts[-1].data["cart"]["total"])


def _matches(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    return all(key in actual and (value is ANY or actual[key] == value) for key, value in expected.items())


def _shown_list(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The products of the latest list on screen (search results or recommendations)."""
    for call in reversed(calls):
        result = call["result"]
        if call["name"] in ("search_products", "get_recommendations") and result.get("ok") and result["products"]:
            return list(result["products"])
    return []


def _resolve(value: Any, shown: list[dict[str, Any]], kept: dict[str, str]) -> Any:
    if isinstance(value, V):
        return kept[value.name]
    if isinstance(value, Shown):
        assert shown, "the script refers to a list but none was shown"
        if value.index == "cheapest":
            pid = min(shown, key=lambda p: p["price"])["id"]
        else:
            assert isinstance(value.index, int)
            pid = shown[value.index]["id"]
        if value.keep:
            kept[value.keep] = pid
        return pid
    return value


async def run_script(runtime: Runtime, script: Script) -> Recorder:
    recorder = Recorder(runtime)
    kept: dict[str, str] = {}
    for turn in script.turns:
        start = recorder.mark()
        shown = _shown_list(recorder.calls())
        await runtime.conversation.submit_text(turn.say)
        calls = recorder.calls(start)
        reply = recorder.reply(start)
        where = f"[{script.name}] {turn.say!r} -> {[(c['name'], c['parameters']) for c in calls]} / {reply!r}"
        if turn.calls is not None:
            assert [c["name"] for c in calls] == [name for name, _ in turn.calls], where
            for (_, params), call in zip(turn.calls, calls, strict=True):
                params = {k: _resolve(v, shown, kept) for k, v in params.items()}
                assert _matches(params, call["parameters"]), f"{where}: parameters {call['parameters']} != {params}"
        if turn.ok is not None:
            assert [bool(c["result"].get("ok")) for c in calls] == turn.ok, where
        for fragment in turn.reply:
            assert fragment.lower() in reply.lower(), f"{where}: reply lacks {fragment!r}"
        for fragment in turn.not_reply:
            assert fragment.lower() not in reply.lower(), f"{where}: reply must not contain {fragment!r}"
        errors = [e for e in recorder.events[start:] if e.kind is EventKind.ERROR]
        assert not errors, f"{where}: error events {errors}"
    if script.cart is not None:
        expected = {_resolve(k, [], kept): q for k, q in script.cart.items()}
        assert recorder.cart() == expected, f"[{script.name}] final cart"
    return recorder


def search(**params: Any) -> tuple[str, dict[str, Any]]:
    return ("search_products", params)


def details(pid: Any) -> tuple[str, dict[str, Any]]:
    return ("show_product_details", {"product_id": pid})


def add(pid: Any, quantity: int = 1) -> tuple[str, dict[str, Any]]:
    return ("add_to_cart", {"product_id": pid, "quantity": quantity})


def update(pid: Any, quantity: int) -> tuple[str, dict[str, Any]]:
    return ("update_cart_item", {"product_id": pid, "quantity": quantity})


def recommend(based_on: Any) -> tuple[str, dict[str, Any]]:
    return ("get_recommendations", {"based_on": based_on})


VIEW = ("view_cart", {})
CHECKOUT = ("checkout", {})

SCRIPTS = [
    # -- the walk-through from the issue -----------------------------------------------------------------------------
    Script("issue walk-through", [
        T("I need a tent for two under 300 dollars",
          [search(query="2 person", category="tents", max_price=300.0)], ["tents for 2 or more people, under $300"]),
        T("tell me more about the second one", [details(Shown(1, keep="tent"))], ["Shall I add it to your cart?"]),
        T("add two of those to my cart", [add(V("tent"), 2)], ["added two of the"]),
        T("what goes well with it?", [recommend(V("tent"))], ["go well with the"]),
        T("what's in my cart?", [VIEW], ["two of the", "that comes to"]),
        T("remove the tent", [update(V("tent"), 0)], ["removed", "empty"]),
    ], cart={}),
    # -- categories and synonyms ---------------------------------------------------------------------------------------
    Script("synonyms", [
        T("do you sell rucksacks?", [search(category="backpacks", query="rucksacks")], ["backpacks"]),
        T("show me a head torch", [search(category="headlamps")], ["headlamps"]),
        T("I need something to cook on, like a camping stove", [search(category="camp-stoves")], ["stoves"]),
        T("walking sticks please", [search(category="trekking-poles")], ["trekking poles"]),
        T("any daypacks?", [search(category="backpacks", query="daypacks")], ["backpacks"]),
    ], cart={}),
    Script("misspelled categories", [
        T("do you have a slepping bag for winter", [search(category="sleeping-bags", query="winter")],
          ["six sleeping bags"]),
        T("tnet for four people", [search(category="tents", query="4 person")], ["tents for 4 or more people"]),
        T("I'm after a headlmap", [search(category="headlamps")], ["headlamps"]),
    ]),
    Script("brands", [
        T("anything from Kestrel?", [search(brand="Kestrel", query="Kestrel")], ["Kestrel products"]),
        T("what about Kestrel backpacks", [search(brand="Kestrel", category="backpacks")],
          ["two Kestrel backpacks", "Featherweight 40"]),
        T("northpek tents", [search(brand="Northpeak", category="tents")], ["Northpeak tents"]),
    ]),
    # -- price limits --------------------------------------------------------------------------------------------------
    Script("under a price", [
        T("a rain jacket under 100", [search(category="rain-jackets", max_price=100.0)], ["under $100"]),
    ]),
    Script("between two prices", [
        T("backpacks between 50 and 100 dollars", [search(category="backpacks", min_price=50.0, max_price=100.0)],
          ["four backpacks between $50 and $100"]),
    ]),
    Script("over a price", [
        T("headlamps over 100 dollars", [search(category="headlamps", min_price=100.0)], ["over $100"]),
    ]),
    Script("around a price", [
        T("a stove for around 80 bucks", [search(category="camp-stoves", min_price=64.0, max_price=96.0)],
          ["between $64 and $96"]),
    ]),
    Script("prices in words", [
        T("a sleeping bag under two hundred and fifty dollars", [search(category="sleeping-bags", max_price=250.0)],
          ["under $250"]),
        T("a chair for less than forty", [search(category="camp-chairs", max_price=40.0)], ["under $40"]),
        T("show me tents, one fifty tops", [search(category="tents", max_price=150.0)], ["under $150"]),
    ]),
    Script("cheaper than the list", [
        T("show me sleeping bags", [search(category="sleeping-bags")]),
        T("anything cheaper?", [search(category="sleeping-bags", max_price=ANY)], ["sleeping bags under $"]),
    ]),
    Script("cheaper than the one in focus", [
        T("the Cottonwood family tent", [search(category="tents", query="cottonwood family")]),
        T("tell me about it", [details("TNT-1014")], ["$299"]),
        T("that's too expensive, something cheaper", [search(category="tents", max_price=298.99)], ["under $298.99"]),
    ]),
    # -- references ----------------------------------------------------------------------------------------------------
    Script("the third one, then it", [
        T("trekking poles under 100", [search(category="trekking-poles", max_price=100.0)]),
        T("what about the third one", [details(Shown(2, keep="pole"))], ["Shall I add it"]),
        T("add it", [add(V("pole"))], ["I've added the"]),
    ], cart={V("pole"): 1}),
    Script("the last one", [
        T("headlamps please", [search(category="headlamps")]),
        T("tell me about the last one", [details(Shown(-1))]),
    ]),
    Script("the cheapest one", [
        T("water bottles", [search(category="water-bottles-filters")]),
        T("the cheapest one", [details(Shown("cheapest", keep="bottle"))]),
        T("I'll take two of them", [add(V("bottle"), 2)], ["added two"]),
    ], cart={V("bottle"): 2}),
    Script("a product's name", [
        T("camp chairs under 40", [search(category="camp-chairs", max_price=40.0)]),
        T("add the Campside Folding Chair", [add("CHR-1001")], ["Pinecrest Campside Folding Chair"]),
    ], cart={"CHR-1001": 1}),
    Script("a misspelled product name", [
        T("I'm looking for the ridgline tent", [search(category="tents", query="ridgeline")],
          ["Northpeak Ridgeline 2 Ultralight Tent"]),
        T("add it please", [add("TNT-1001")]),
    ], cart={"TNT-1001": 1}),
    Script("a name not shown yet", [
        T("tell me about the Beacon headlamp", [search(query="beacon", category="headlamps"), details("HLP-1001")],
          ["Brightwood Beacon 400 Headlamp", "$39.95"]),
        T("and the Nitowl?", [search(query="nightowl")], ["Northpeak Nightowl 1200 Rechargeable Headlamp"]),
    ]),
    Script("that one", [
        T("stoves under 30", [search(category="camp-stoves", max_price=30.0)]),
        T("tell me more about the second one", [details(Shown(1, keep="stove"))]),
        T("I'll take that one", [add(V("stove"))]),
    ], cart={V("stove"): 1}),
    Script("a name among several shown", [
        T("hiking poles under fifty bucks", [search(category="trekking-poles", max_price=50.0)]),
        T("add one of the Walker poles", [add("TRK-1004")], ["Redfern Walker Twist Lock Poles"]),
        T("add another", [add("TRK-1004")], ["two items"]),
    ], cart={"TRK-1004": 2}),
    # -- quantities ----------------------------------------------------------------------------------------------------
    Script("quantities in words", [
        T("headlamps under 20", [search(category="headlamps", max_price=20.0)]),
        T("add three of the first one", [add(Shown(0, keep="a"), 3)], ["added three"]),
        T("and a couple of the second one", [add(Shown(1, keep="b"), 2)], ["added two"]),
    ], cart={V("a"): 3, V("b"): 2}),
    Script("change quantities", [
        T("the Ridgeline carbon poles", [search(query="ridgeline carbon", category="trekking-poles")]),
        T("add them", [add("TRK-1001")]),
        T("make it three", [update("TRK-1001", 3)], ["three of the Northpeak Ridgeline Carbon Poles"]),
        T("actually I only need two", [update("TRK-1001", 2)], ["two"]),
        T("remove one", [update("TRK-1001", 1)], ["one of the"]),
    ], cart={"TRK-1001": 1}),
    # -- the cart ------------------------------------------------------------------------------------------------------
    Script("cart questions", [
        T("what's in my cart?", [VIEW], ["cart is empty"]),
        T("the packrat daypack", [search(category="backpacks", query="packrat")]),
        T("add it", [add("BPK-1014")]),
        T("how much do I owe?", [VIEW], ["one item", "$34.95"]),
    ], cart={"BPK-1014": 1}),
    Script("removal by category", [
        T("tents under 100", [search(category="tents", max_price=100.0)]),
        T("add the first one", [add(Shown(0, keep="tent"))]),
        T("a headlamp under 15", [search(category="headlamps", max_price=15.0)]),
        T("add the cheapest one", [add("HLP-1008")]),
        T("remove the headlamp", [update("HLP-1008", 0)], ["removed the Lakeside Camplight 200 Headlamp"]),
        T("take the boots out", [], ["aren't any hiking boots in your cart"]),
    ], cart={V("tent"): 1}),
    Script("removal by pronoun", [
        T("show me the Spark 250 headlamp", [search(category="headlamps", query="spark 250")]),
        T("add it", [add("HLP-1004")]),
        T("actually, take it out", [update("HLP-1004", 0)], ["empty"]),
        T("remove the tent", [], ["already empty"]),
    ], cart={}),
    Script("empty the cart", [
        T("chairs under 30", [search(category="camp-chairs", max_price=30.0)]),
        T("add the first one", [add(Shown(0, keep="a"))]),
        T("add the second one", [add(Shown(1, keep="b"))]),
        T("please empty my cart", [update(V("a"), 0), update(V("b"), 0)], ["emptied your cart"]),
    ], cart={}),
    # -- recommendations -----------------------------------------------------------------------------------------------
    Script("recommendations for a product", [
        T("the Nightowl headlamp", [search(category="headlamps", query="nightowl")]),
        T("what goes with it?", [recommend("HLP-1003")], ["go well with the Northpeak Nightowl"]),
        T("add the first one", [add(Shown(0, keep="rec"))]),
    ], cart={V("rec"): 1}),
    Script("recommendations for a product not shown yet", [
        T("what goes with the nightowl headlamp?", [search(query="nightowl", category="headlamps"),
                                                    recommend("HLP-1003")], ["go well with the Northpeak Nightowl"]),
        T("what's good for cooking?", [search(category="camp-stoves")], ["camp stoves"]),  # a need: the kind serving it
    ]),
    Script("recommendations for a category", [
        T("what would you recommend in sleeping bags?", [recommend("sleeping-bags")], ["my picks in sleeping bags"]),
        T("tell me about the second one", [details(Shown(1))]),
    ]),
    Script("yes to what goes with it", [
        T("the summit 600 headlamp", [search(category="headlamps", query="summit 600")]),
        T("add it to my cart", [add("HLP-1010")], ["what goes well with it"]),
        T("yes please", [recommend("HLP-1010")], ["go well with the Northpeak Summit 600 Alpine Headlamp"]),
    ], cart={"HLP-1010": 1}),
    # -- stock -----------------------------------------------------------------------------------------------------
    Script("out of stock", [
        T("show me the stormguard 2 tent", [search(category="tents", query="stormguard 2")], ["out of stock"]),
        T("add it", [add("TNT-1007")], ["out of stock", "couldn't add"], ok=[False]),
        T("what's in my cart", [VIEW], ["empty"]),
    ], cart={}),
    Script("out of stock, in-stock alternative", [
        T("family tents", [search(category="tents", query="family")]),
        T("add the Cottonwood", [add("TNT-1014")], ["out of stock", "instead"], ok=[False]),
        T("yes", [add(ANY)], ["I've added the"], ok=[True]),
    ]),
    Script("not enough stock", [
        T("the moorland 60 trekking pack", [search(category="backpacks", query="moorland 60 trekking")]),
        T("add five of them", [add("BPK-1016", 5)], ["only have two", "add two"], ok=[False]),
        T("yes", [add("BPK-1016", 2)], ["added two"]),
    ], cart={"BPK-1016": 2}),
    Script("more than one line may hold", [
        T("bottles under 15", [search(category="water-bottles-filters", max_price=15.0)]),
        T("add 30 of the first one", [], ["up to 20", "staff"]),
    ], cart={}),
    Script("spec questions", [
        T("the Cottonwood family tent", [search(category="tents", query="cottonwood family")]),
        T("is it waterproof?", [("show_product_details", {"product_id": "TNT-1014",
                                                          "include_recommendations": False})],
          ["yes", "2500 mm", "out of stock"]),
        T("the moorland 2 tunnel tent", [search(category="tents", query="moorland 2 tunnel")]),
        T("how heavy is it", [("show_product_details", {"product_id": "TNT-1015"})], ["2.6 kg"]),
        T("how many people does it sleep?", [("show_product_details", {"product_id": "TNT-1015"})],
          ["sleeps two people"]),
        T("do you have it in stock?", [("show_product_details", {"product_id": "TNT-1015"})], ["yes", "in stock"]),
    ]),
    # -- checkout --------------------------------------------------------------------------------------------------
    Script("checkout confirmed", [
        T("a spirit alcohol stove", [search(category="camp-stoves", query="spirit alcohol")]),
        T("add two", [add("STV-1005", 2)]),
        T("I'm ready to check out", [VIEW], ["two of the Kestrel Spirit Alcohol Stove", "$49.98",
                                             "shall i place the order"]),
        T("yes, go ahead", [CHECKOUT], ["order is placed", "order number"], ok=[True]),
    ], cart={}),
    Script("checkout declined", [
        T("a spirit alcohol stove", None),
        T("add it", [add("STV-1005")]),
        T("check out please", [VIEW], ["shall i place the order"]),
        T("no, not yet", [], ["haven't placed the order"]),
        T("yes", [], not_reply=["order is placed"]),
    ], cart={"STV-1005": 1}),
    Script("checkout with an empty cart", [
        T("check out", [VIEW], ["nothing to check out"]),
        T("yes", []),
    ], cart={}),
    Script("change the cart after the read-back", [
        T("a spirit alcohol stove", None),
        T("add it", [add("STV-1005")]),
        T("checkout", [VIEW]),
        T("make it two", [update("STV-1005", 2)]),
        T("yes", [], not_reply=["order is placed"]),
        T("checkout", [VIEW], ["$49.98"]),
        T("yes", [CHECKOUT], ["order is placed"]),
    ], cart={}),
    # -- conversation --------------------------------------------------------------------------------------------------
    Script("greeting and help", [
        T("hello", [], ["what are you shopping for"]),
        T("what can you do?", [], ["find products", "cart"]),
        T("thanks!", [], ["welcome"]),
    ]),
    Script("greeting with a request", [
        T("hi, I need a rain jacket", [search(category="rain-jackets")], ["rain jackets"]),
    ]),
    Script("not understood", [
        T("what's the meaning of life?", [], ["outside what i can help with", "staff", "what are you looking for"]),
        T("blorp zzxq", [], ["tents", "what are you looking for"]),
        T("the second one", [], ["what are you looking for"]),
    ]),
    Script("two categories at once", [
        T("I need a stove and a headlamp", [search(category="camp-stoves"), search(category="headlamps")],
          ["ten camp stoves and ten headlamps"]),
        T("now the headlamps", [search(category="headlamps")]),
    ]),
    Script("not sold here", [
        T("do you sell kayaks?", [], ["don't sell kayaks", "tents"]),
        T("what do you sell?", [], ["we sell", "tents"]),
    ]),
    Script("small talk around a request", [
        T("I went camping last week and need a new tent", [search(category="tents")], ["tents"],
          not_reply=["week"]),
        T("bye!", [], ["thanks for stopping by"]),
    ]),
    Script("spec answers", [
        T("the Alpenglow down mummy", [search(query="alpenglow down mummy")], ["one match for"]),
        T("how warm is it?", [("show_product_details", {"product_id": "SLB-1001"})], ["comfort rating of -10°C"]),
        T("the Voyager 75 expedition pack", [search(category="backpacks", query="voyager 75 expedition")]),
        T("how big is it?", [("show_product_details", {"product_id": "BPK-1007"})], ["75 litres"]),
        T("how much is it?", [("show_product_details", {"product_id": "BPK-1007"})], ["$389"]),
        T("the searchlight 1600 headlamp", [search(category="headlamps", query="searchlight 1600")]),
        T("how bright is it", [("show_product_details", {"product_id": "HLP-1013"})], ["1600 lumens"]),
        T("is it in stock?", [("show_product_details", {"product_id": "HLP-1013"})], ["only two are left"]),
        T("the Pocket Flame stove", [search(category="camp-stoves", query="pocket flame")]),
        T("is it waterproof?", [("show_product_details", {"product_id": "STV-1001"})],
          ["don't say whether it's waterproof", "staff"]),
    ]),
    Script("the cheapest and the priciest", [
        T("show me the cheapest tent", [search(category="tents", limit=20)], ["the cheapest is the"]),
        T("tents over 500", [search(category="tents", min_price=500.0)]),
        T("the most expensive one", [details("TNT-1007")], ["$689"]),
    ]),
    Script("nothing cheaper", [
        T("stoves under 30", [search(category="camp-stoves", max_price=30.0)]),
        T("the cheapest one", [details("STV-1005")]),
        T("cheaper", [search(category="camp-stoves", max_price=24.98)], ["already the lowest price"]),
    ]),
    Script("cheaper than nothing", [
        T("something cheaper", [], ["cheaper than what"]),
    ]),
    Script("cart changes with nothing in the cart", [
        T("make it 2", [], ["cart is empty"]),
        T("empty my cart", [], ["already empty"]),
        T("add it", [], ["which product shall i add"]),
        T("tell me more", [], ["what are you looking for"]),
    ], cart={}),
    Script("add from a category not shown yet", [
        T("add a sleeping bag to my cart", [search(category="sleeping-bags")], ["which one shall i add"]),
        T("the second one please", [add(Shown(1, keep="bag"))], ["i've added"]),  # the answer to "which one?"
    ], cart={V("bag"): 1}),
    Script("stock limits on changes", [
        T("the moorland 60 trekking pack", None),
        T("add it", [add("BPK-1016")]),
        T("make it 5", [update("BPK-1016", 5)], ["only have two"], ok=[False]),
        T("add two more", [add("BPK-1016", 2)], ["only have two", "add one"], ok=[False]),
        T("sure", [add("BPK-1016", 1)]),
        T("add another", [add("BPK-1016")], ["already have all two"], ok=[False]),
    ], cart={"BPK-1016": 2}),
    Script("answers without a question", [
        T("yes", [], ["what would you like to do next"]),
        T("no", [], ["anything else"]),
        T("the Pocket Flame stove", None),
        T("tell me about it", [details("STV-1001")], ["shall i add it"]),
        T("no thanks", [], ["anything else"]),
    ], cart={}),
    Script("recommendations with nothing to go on", [
        T("what do you recommend?", [], ["which product or kind of gear"]),
        T("the Pocket Flame stove", None),
        T("add it", [add("STV-1001")]),
        T("headlamps", [search(category="headlamps")]),
        T("what else do I need for it?", [recommend("STV-1001")]),
    ]),
    Script("a kind of product is not one on screen", [
        T("anything waterproof under 100?", [search(query="waterproof", max_price=100.0)]),
        T("I want to buy a headlamp", [search(category="headlamps")], ["which one shall i add"]),
        T("what's the cheapest headlamp you have?", [search(category="headlamps", limit=20)],
          ["the cheapest is the Lakeside Camplight 200 Headlamp"]),
        T("add that", [add("HLP-1008")]),
        T("I need two water bottles", [search(category="water-bottles-filters")]),
        T("add them", [], ["which one shall i add"]),
    ], cart={"HLP-1008": 1}),
    Script("the one in the cart", [
        T("the roughneck rain jacket", [search(category="rain-jackets", query="roughneck")]),
        T("add it", [add("RJK-1017")]),
        T("rain jackets under 100", [search(category="rain-jackets", max_price=100.0)]),
        T("how much was the jacket again?", [("show_product_details", {"product_id": "RJK-1017"})],
          ["$109.95", "in your cart already"], not_reply=["shall i add"]),
    ], cart={"RJK-1017": 1}),
    Script("ordinal beyond the list", [
        T("stoves under 30", [search(category="camp-stoves", max_price=30.0)]),
        T("tell me about the ninth one", [], ["only showed two"]),
    ]),
]


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
async def test_conversation(runtime: Runtime, script: Script) -> None:
    await run_script(runtime, script)


def test_there_are_at_least_forty_scripts() -> None:
    assert len(SCRIPTS) >= 40


async def test_start_over_ends_the_session_and_the_next_message_starts_afresh(runtime: Runtime) -> None:
    recorder = await run_script(runtime, Script("start over", [
        T("a spirit alcohol stove", None),
        T("add it", [add("STV-1005")]),
        T("let's start over", [], ["start fresh"]),
    ]))
    ended = [e for e in recorder.events if e.kind is EventKind.SESSION_ENDED]
    assert len(ended) == 1 and ended[0].data["reason"] == "shopper_start_over"
    first_session = ended[0].session_id
    assert runtime.conversation.session is None
    start = recorder.mark()
    await runtime.conversation.submit_text("what's in my cart?")
    assert "empty" in recorder.reply(start).lower()
    new_events = recorder.events[start:]
    assert new_events[0].kind is EventKind.SESSION_STARTED and new_events[0].id == 1
    assert {e.session_id for e in new_events} != {first_session}
    assert recorder.cart() == {}
    # the shopper never saw the first session's product in this one: the tools refuse it
    session = runtime.conversation.session
    assert session is not None
    result = await runtime.tools.call(session, "add_to_cart", {"product_id": "STV-1005"})
    assert result["error"]["code"] == "not_shown"


async def test_every_turn_streams_chunks_and_ends_with_one_completion(runtime: Runtime) -> None:
    recorder = Recorder(runtime)
    for text in ("hi", "tents under 200", "the first one", "add it", "what's in my cart", "help"):
        start = recorder.mark()
        await runtime.conversation.submit_text(text)
        kinds = [e.kind for e in recorder.events[start:] if e.kind is not EventKind.SESSION_STARTED]
        assert kinds[0] in (EventKind.SHOPPER_MESSAGE, EventKind.CONTEXT)
        assert kinds.count(EventKind.COMPLETION) == 1
        assert EventKind.TEXT_CHUNK in kinds
        assert kinds.index(EventKind.COMPLETION) > max(i for i, k in enumerate(kinds) if k is EventKind.TEXT_CHUNK)
    ids = [e.id for e in recorder.events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


async def test_replies_sound_like_an_assistant_not_a_parser(runtime: Runtime) -> None:
    recorder = Recorder(runtime)
    texts = ["tents", "the 2nd", "add it", "add 99 of those", "remove the chair", "checkout", "no", "blah", "??"]
    for text in texts:
        start = recorder.mark()
        await runtime.conversation.submit_text(text)
        reply = recorder.reply(start)
        assert reply and reply[0].isupper(), reply
        for leak in ("product_id", "search_products", "add_to_cart", "None", "{", "_", "invalid_arguments"):
            assert leak not in reply, f"{text!r}: {reply!r}"


async def test_touch_actions_become_what_it_refers_to(runtime: Runtime) -> None:
    recorder = Recorder(runtime)
    await runtime.conversation.submit_text("tents under 100")
    shown = _shown_list(recorder.calls())
    result = await runtime.conversation.touch("show_product_details", {"product_id": shown[2]["id"]},
                                              f"Details: {shown[2]['name']}")
    assert result["ok"]
    start = recorder.mark()
    await runtime.conversation.submit_text("add it")
    assert [(c["name"], c["parameters"]["product_id"]) for c in recorder.calls(start)] == [
        ("add_to_cart", shown[2]["id"])]
    touched = [e for e in recorder.events if e.kind is EventKind.SHOPPER_MESSAGE and e.data["source"] == "touch"]
    assert touched and touched[0].data["tool"] == "show_product_details"


async def test_a_new_turn_interrupts_a_paced_reply(settings: Any) -> None:
    from app.compose.runtime import build_runtime

    runtime = build_runtime(settings.replace(reply_pacing_ms=30))
    try:
        recorder = Recorder(runtime)
        first = asyncio.create_task(runtime.conversation.submit_text("help"))
        for _ in range(500):  # the first reply has started streaming (however busy the machine is)
            if any(e.kind is EventKind.TEXT_CHUNK for e in recorder.events):
                break
            await asyncio.sleep(0.01)
        await runtime.conversation.submit_text("thanks")
        await first
        completions = [e.data for e in recorder.events if e.kind is EventKind.COMPLETION]
        assert len(completions) == 2
        assert completions[0]["interrupted"] is True and len(completions[0]["text"]) < 100
        assert completions[1]["interrupted"] is False and "welcome" in completions[1]["text"]
    finally:
        await runtime.close()


async def test_the_catalog_failing_mid_conversation(catalog_copy: Path, tmp_path: Path) -> None:
    from app.compose.runtime import build_runtime
    from app.settings import load_settings

    runtime = build_runtime(load_settings({"data_dir": tmp_path / "data", "catalog": catalog_copy}, environ={}))
    try:
        recorder = Recorder(runtime)
        await runtime.conversation.submit_text("tents")
        runtime.catalog.close()
        await asyncio.to_thread(catalog_copy.write_bytes, b"\0" * 8192)  # damaged under the running kiosk
        start = recorder.mark()
        await runtime.conversation.submit_text("sleeping bags")
        calls = recorder.calls(start)
        assert calls and calls[0]["result"]["error"]["code"] == "catalog_unavailable"
        assert "ask a member of staff" in recorder.reply(start)
    finally:
        await runtime.close()


async def test_checkout_when_stock_ran_out_after_the_read_back(catalog_copy: Path, tmp_path: Path) -> None:
    from app.compose.runtime import build_runtime
    from app.settings import load_settings

    runtime = build_runtime(load_settings({"data_dir": tmp_path / "data", "catalog": catalog_copy}, environ={}))
    try:
        recorder = await run_script(runtime, Script("stock ran out", [
            T("a spirit alcohol stove", None),
            T("add two", [add("STV-1005", 2)]),
            T("check out", [VIEW]),
        ]))
        conn = sqlite3.connect(catalog_copy)
        conn.execute("update products set stock = 1 where id = 'STV-1005'")
        conn.commit()
        conn.close()
        start = recorder.mark()
        await runtime.conversation.submit_text("yes")
        assert [c["result"]["error"]["code"] for c in recorder.calls(start)] == ["insufficient_stock"]
        assert "couldn't place the order" in recorder.reply(start)
        assert recorder.cart() == {"STV-1005": 2}
    finally:
        await runtime.close()
