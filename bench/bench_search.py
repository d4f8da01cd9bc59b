"""Search latency over generated catalogs of 10k and 100k products, through the real `Catalog.search`.

Measures p50/p95 for typical shopper queries, for a very common term (in most products' text), and for both with
the category and price filters. Goal: p95 <= 5 ms at 10k and <= 20 ms at 100k on the 2-core machine.

    .venv/bin/python bench/bench_search.py            # 10k and 100k
    .venv/bin/python bench/bench_search.py 10000      # one size
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from gen_catalog import catalog_path  # noqa: E402

from app.catalog.store import Catalog, SearchFilters  # noqa: E402

TYPICAL = ["2 person tent", "down sleeping bag", "waterproof rain jacket", "rechargeable headlamp",
           "ultralight backpack", "canister stove", "carbon trekking poles", "folding chair", "water filter",
           "ridgeline", "kids boots", "insulated bottle"]
COMMON = ["trail"]  # in most descriptions of the generated catalog
FILTERED = [
    ("2 person tent", SearchFilters(category="tents", max_price=300)),
    ("down sleeping bag", SearchFilters(category="sleeping-bags", max_price=250)),
    ("waterproof", SearchFilters(category="rain-jackets", min_price=50, max_price=200)),
    ("rechargeable", SearchFilters(category="headlamps", max_price=80, in_stock=True)),
    ("ultralight", SearchFilters(category="backpacks", min_price=100)),
]
COMMON_FILTERED = [
    ("trail", SearchFilters(category="tents", max_price=300)),
    ("trail", SearchFilters(category="hiking-boots", min_price=50, max_price=150)),
    ("trail", SearchFilters(max_price=100)),
]
GOALS_MS = {10_000: 5.0, 100_000: 20.0}
REPEATS = 40


def _measure(catalog: Catalog, cases: list[tuple[str, SearchFilters]]) -> list[float]:
    for query, filters in cases:  # warm the page cache and the statement cache
        catalog.search(query, filters, limit=10)
    times = []
    for _ in range(REPEATS):
        for query, filters in cases:
            started = time.perf_counter()
            catalog.search(query, filters, limit=10)
            times.append((time.perf_counter() - started) * 1000)
    return times


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run(size: int) -> bool:
    path = catalog_path(size)
    catalog = Catalog(path)
    none = SearchFilters()
    groups = {
        "typical queries": [(q, none) for q in TYPICAL],
        "very common term": [(q, none) for q in COMMON],
        "typical + category/price": FILTERED,
        "common + category/price": COMMON_FILTERED,
    }
    goal = GOALS_MS.get(size, 20.0)
    ok = True
    print(f"\n{size:,} products ({path.name}; the very common term 'trail' is in {_share(catalog, 'trail'):.0%} "
          "of products; 10 results per search)")
    print(f"  {'case':<28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  goal p95 <= {goal:g} ms")
    for name, cases in groups.items():
        times = _measure(catalog, cases)
        p50, p95 = statistics.median(times), _pct(times, 95)
        ok &= p95 <= goal
        print(f"  {name:<28} {len(times):>5} {p50:>8.2f} {p95:>8.2f} {max(times):>8.2f}  "
              f"{'ok' if p95 <= goal else 'MISSED'}")
    catalog.close()
    return ok


def _share(catalog: Catalog, term: str) -> float:
    conn = catalog._conn()
    hits = conn.execute("select count(*) from products_fts where products_fts match ?", (f'"{term}"',)).fetchone()[0]
    return hits / max(1, catalog.count())


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    results = [run(size) for size in sizes]
    print("\nall goals met" if all(results) else "\nsome goals missed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
