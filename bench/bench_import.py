"""Import speed of a store's export with photos: 50k rows, each with its own generated photo (JPEG, every tenth a
PNG), through the real `import_catalog` into a copy of the demo catalog (built beside it, checked, swapped in).

Prints rows/s for the whole import, the time per photo (wall clock, over the import's thread pool), and each stage.

    .venv/bin/python bench/bench_import.py                 # 50,000 rows, 640x480 sources
    .venv/bin/python bench/bench_import.py 5000 1600x1200  # fewer rows, bigger sources
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image, ImageDraw  # noqa: E402

from app.catalog.build import build_catalog  # noqa: E402
from app.catalog.importer import import_catalog  # noqa: E402
from app.catalog.store import Catalog  # noqa: E402

CATEGORIES = ["tents", "sleeping-bags", "backpacks", "headlamps", "camp-stoves", "camp-chairs"]


def _make_photos(args: tuple[Path, int, int, tuple[int, int]]) -> int:
    folder, start, stop, size = args
    rng = random.Random(start)
    for i in range(start, stop):
        image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.randrange(size[0]), rng.randrange(size[1])
            draw.rectangle((x, y, x + size[0] // 3, y + size[1] // 3),
                           fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        image.save(folder / (f"p{i:06d}.png" if i % 10 == 0 else f"p{i:06d}.jpg"), quality=85)
    return stop - start


def make_export(folder: Path, rows: int, size: tuple[int, int]) -> Path:
    photos = folder / "photos"
    photos.mkdir(parents=True)
    step = 500
    with ProcessPoolExecutor(os.cpu_count() or 2) as pool:
        list(pool.map(_make_photos, [(photos, s, min(s + step, rows), size) for s in range(0, rows, step)]))
    source = folder / "export.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "brand", "category", "price", "description", "image"])
        for i in range(rows):
            writer.writerow([f"B-{i:06d}", f"Trail Item {i}", "Benchmark", CATEGORIES[i % len(CATEGORIES)],
                             f"${10 + i % 300}.99", f"A generated product number {i}. Light and sturdy.",
                             f"photos/p{i:06d}.{'png' if i % 10 == 0 else 'jpg'}"])
    return source


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    size = tuple(int(v) for v in (sys.argv[2] if len(sys.argv) > 2 else "640x480").split("x"))
    work = Path(tempfile.mkdtemp(prefix="aisle-bench-import-"))
    try:
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        started = time.perf_counter()
        source = make_export(work / "export", rows, (size[0], size[1]))
        print(f"generated {rows:,} rows and {rows:,} photos ({size[0]}x{size[1]}, JPEG and 1 in 10 PNG) in "
              f"{time.perf_counter() - started:.1f} s")
        target = work / "catalog.db"
        build_catalog(target)
        stages: dict[str, list[float]] = {}

        def progress(done: int, total: int, stage: str) -> None:
            now = time.perf_counter()
            first_last = stages.setdefault(stage, [now, now])
            first_last[1] = now

        started, cpu_started = time.perf_counter(), time.process_time()
        report = import_catalog(source, target, progress=progress)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        photo_s = stages["photos"][1] - stages["photos"][0] if "photos" in stages else 0.0
        print(f"imported {report.imported:,} rows with {report.photos:,} photos in {elapsed:.1f} s: "
              f"{report.imported / elapsed:,.0f} rows/s")
        print(f"photos: {1000 * photo_s / max(report.photos, 1):.2f} ms per photo (wall clock over the thread pool; "
              f"{photo_s:.1f} s for the photo stage)")
        print(f"CPU time of the import (all threads): {cpu:.1f} s, {1000 * cpu / max(report.photos, 1):.2f} ms per row "
              "with its photo (what a machine to itself would approach)")
        for stage, (first, last) in stages.items():
            print(f"  stage {stage:<9} {last - first:7.1f} s (first to last progress report)")
        print(f"catalog: {Catalog(target).count():,} products, {target.stat().st_size / 1e6:,.0f} MB; "
              f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
