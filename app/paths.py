"""Where Aisle finds what it ships and where it writes.

Shipped files (the demo catalog, resources, the web view) are read from the source tree or, in a frozen build, from
the read-only bundle. Everything written (settings, history, logs, an imported catalog) goes to the user data
directory, which `--data-dir` or `AISLE_DATA_DIR` can override.
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_NAME = "aisle"


def bundle_root() -> Path:
    """The directory holding shipped files: the repository root, or PyInstaller's bundle directory."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return bundle_root() / "resources"


def shipped_catalog_path() -> Path:
    return bundle_root() / "catalog.db"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
