"""Shared fixtures: a real catalog file built from the shipped sources, a data directory, and a wired runtime."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("AISLE_NO_KEYRING", "1")
for _secret in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_SPEECH_KEY", "AISLE_API_TOKEN"):
    os.environ.pop(_secret, None)

from app.catalog.build import build_catalog  # noqa: E402
from app.compose.runtime import build_runtime  # noqa: E402
from app.runtime import Runtime  # noqa: E402
from app.settings import Settings, load_settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def demo_catalog_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo catalog, built once per test run from resources/ into a temporary file (read-only use)."""
    path = tmp_path_factory.mktemp("catalog") / "catalog.db"
    build_catalog(path)
    return path


@pytest.fixture
def catalog_copy(demo_catalog_path: Path, tmp_path: Path) -> Path:
    """A writable copy of the demo catalog, for tests that import into it."""
    target = tmp_path / "catalog.db"
    target.write_bytes(demo_catalog_path.read_bytes())
    return target


@pytest.fixture
def settings(tmp_path: Path, demo_catalog_path: Path) -> Settings:
    return load_settings({"data_dir": tmp_path / "data", "catalog": demo_catalog_path}, environ={})


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = build_runtime(settings)
    yield rt
    await rt.close()
