"""A second, differently shaped catalog for the conversation suite: a cycling shop's export, imported for real.

Nothing here is shaped like the demo store: other categories ("Bike Lights", "Locks", "Panniers & Bags", ...), other
brands, some names that begin with their brand ("Velora Aero Road Helmet" by Velora), long multi-paragraph
descriptions and no short ones, specs as strings with their units ("1.2 kg", "700 lumens", "20 L"), no stock column,
and prices as a shop's spreadsheet writes them ("$1,249.00"). The same seed always gives the same file. It is
written as a JSON export and imported through `app.catalog.importer.import_catalog`, like `aisle catalog import`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from app.catalog.importer import import_catalog

SEED = 11

# category name -> (product nouns, price range, spec maker)
COLOURS = ["matte black", "forest green", "signal orange", "white", "navy blue", "red"]
BRANDS = ["Velora", "Spindle & Co", "Kettle Hill", "Brightspoke", "Gravelle", "Cobbleworks", "Lanterna", "Northloop"]
MODELS = ["Aero", "Comet", "Vireo", "Switch", "Tempo", "Rover", "Cinder", "Harrier", "Quill", "Marlin", "Orbit",
          "Pico", "Strada", "Sable", "Wren", "Tundra", "Cascade", "Fathom", "Ember", "Lumen"]


def _helmet(rng: random.Random, i: int) -> dict[str, Any]:
    kind = ["Road", "Commuter", "Mountain", "Kids"][i % 4]
    mips = i % 3 != 0
    weight = rng.choice([240, 265, 290, 310, 340, 380, 410])
    return {"noun": f"{kind} Helmet", "price": rng.choice([39, 59, 89, 129, 179, 229]) + 0.0,
            "specs": {"weight": f"{weight} g", "mips": mips, "vents": rng.choice([8, 14, 18, 22]),
                      "sizes": rng.choice(["S-M", "M-L", "One size", "XS-S"]), "colour": COLOURS[i % len(COLOURS)]},
            "tags": [kind.lower(), "mips" if mips else "classic", "helmet"],
            "features": [("a MIPS liner that reduces rotational forces" if mips else
                          "a classic EPS liner (no MIPS layer)"), f"{weight} grams on the scale"]}


def _light(rng: random.Random, i: int) -> dict[str, Any]:
    front = i % 3 != 2
    lumens = rng.choice([400, 700, 1000, 1500]) if front else rng.choice([40, 100, 150])
    ip = rng.choice(["IPX4", "IPX7", "IPX6"])
    return {"noun": "Front Light" if front else "Rear Light",
            "price": (rng.choice([29, 49, 79, 119, 159]) if front else rng.choice([19, 29, 45])) + 0.99,
            "specs": {"brightness": f"{lumens} lumens", "battery": f"{rng.choice([1200, 2500, 4000])} mAh",
                      "runtime": f"{rng.choice([2, 3, 5, 8, 12])} h", "water_rating": ip, "usb_rechargeable": True},
            "tags": ["front" if front else "rear", "rechargeable", "commuting"],
            "features": [f"a {lumens}-lumen beam", f"an {ip} rating"]}


def _lock(rng: random.Random, i: int) -> dict[str, Any]:
    kind = ["U-Lock", "Chain Lock", "Folding Lock", "Cable Lock"][i % 4]
    weight = {"U-Lock": 1.4, "Chain Lock": 2.3, "Folding Lock": 1.1, "Cable Lock": 0.4}[kind]
    return {"noun": kind, "price": rng.choice([25, 45, 69, 99, 129]) + 0.0,
            "specs": {"weight": f"{weight} kg", "security_level": f"{rng.randint(5, 15)}/15",
                      "length": f"{rng.choice([24, 85, 100, 120])} cm", "keys": rng.choice([2, 3])},
            "tags": [kind.lower().replace(" ", "-"), "security", "commuting"],
            "features": [f"a weight of {weight} kg", "a hardened steel body"]}


def _bag(rng: random.Random, i: int) -> dict[str, Any]:
    kind = ["Pannier", "Saddle Bag", "Frame Bag", "Handlebar Bag"][i % 4]
    volume = {"Pannier": rng.choice([18, 20, 25]), "Saddle Bag": rng.choice([1, 10, 14]),
              "Frame Bag": rng.choice([3, 5]), "Handlebar Bag": rng.choice([2, 8, 12])}[kind]
    waterproof = i % 2 == 0
    return {"noun": kind, "price": rng.choice([29, 49, 69, 89, 119]) + 0.0,
            "specs": {"volume": f"{volume} L", "weight": f"{rng.choice([0.2, 0.45, 0.8, 1.1])} kg",
                      "closure": rng.choice(["roll-top", "zip", "buckle"])},
            "tags": ["bikepacking" if kind != "Pannier" else "touring", "storage"],
            "features": ["a fully waterproof welded shell" if waterproof else
                         "a coated canvas body that is not waterproof in a downpour", f"{volume} litres of space"]}


def _tyre(rng: random.Random, i: int) -> dict[str, Any]:
    kind = ["Road Tyre", "Gravel Tyre", "MTB Tyre", "Touring Tyre"][i % 4]
    width = {"Road Tyre": 28, "Gravel Tyre": 40, "MTB Tyre": 58, "Touring Tyre": 35}[kind]
    tubeless = i % 2 == 1
    return {"noun": kind, "price": rng.choice([29, 39, 54, 69]) + 0.95,
            "specs": {"width": f"{width} mm", "wheel_size": "29 inch" if kind == "MTB Tyre" else "700c",
                      "weight": f"{rng.choice([260, 320, 450, 780])} g", "tubeless": tubeless},
            "tags": [kind.split()[0].lower(), "tyre", "tubeless" if tubeless else "clincher"],
            "features": [f"a {width} mm casing", "a puncture protection belt"]}


def _pump(rng: random.Random, i: int) -> dict[str, Any]:
    kind = ["Floor Pump", "Mini Pump", "CO2 Inflator"][i % 3]
    return {"noun": kind, "price": rng.choice([15, 29, 49, 79]) + 0.0,
            "specs": {"max_pressure": f"{rng.choice([80, 100, 120, 160])} psi",
                      "weight": f"{[1.6, 0.12, 0.09][i % 3]} kg", "gauge": i % 3 == 0},
            "tags": [kind.lower().split()[0], "inflation", "repair"],
            "features": ["a Presta and Schrader head", "an aluminium barrel"]}


def _bike(rng: random.Random, i: int) -> dict[str, Any]:
    kind = ["Road Bike", "Gravel Bike", "City E-Bike", "Hybrid Bike"][i % 4]
    weight = rng.choice([8.4, 9.8, 11.2, 13.5, 22.0 if "E-" in kind else 12.1])
    specs: dict[str, Any] = {"weight": f"{weight} kg", "gears": f"{rng.choice([8, 11, 12, 22])} speed",
                             "frame": rng.choice(["aluminium", "carbon", "steel"]),
                             "frame_size": f"{rng.choice([50, 54, 56, 58])} cm"}
    if "E-" in kind:
        specs["battery"] = f"{rng.choice([400, 500, 625])} Wh"
        specs["range"] = f"{rng.choice([60, 90, 120])} km"
        specs["motor"] = "250 W"
    prices = [1899, 2499, 3199] if "E-" in kind else [649, 899, 1249, 1899, 2499]
    return {"noun": kind, "price": rng.choice(prices) + 0.0, "specs": specs,
            "tags": [kind.lower().split()[0], "bike", specs["frame"]],
            "features": [f"a {specs['frame']} frame", f"a complete weight of {weight} kg"]}


def _bottle(rng: random.Random, i: int) -> dict[str, Any]:
    insulated = i % 2 == 0
    volume = rng.choice([500, 620, 750])
    return {"noun": "Insulated Bottle" if insulated else "Bidon", "price": rng.choice([8, 12, 18, 24]) + 0.5,
            "specs": {"volume": f"{volume} ml", "insulated": insulated, "weight": f"{rng.choice([78, 95, 160])} g",
                      "colour": COLOURS[(i + 1) % len(COLOURS)]},
            "tags": ["hydration", "bottle", "insulated" if insulated else "squeeze"],
            "features": [f"{volume} ml of water", "a leak-proof valve"]}


CATEGORIES: dict[str, tuple[Any, int]] = {
    "Helmets": (_helmet, 10), "Bike Lights": (_light, 10), "Locks": (_lock, 9), "Panniers & Bags": (_bag, 10),
    "Tyres": (_tyre, 9), "Pumps": (_pump, 7), "Bikes": (_bike, 10), "Bottles": (_bottle, 7),
}


def _description(rng: random.Random, name: str, category: str, features: list[str]) -> str:
    """Three paragraphs, like a shop's product copy: what it is for, what it has, and care."""
    use = rng.choice(["daily commuting", "long weekend rides", "fast road training", "gravel adventures",
                      "rides with the kids", "winter miles"])
    first = (f"The {name} is built for {use}. We tested it on wet cobbles, long climbs and the school run, and it "
             f"kept doing its job without fuss.")
    second = f"It comes with {features[0]}, and {features[1]}. " + rng.choice([
        "Riders tell us it is the piece of kit they stop thinking about.",
        "Everything that could rattle has been designed out.",
        "Small details, like the reflective trim, make it easy to live with."])
    third = rng.choice(["Wipe clean with a damp cloth. Store dry.", "Covered by a two-year warranty.",
                        "Spare parts are available from the service desk."])
    return "\n\n".join([first, second, third])


