"""The committed `catalog.db` is what `aisle catalog build` makes from resources/, the build is reproducible, and the
demo catalog keeps its rules."""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections import Counter
from pathlib import Path

from app.catalog.build import build_catalog, dump_rows, source_digest
from app.catalog.store import Catalog
from app.paths import shipped_catalog_path

REBUILD = ".venv/bin/aisle catalog build"


def freshness_problem(shipped: Path, fresh: Path) -> str | None:
    """Why `shipped` is not what a build of resources/ gives (`fresh`), in words that say what to do; None if fresh."""
    if not shipped.is_file():
        return f"{shipped} is missing: run `{REBUILD}` and commit catalog.db."
    expected, actual = dump_rows(fresh), dump_rows(shipped)
    if expected == actual:
        return None
    diff = list(difflib.unified_diff(actual, expected, "catalog.db", "fresh build", lineterm="", n=0))[:12]
    return (f"catalog.db is stale: it differs from a build of resources/catalog. Run `{REBUILD}` and commit "
            f"catalog.db.\n" + "\n".join(line[:240] for line in diff))


def test_committed_catalog_is_fresh(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    build_catalog(fresh)
    problem = freshness_problem(shipped_catalog_path(), fresh)
    assert problem is None, problem
    assert Catalog(shipped_catalog_path()).meta().get("source_sha256") == source_digest()


def test_a_stale_or_missing_catalog_is_reported_with_the_fix(tmp_path: Path) -> None:
    fresh, stale = tmp_path / "fresh.db", tmp_path / "stale.db"
    build_catalog(fresh)
    build_catalog(stale)
    conn = sqlite3.connect(stale)
    conn.execute("update products set price = price + 1 where id = 'TNT-1001'")
    conn.commit()
    conn.close()
    problem = freshness_problem(stale, fresh)
    assert problem is not None and REBUILD in problem and "TNT-1001" in problem
    missing = freshness_problem(tmp_path / "nope.db", fresh)
    assert missing is not None and REBUILD in missing


def test_build_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "one.db", tmp_path / "two.db"
    assert build_catalog(first) == build_catalog(second)
    assert dump_rows(first) == dump_rows(second)
    # building over an existing file replaces it completely
    build_catalog(first)
    assert dump_rows(first) == dump_rows(second)
    assert not list(tmp_path.glob("*.tmp"))


def test_catalog_rules(demo_catalog_path: Path) -> None:
    catalog = Catalog(demo_catalog_path)
    assert catalog.count() >= 150
    slugs = {c.slug for c in catalog.categories()}
    assert {"tents", "sleeping-bags", "backpacks", "hiking-boots", "rain-jackets", "camp-stoves", "headlamps",
            "water-bottles-filters", "camp-chairs", "trekking-poles"} <= slugs
    products = catalog.search("", limit=50)  # no words: cheapest in-stock first
    assert products
    everything = catalog.get_many(
        [f"{prefix}-{n}" for prefix in ("TNT", "SLB", "BPK", "BOT", "RJK", "STV", "HLP", "WTR", "CHR", "TRK")
         for n in range(1001, 1018)]
    )
    assert len(everything) >= 150
    per_category = Counter(p.category for p in everything)
    assert len(per_category) >= 10 and min(per_category.values()) >= 10
    out_of_stock = [p for p in everything if not p.in_stock]
    assert 5 <= len(out_of_stock) < len(everything) // 4, "some, not most, products are out of stock"
    assert len({p.price for p in everything}) > 60, "prices vary"
    assert len({p.stock for p in everything}) > 20, "stock counts vary"
    for product in everything:
        assert product.name and product.brand and product.short_description and product.description
        assert product.specs and product.tags and product.price > 0
        svg = catalog.image_svg(product.id)
        assert svg is not None and svg.startswith("<svg") and len(svg) < 20_000
    meta = catalog.meta()
    assert meta["source"] == "shipped" and json.loads(meta["schema_version"]) >= 1
