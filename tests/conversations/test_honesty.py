"""The honesty checker itself: it passes true replies and catches each kind of lie (price, stock, spec, feature)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from app.catalog.schema import Product
from tests.conversations.honesty import Facts, HonestyChecker
from tests.conversations.product_facts import feature_support
from tests.conversations.quantities import spoken_numbers

HEADLAMP = Product("HLP-1", "Dawnpatrol 900 Headlamp", "Brightwood", "headlamps", 99.95, 9, "A bright headlamp.",
                   "Rechargeable and bright for alpine starts.",
                   {"lumens": 900, "beam_distance_m": 150, "battery": "rechargeable", "runtime_h": 20,
                    "ip_rating": "IPX7", "weight_g": 105}, ["rechargeable", "alpine"])
SPLASH = Product("HLP-2", "Beacon 400 Headlamp", "Brightwood", "headlamps", 39.95, 0, "A value headlamp.", "",
                 {"lumens": 400, "ip_rating": "IPX4", "weight_g": 86}, ["camping"])
JACKET = Product("RJK-1", "Harbor Slicker", "Bluewater", "rain-jackets", 89.0, 18, "A classic slicker.",
                 "A fully waterproof slicker with a deep hood for wet days on the harbour.",
                 {"weight_g": 540, "packable": False}, ["classic"])
SYNTHETIC = Product("SLB-2", "Snowdrift Winter Bag", "Redfern", "sleeping-bags", 149.0, 6, "", "A warm budget bag.",
                    {"comfort_rating_c": -7, "weight_kg": 2.8, "fill": "synthetic"}, ["winter"])
BAG = Product("SLB-1", "Ridgeline -4 Down Bag", "Northpeak", "sleeping-bags", 329.0, 10, "",
              "Three paragraphs of copy.\n\nNo mention of water here.",
              {"comfort_rating_c": -4, "limit_rating_c": -10, "weight_kg": 1.05, "fill": "down"}, ["down"])
CHAIR = Product("CHR-1", "Campside Folding Chair", "Pinecrest", "camp-chairs", 34.95, 40, "", "",
                {"weight_kg": 3.6, "max_load_kg": 120}, ["budget"])
UNKNOWN_STOCK = replace(CHAIR, id="CY-1", name="Velora Aero Road Helmet", brand="Velora", stock=None,
                        specs={"weight": "290 g", "mips": True}, description="Built for\n\nfast road rides.")
PANNIER = Product("CY-2", "Rover Pannier", "Spindle & Co", "panniers-bags", 89.0, None, "",  # type: ignore[arg-type]
                  "It comes with a coated canvas body that is not waterproof in a downpour.",
                  {"volume": "20 L", "weight": "0.45 kg"}, ["touring"])
PRODUCTS = {p.id: p for p in (HEADLAMP, SPLASH, JACKET, BAG, CHAIR, UNKNOWN_STOCK, PANNIER, SYNTHETIC)}
CHECKER = HonestyChecker(PRODUCTS)  # type: ignore[arg-type]


def problems(reply: str, **facts: object) -> list[str]:
    return [str(c) for c in CHECKER.check(reply, Facts(**facts))]  # type: ignore[arg-type]


TRUE_REPLIES = [
    ("The Brightwood Dawnpatrol 900 Headlamp is $99.95.", {}),
    ("Yes, the Dawnpatrol 900 Headlamp is waterproof: it's rated IPX7.", {}),
    ("It throws 900 lumens and runs for 20 hours.", {"focus": ["HLP-1"]}),
    ("The Dawnpatrol 900 Headlamp weighs 105 g (3.7 oz).", {}),
    ("The Ridgeline -4 Down Bag is comfortable down to -4°C (25°F), and it weighs 1.05 kg.", {}),
    ("The Ridgeline -4 Down Bag weighs about 2.3 lb.", {}),
    ("The Harbor Slicker is waterproof: its description says 'a fully waterproof slicker'.", {}),
    ("The Harbor Slicker has a hood.", {}),
    ("No, the Harbor Slicker isn't packable.", {}),
    ("The Beacon 400 Headlamp is out of stock at the moment.", {}),
    ("Only 9 left of the Dawnpatrol 900 Headlamp.", {}),
    ("That's two items, $199.90 in total.", {"cart_lines": [("HLP-1", 2, 99.95)], "cart_totals": [0, 199.9]}),
    ("Here are four headlamps under $100.", {"shown": ["HLP-1", "HLP-2"], "budgets": [100.0]}),
    ("Headlamps with at least 300 lumens:", {"shown": ["HLP-1"], "budgets": [300.0]}),
    ("Its details don't say whether it's waterproof; a staff member can check.", {"focus": ["SLB-1"]}),
    ("The Velora Aero Road Helmet has a MIPS liner and weighs 290 g.", {}),
    ("The Rover Pannier isn't waterproof: its description says it is not waterproof in a downpour.", {}),
    ("The Rover Pannier holds 20 litres.", {}),
    ("The Campside Folding Chair and the Beacon 400 Headlamp come to $74.90 together.", {}),
    ("Shall I show you only what's in stock?", {"shown": ["HLP-2"]}),
    ("No, the Snowdrift Winter Bag isn't down: it's synthetic, comfortable down to -7°C.", {}),
    ("The Ridgeline -4 Down Bag is down-filled.", {}),
    ("Your order number is A261203-123C. Please pay at the counter.", {}),
    ("The Beacon 400 Headlamp is cheaper: $39.95, against $99.95 for the Dawnpatrol 900 Headlamp.", {}),
    ("The most expensive is the Dawnpatrol 900 Headlamp at $99.95, against the Beacon 400 Headlamp at $39.95.", {}),
    ("The Beacon 400 Headlamp is lighter: 86 g, against 105 g for the Dawnpatrol 900 Headlamp.", {}),
    ("The Snowdrift Winter Bag is warmer than the Ridgeline -4 Down Bag.", {}),
    ("The Beacon 400 Headlamp, the Harbor Slicker and the Campside Folding Chair come to $163.90.", {}),
    ("Three of the Beacon 400 Headlamp would be $119.85.", {"budgets": [3.0]}),
    ("The first is the Dawnpatrol 900 Headlamp. One of them is out of stock at the moment.",
     {"shown": ["HLP-1", "HLP-2"]}),
    ("Just say what you need and your budget, like 'a tent under 300 dollars'.", {}),
]

LIES = [
    ("The Brightwood Dawnpatrol 900 Headlamp is $89.95.", {}, "price"),
    ("It's $120.", {"focus": ["HLP-1"]}, "price"),
    ("No, the Dawnpatrol 900 Headlamp isn't waterproof.", {}, "not/has no 'waterproof'"),
    ("No, the Harbor Slicker isn't waterproof.", {}, "not/has no 'waterproof'"),
    ("The Ridgeline -4 Down Bag isn't waterproof.", {}, "not/has no"),
    ("Yes, the Ridgeline -4 Down Bag is waterproof.", {}, "is/has 'waterproof'"),
    ("The Beacon 400 Headlamp is waterproof.", {}, "is/has 'waterproof'"),
    ("The Dawnpatrol 900 Headlamp throws 1200 lumens.", {}, "matches no spec"),
    ("It weighs 2 kg.", {"focus": ["SLB-1"]}, "matches no spec"),
    ("The Ridgeline -4 Down Bag is rated to -10 °F.", {}, "matches no spec"),
    ("The Dawnpatrol 900 Headlamp is rated IPX8.", {}, "rating"),
    ("Only 3 left of the Dawnpatrol 900 Headlamp.", {}, "stock"),
    ("The Dawnpatrol 900 Headlamp is out of stock.", {}, "out of stock"),
    ("The Beacon 400 Headlamp is in stock.", {}, "in stock"),
    ("The Velora Aero Road Helmet is in stock.", {}, "in stock"),
    ("We have 5 of the Velora Aero Road Helmet in stock.", {}, "stock"),
    ("Here are 2 headlamps, in stock.", {"shown": ["HLP-1", "HLP-2"]}, "in stock"),
    ("Your total is $150.", {"cart_lines": [("HLP-1", 1, 99.95)], "cart_totals": [0, 99.95]}, "price"),
    ("Here are headlamps under $100.", {"shown": ["HLP-1"], "budgets": [80.0]}, "price"),
    ("The Rover Pannier is waterproof.", {}, "is/has 'waterproof'"),
    ("The Velora Aero Road Helmet has no MIPS liner.", {}, "not/has no 'mips'"),
    ("Here are 2 waterproof headlamps.", {"shown": ["HLP-1", "HLP-2"]}, "calls the list 'waterproof'"),
    ("The Snowdrift Winter Bag is a down bag.", {}, "is/has 'down'"),
    ("The Dawnpatrol 900 Headlamp is lighter than the Beacon 400 Headlamp.", {}, "is lighter"),
    ("The Ridgeline -4 Down Bag is warmer than the Snowdrift Winter Bag.", {}, "is warmer"),  # -4 °C vs -7 °C
    ("The Dawnpatrol 900 Headlamp is the cheapest, against the Beacon 400 Headlamp.", {}, "is cheapest"),
    ("The Beacon 400 Headlamp, the Harbor Slicker and the Campside Folding Chair come to $150.", {}, "price"),
    ("Three of the Beacon 400 Headlamp would be $129.85.", {"budgets": [3.0]}, "price"),
    ("No, the Ridgeline -4 Down Bag isn't synthetic... wait, it is synthetic.", {}, "'synthetic'"),
    ("The first is the Beacon 400 Headlamp. Two of them are out of stock at the moment.",
     {"shown": ["HLP-1", "HLP-2"]}, "have stock 0"),
]


@pytest.mark.parametrize(("reply", "facts"), TRUE_REPLIES, ids=[r for r, _ in TRUE_REPLIES])
def test_a_true_reply_passes(reply: str, facts: dict[str, object]) -> None:
    assert problems(reply, **facts) == []


@pytest.mark.parametrize(("reply", "facts", "kind"), LIES, ids=[r for r, _, _ in LIES])
def test_a_lie_is_caught(reply: str, facts: dict[str, object], kind: str) -> None:
    found = problems(reply, **facts)
    assert found, f"the checker let a false reply through: {reply!r}"
    assert any(kind.lower() in p.lower() for p in found), found


def test_silence_never_supports_a_negative() -> None:
    assert feature_support(BAG, "waterproof") is None
    assert feature_support(HEADLAMP, "waterproof") is True  # IPX7
    assert feature_support(SPLASH, "waterproof") is False  # IPX4 is splash resistance only
    assert feature_support(JACKET, "hood") is True  # from its own text
    assert feature_support(PANNIER, "waterproof") is False  # its text says "not waterproof"
    hoodless = replace(JACKET, specs={}, description="A hoodless, close-fitting jacket.")
    assert feature_support(hoodless, "hood") is False


def test_the_subject_carries_over_to_the_next_sentence() -> None:
    assert problems("The Dawnpatrol 900 Headlamp is bright. It's $99.95 and weighs 105 g.") == []
    assert problems("The Dawnpatrol 900 Headlamp is bright. It's $39.95.") != []


def test_spoken_numbers_are_read_as_shoppers_say_them() -> None:
    assert {70.0, 120.0} <= spoken_numbers("between seventy and a hundred twenty dollars")
    assert -5.0 in spoken_numbers("rated to minus five")
    assert 1249.0 in spoken_numbers("under $1,249")
    assert 300.0 in spoken_numbers("at least 300 lumens")


# Replies Aisle gave on the demo catalog (copied from suite transcripts), each true as said.
REAL_REPLIES = [
    "The Kestrel Flint Titanium Stove is $69, 6 in stock. A 52-gram titanium canister stove for ultralight "
    "backpackers who still want a quick boil. Highlights: boil time 3.8 min, output 2700 W, weight 52 g. "
    "Shall I add it to your cart?",
    "The Kestrel Zephyr 7 Down Bag has a comfort rating of 7°C (limit rating 2°C). Shall I add it to your cart?",
    "The Northpeak Stormguard Pro Shell is $449. Shall I add it to your cart?",
    "The Northpeak Summit Pass 1 Bivy Tent is lighter: 1.3 kg, against 9.6 kg for the Pinecrest Cottonwood 5 "
    "Family Tent.",
    "Yes, the Brightwood Dawnpatrol 900 Headlamp is rated IPX7, which means waterproof (it survives being "
    "submerged). Shall I add it to your cart?",
    "No, its specs say the Trailwright Trailhead Low Hiking Shoe isn't waterproof. Shall I add it to your cart?",
]
SWAPS = [("is lighter", "is heavier"), ("Yes, the", "No, the"), ("means waterproof", "means not waterproof"),
         ("isn't waterproof", "is waterproof"), ("IPX7", "IPX4")]


@pytest.fixture(scope="module")
def demo_checker(demo_catalog_path: object) -> HonestyChecker:
    from tests.conversations.runner import load_products

    return HonestyChecker(load_products(demo_catalog_path))  # type: ignore[arg-type]


def mutations(checker: HonestyChecker, reply: str) -> list[str]:
    """The reply with one figure changed (outside product names), or one yes/no or comparison turned around."""
    _, blanked = checker.named_in(reply)
    found = []
    for m in re.finditer(r"(?<![\w.])\d+(?:\.\d+)?", blanked):
        if m.group(0) in ("1", "2") and blanked[max(0, m.start() - 1)] == "#":
            continue
        wrong = f"{float(m.group(0)) * 1.3 + 1:.{len(m.group(0).split('.')[1]) if '.' in m.group(0) else 0}f}"
        found.append(reply[:m.start()] + wrong + reply[m.end():])
    found += [reply.replace(a, b) for a, b in SWAPS if a in reply]
    return found


@pytest.mark.parametrize("reply", REAL_REPLIES, ids=[r[:40] for r in REAL_REPLIES])
def test_every_one_word_lie_in_a_real_reply_is_caught(demo_checker: HonestyChecker, reply: str) -> None:
    assert [str(c) for c in demo_checker.check(reply, Facts())] == [], "the true reply must pass"
    lies = mutations(demo_checker, reply)
    assert lies
    missed = [lie for lie in lies if not demo_checker.check(lie, Facts())]
    assert not missed, f"lies the checker let through: {missed}"


# Replies Aisle gave on the imported cycling shop, whose specs are strings with units ("1.4 kg", "1500 lumens").
BIKE_REPLIES = [
    "The Lanterna Ember U-Lock's weight is 1.4 kg. Shall I add it to your cart?",
    "The Northloop Fathom Gravel Bike is $1,259. Highlights: frame size 56 cm, weight 11.2 kg.",
    "The Brightspoke Harrier Front Light is the brightest: 1500 lumens, against 1000 lumens for the Gravelle Orbit "
    "Front Light and 700 lumens for the Gravelle Wren Front Light.",
    "The Velora Aero City E-Bike has a range of 90 km from its 625 Wh battery.",
]


@pytest.fixture(scope="module")
def bike_checker(tmp_path_factory: pytest.TempPathFactory) -> HonestyChecker:
    from tests.conversations.bike_store import build_bike_catalog
    from tests.conversations.runner import load_products

    return HonestyChecker(load_products(build_bike_catalog(tmp_path_factory.mktemp("bikes"))))  # type: ignore[arg-type]


@pytest.mark.parametrize("reply", BIKE_REPLIES, ids=[r[:40] for r in BIKE_REPLIES])
def test_lies_about_string_specs_are_caught(bike_checker: HonestyChecker, reply: str) -> None:
    assert [str(c) for c in bike_checker.check(reply, Facts())] == [], "the true reply must pass"
    missed = [lie for lie in mutations(bike_checker, reply) if not bike_checker.check(lie, Facts())]
    assert not missed, f"lies the checker let through: {missed}"