def generate(seed: int = SEED) -> list[dict[str, Any]]:
    """The export's rows, as a shop's system would write them."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    models = list(MODELS)
    for c, (category, (maker, count)) in enumerate(CATEGORIES.items()):
        for i in range(count):
            item = maker(rng, i)
            brand = BRANDS[(c * 3 + i) % len(BRANDS)]
            model = models[(c * 7 + i * 3) % len(models)]
            name = f"{model} {item['noun']}"
            if i % 3 == 1:
                name = f"{brand} {name}"  # the export repeats the brand in some names
            display = name if name.startswith(brand) else f"{brand} {name}"
            price = item["price"] + i * 2  # a shop's prices rarely tie within a category
            rows.append({
                "id": f"CY-{c + 1}{i + 1:02d}",
                "name": name,
                "brand": brand,
                "category": category,
                "price": f"${price:,.2f}",
                "description": _description(rng, display, category, item["features"]),
                "specs": item["specs"],
                "tags": item["tags"],
                "product_url": f"https://example.invalid/p/{c}{i}",  # an export column Aisle does not know
            })
    return rows


def write_export(path: Path, seed: int = SEED) -> Path:
    path.write_text(json.dumps({"products": generate(seed)}, indent=1), encoding="utf-8")
    return path


def build_bike_catalog(directory: Path, seed: int = SEED) -> Path:
    """Write the export into `directory` and import it into a new catalog file there; returns the catalog path."""
    directory.mkdir(parents=True, exist_ok=True)
    source = write_export(directory / "cycle-shop-export.json", seed)
    catalog = directory / "catalog.db"
    import_catalog(source, catalog)
    return catalog
