"""Generates realistic outdoor-gear catalogs of N products for the benchmarks, through the real catalog writer.

Names, descriptions, specs and tags are composed from word lists per category, so the FTS index sees the same kind of
text as the demo catalog (with realistic repetition: some words are in nearly every product, most in few). The same
N always gives the same catalog; files are cached under /tmp/aisle-bench.

    .venv/bin/python bench/gen_catalog.py 10000 100000
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


CACHE = Path("/tmp/aisle-bench")
GENERATOR_VERSION = 1

BRANDS = ["Northpeak", "Trailwright", "Kestrel", "Redfern", "Acorn", "Cedar & Stone", "Wildmoor", "Bluewater",
          "Ironbark", "Pinecrest", "Lakeside", "Brightwood", "Skyfold", "Riverline", "Granite & Co", "Alder",
          "Summitcraft", "Foxglove", "Tundra Works", "Harbor Outdoor", "Saltmarsh", "Highline", "Emberfield",
          "Quarry", "Westwind"]
MODEL_WORDS = ["Ridgeline", "Summit", "Trailhead", "Meadow", "Hollow", "Canyon", "Granite", "Aspen", "Cirrus",
               "Nimbus", "Stormguard", "Firefly", "Skylark", "Moorland", "Fellside", "Harbor", "Tidewater", "Ember",
               "Frostline", "Glacier", "Cascade", "Juniper", "Sequoia", "Basalt", "Tamarack", "Heron", "Osprey",
               "Falcon", "Marmot", "Lynx", "Badger", "Otter", "Cedar", "Birch", "Willow", "Alpine", "Boulder",
               "Switchback", "Scree", "Talus", "Cairn", "Pathfinder", "Voyager", "Wayfarer", "Drifter", "Rambler",
               "Nomad", "Horizon", "Zenith", "Solstice", "Equinox", "Aurora", "Comet", "Polaris", "Orion", "Vega"]

CATEGORIES: dict[str, dict[str, Any]] = {
    "tents": {
        "nouns": ["Tent", "Dome", "Shelter", "Tunnel Tent", "Cabin Tent", "Bivy"],
        "adjectives": ["Ultralight", "Backpacking", "Family", "Four-Season", "Expedition", "Trekking Pole", "Beach"],
        "features": ["a fly-first pitch", "two doors and two vestibules", "colour-coded poles", "a bathtub floor",
                     "a storm-ready guy-out system", "mesh walls for summer nights", "a roomy porch"],
        "tags": ["backpacking", "family", "ultralight", "freestanding", "3-season", "4-season", "waterproof"],
        "price": (69, 899),
    },
    "sleeping-bags": {
        "nouns": ["Sleeping Bag", "Mummy", "Quilt", "Double Bag", "Rectangular Bag"],
        "adjectives": ["Down", "Synthetic", "Winter", "Summer", "Expedition", "Kids", "Flannel"],
        "features": ["a draft collar", "a full-length zip", "a cinchable hood", "ethically sourced down",
                     "a roomy footbox", "a water-resistant shell", "a compression sack"],
        "tags": ["down", "synthetic", "warm", "winter", "summer", "packable", "mummy"],
        "price": (29, 649),
    },
    "backpacks": {
        "nouns": ["Pack", "Backpack", "Daypack", "Rucksack", "Hydration Pack"],
        "adjectives": ["Trekking", "Ultralight", "Alpine", "Expedition", "Commuter", "Kids", "Rolltop"],
        "features": ["an adjustable torso", "a ventilated back panel", "hip-belt pockets", "a built-in rain cover",
                     "a hydration sleeve", "a floating lid", "ice-axe loops"],
        "tags": ["daypack", "backpacking", "ultralight", "hydration", "travel", "rain cover", "hiking"],
        "price": (24, 499),
    },
    "hiking-boots": {
        "nouns": ["Boot", "Hiking Shoe", "Hiker", "Trail Runner", "Approach Shoe", "Mid"],
        "adjectives": ["Waterproof", "Leather", "Mountaineering", "Lightweight", "Women's", "Kids", "Vented"],
        "features": ["a grippy lugged outsole", "a waterproof membrane", "a stiff shank", "a cushioned midsole",
                     "a protective toe cap", "quick-dry mesh", "a gusseted tongue"],
        "tags": ["waterproof", "leather", "mid", "low", "trail", "backpacking", "all-weather"],
        "price": (49, 399),
    },
    "rain-jackets": {
        "nouns": ["Rain Jacket", "Shell", "Raincoat", "Hardshell", "Poncho", "Slicker"],
        "adjectives": ["Packable", "Insulated", "Stretch", "Ultralight", "Women's", "Kids", "Cycling"],
        "features": ["taped seams", "pit zips", "a helmet-compatible hood", "a packable pocket",
                     "a three-layer fabric", "adjustable cuffs", "a dropped hem"],
        "tags": ["waterproof", "packable", "breathable", "hood", "rain", "windproof", "all-weather"],
        "price": (29, 549),
    },
    "camp-stoves": {
        "nouns": ["Stove", "Burner", "Cooking System", "Camp Kitchen", "Grill"],
        "adjectives": ["Canister", "Wood", "Alcohol", "Multi-Fuel", "Two Burner", "Titanium", "Compact"],
        "features": ["a piezo igniter", "a wind shield", "a simmer control", "folding pot supports",
                     "an integrated pot", "a regulator for cold weather", "a stable wide base"],
        "tags": ["canister", "wood", "alcohol", "gas", "compact", "cooking", "lightweight"],
        "price": (19, 349),
    },
    "headlamps": {
        "nouns": ["Headlamp", "Head Torch", "Lamp"],
        "adjectives": ["Rechargeable", "Hybrid", "Kids", "Work", "Alpine", "Reflective", "Waterproof"],
        "features": ["a red night mode", "a lock-out switch", "a USB-C port", "a tilting head",
                     "a reactive beam", "a battery indicator", "a comfortable strap"],
        "tags": ["rechargeable", "bright", "lightweight", "running", "camping", "waterproof", "usb"],
        "price": (9, 199),
    },
    "water-bottles-filters": {
        "nouns": ["Bottle", "Filter", "Purifier", "Flask", "Hydration Bladder", "Water Jug", "Pump"],
        "adjectives": ["Insulated", "Squeeze", "Gravity", "Carbon", "UV", "Steel", "Kids"],
        "features": ["a wide mouth", "a leak-proof lid", "a hollow-fibre filter", "double-wall insulation",
                     "a carry loop", "a quick-connect hose", "a backflush plunger"],
        "tags": ["filter", "bottle", "bpa-free", "insulated", "purifier", "hydration", "travel"],
        "price": (7, 179),
    },
    "camp-chairs": {
        "nouns": ["Chair", "Stool", "Recliner", "Rocker", "Loveseat"],
        "adjectives": ["Folding", "Backpacking", "Heavy Duty", "Kids", "Director", "Beach", "Heated"],
        "features": ["a cup holder", "a side table", "a padded seat", "a steel frame", "an aluminium frame",
                     "a carry bag", "wide feet for sand"],
        "tags": ["folding", "lightweight", "camping", "beach", "family", "heavy duty", "comfort"],
        "price": (14, 299),
    },
    "trekking-poles": {
        "nouns": ["Poles", "Trekking Poles", "Walking Poles", "Walking Sticks"],
        "adjectives": ["Carbon", "Aluminium", "Folding", "Anti-Shock", "Kids", "Winter", "Cork Grip"],
        "features": ["lever locks", "cork grips", "carbide tips", "snow baskets", "foam extensions",
                     "a folding design", "shock absorbers"],
        "tags": ["carbon", "aluminium", "folding", "hiking", "trekking", "winter", "lightweight"],
        "price": (19, 249),
    },
}
OPENERS = ["Built for long days on the trail", "A favourite for weekend trips", "Made for rough trail conditions",
           "Designed with trail feedback from guides", "An easy choice for first trips",
           "Ready for shoulder-season trail miles", "Tough enough for daily use"]
CLOSERS = ["Backed by a lifetime warranty.", "Packs down small in a stuff sack.", "Easy to care for at home.",
           "Comes in several colours.", "Repairable with common field kits.", "Tested on long trail sections."]


def _specs(category: str, rng: random.Random) -> dict[str, Any]:
    if category == "tents":
        return {"capacity_persons": rng.choice([1, 2, 2, 3, 4, 6]), "weight_kg": round(rng.uniform(0.8, 12), 1),
                "seasons": rng.choice([3, 3, 4]), "waterproof_rating_mm": rng.choice([1500, 2000, 3000, 4000])}
    if category == "sleeping-bags":
        return {"comfort_rating_c": rng.randint(-18, 12), "fill": rng.choice(["down", "synthetic"]),
                "shape": rng.choice(["mummy", "rectangular", "semi-rectangular"]),
                "weight_kg": round(rng.uniform(0.5, 3), 1)}
    if category == "backpacks":
        return {"capacity_l": rng.choice([12, 18, 22, 30, 40, 55, 65, 75]),
                "weight_kg": round(rng.uniform(0.3, 2.5), 1), "rain_cover": rng.random() < 0.4}
    if category == "hiking-boots":
        return {"waterproof": rng.random() < 0.6, "cut": rng.choice(["low", "mid", "high"]),
                "weight_g_pair": rng.randint(500, 1800)}
    if category == "rain-jackets":
        return {"waterproof_rating_mm": rng.choice([10000, 15000, 20000, 28000]), "hood": True,
                "packable": rng.random() < 0.5, "weight_g": rng.randint(150, 700)}
    if category == "camp-stoves":
        return {"fuel": rng.choice(["canister", "wood", "alcohol", "liquid fuel", "propane"]),
                "boil_time_min": round(rng.uniform(2.5, 9), 1), "weight_g": rng.randint(60, 6000)}
    if category == "headlamps":
        return {"lumens": rng.choice([120, 200, 250, 350, 400, 600, 900, 1200]),
                "battery": rng.choice(["AAA", "rechargeable", "hybrid"]), "runtime_h": rng.randint(4, 120)}
    if category == "water-bottles-filters":
        return {"capacity_l": rng.choice([0.5, 0.75, 1.0, 2.0, 3.0, 10.0]),
                "filter_type": rng.choice(["none", "hollow fibre", "carbon", "uv"]), "weight_g": rng.randint(40, 900)}
    if category == "camp-chairs":
        return {"max_load_kg": rng.choice([45, 100, 120, 136, 180]), "weight_kg": round(rng.uniform(0.5, 8), 1)}
    return {"material": rng.choice(["carbon", "aluminium"]), "weight_g_pair": rng.randint(300, 650),
            "locking": rng.choice(["lever", "twist", "push-button"]), "folding": rng.random() < 0.4}


def generate(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` products spread over the ten demo categories, deterministic for a given count and seed."""
    rng = random.Random(seed * 1_000_003 + count)
    slugs = list(CATEGORIES)
    prefixes = {slug: slug[:3].upper() for slug in slugs}
    products = []
    for i in range(count):
        slug = slugs[i % len(slugs)]
        words = CATEGORIES[slug]
        brand = rng.choice(BRANDS)
        model = rng.choice(MODEL_WORDS)
        number = rng.choice(["", "", f" {rng.randint(1, 9)}", f" {rng.choice([20, 30, 45, 55, 65, 200, 400])}"])
        name = f"{model}{number} {rng.choice(words['adjectives'])} {rng.choice(words['nouns'])}"
        low, high = words["price"]
        price = round(min(high, low * rng.lognormvariate(0.9, 0.6)), 0) - rng.choice([0.01, 0.05, 0.0, 0.0])
        features = rng.sample(words["features"], 3)
        noun = name.split()[-1].lower()
        short = f"A {rng.choice(words['adjectives']).lower()} {noun} with {features[0]}."
        description = (f"{rng.choice(OPENERS)}, the {brand} {model} brings {features[1]} and {features[2]}. "
                       f"{rng.choice(CLOSERS)}")
        products.append({
            "id": f"{prefixes[slug]}-{i + 1:06d}",
            "name": name,
            "brand": brand,
            "category": slug,
            "price": max(price, 4.99),
            "stock": 0 if rng.random() < 0.08 else rng.randint(1, 60),
            "short_description": short,
            "description": description,
            "specs": _specs(slug, rng),
            "tags": rng.sample(words["tags"], 3),
            "related": [],
        })
    return products


def catalog_path(count: int) -> Path:
    """The cached catalog of `count` generated products, generating it first if needed."""
    from app.catalog.build import load_sources
    from app.catalog.writer import open_for_writing, write_products

    path = CACHE / f"catalog-{count}-v{GENERATOR_VERSION}.db"
    if path.is_file():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    categories, _ = load_sources()
    tmp = path.with_suffix(".db.part")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    db = open_for_writing(tmp)
    write_products(db, generate(count), categories, replace_all=True, meta={"source": f"bench-{count}"})
    db.conn.execute("vacuum")
    db.conn.close()
    tmp.replace(path)
    print(f"generated {count} products into {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def main(argv: list[str]) -> int:
    for arg in argv or ["10000"]:
        path = catalog_path(int(arg))
        print(f"{arg}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
