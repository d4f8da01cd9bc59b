"""`aisle catalog import FILE [--assets DIR] [--replace]`: the command line around `import_catalog`, with a progress
bar on stderr, the report on stdout, and problems (exit status 2) on stderr."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.settings import Settings


def add_import_parser(catalog_sub: Any) -> argparse.ArgumentParser:
    imp: argparse.ArgumentParser = catalog_sub.add_parser(
        "import", help="import a store catalog from CSV or JSON, with its photos and manuals")
    imp.add_argument("file", type=Path)
    imp.add_argument("--assets", type=Path, default=None,
                     help="folder the file's image and manual paths are relative to (default: the file's folder)")
    imp.add_argument("--replace", action="store_true", help="replace all products instead of adding/updating")
    imp.add_argument("--no-fetch", action="store_true", help="do not download http(s) photos and manuals")
    return imp


class ProgressBar:
    """`  photos [#########.....] 120/400` on stderr, one line per stage."""

    def __init__(self) -> None:
        self.stage = ""

    def __call__(self, done: int, total: int, stage: str = "products") -> None:
        if stage != self.stage and self.stage:
            sys.stderr.write("\n")
        self.stage = stage
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r  {stage:<9}[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()

    def end(self) -> None:
        if self.stage:
            sys.stderr.write("\n")
            sys.stderr.flush()


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from app.catalog.importer import ImportFailed, import_catalog

    target = settings.catalog_path
    if settings.catalog is None:
        from app.catalog.provision import ensure_data_catalog
        ensure_data_catalog(target)
    bar = ProgressBar()
    try:
        report = import_catalog(args.file, target, replace_all=args.replace, progress=bar,
                                assets_dir=args.assets, fetch=not args.no_fetch)
    except ImportFailed as exc:
        bar.end()
        print(exc.report(), file=sys.stderr)
        return 2
    bar.end()
    print(f"{report.details()}\nCatalog: {target}")
    if report.damaged_catalog_kept_as:
        print(f"The previous catalog could not be read and was kept as {report.damaged_catalog_kept_as}.")
    return 0
