"""search_products' colour, spec-value, size and denied-feature filters, on the real demo catalog and on an imported
cycling shop's catalog (colour, closure and sizes as text specs; copy that says "not waterproof")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.catalog.sizes import comes_in, covers
from app.catalog.store import Catalog
from app.compose.runtime import build_runtime
from app.runtime import Runtime
from app.settings import load_settings
from app.tools.search_terms import kind_words
from tests.conversations.bike_store import build_bike_catalog


@pytest.fixture(scope="module")
def bike_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bike_catalog(tmp_path_factory.mktemp("bikes"))


@pytest.fixture
async def bikes(bike_catalog: Path, tmp_path: Path) -> AsyncIterator[Runtime]:
    rt = build_runtime(load_settings({"data_dir": tmp_path / "data", "catalog": bike_catalog}, environ={}))
    yield rt
    await rt.close()


async def _search(runtime: Runtime, **args: Any) -> dict[str, Any]:
    session = await runtime.conversation.start_session()
    result = await runtime.tools.call(session, "search_products", args)
    assert result["ok"], result
    return result


def _specs(catalog: Path, result: dict[str, Any]) -> list[dict[str, Any]]:
    store = Catalog(catalog)
    return [store.get(p["id"]).specs for p in result["products"]]  # type: ignore[union-attr]


def test_a_size_is_in_a_listed_range_or_not() -> None:
    assert covers("US 7-14", "10") is True
    assert covers("US 7-14", "15") is False
    assert covers("Kids 11-4", "10") is None  # wraps from kids' to youth sizes: not read as a range
    assert covers("S-M", "medium") is True
    assert covers("M-L", "s") is False
    assert covers("One size", "m") is None
    assert comes_in({"frame_size": "54 cm"}, "54") is True
    assert comes_in({"weight_g": 300}, "10") is None  # no size listed: not a no


async def test_a_colour_word_matches_the_colour_spec_not_the_copy(bikes: Runtime, bike_catalog: Path) -> None:
    result = await _search(bikes, query="helmets", category="helmets", features=["green"])
    colours = [s["colour"] for s in _specs(bike_catalog, result)]
    assert colours and all("green" in c for c in colours)


async def test_a_colour_no_spec_gives_is_not_read_from_the_copy(runtime: Runtime) -> None:
    # demo headlamps have "red modes" in their copy, but no colour spec: none of them is a red headlamp
    result = await _search(runtime, query="headlamps", category="headlamps", features=["red"])
    assert result["count"] == 0


async def test_a_spec_value_said_with_a_hyphen_filters_by_that_spec(bikes: Runtime, bike_catalog: Path) -> None:
    result = await _search(bikes, query="bags", category="panniers-bags", features=["roll-top"])
    closures = {s["closure"] for s in _specs(bike_catalog, result)}
    assert result["count"] >= 2 and closures == {"roll-top"}


async def test_copy_that_denies_a_feature_does_not_count_as_it(bikes: Runtime) -> None:
    result = await _search(bikes, query="bags", category="panniers-bags", features=["waterproof"])
    store = Catalog(bikes.settings.catalog)
    texts = [store.get(p["id"]).description for p in result["products"]]  # type: ignore[union-attr]
    assert texts and not any("not waterproof" in t for t in texts)


async def test_a_size_keeps_only_products_listed_in_it(runtime: Runtime, demo_catalog_path: Path) -> None:
    result = await _search(runtime, query="boots", category="hiking-boots", size="10")
    assert result["count"] >= 3 and result["filters"]["size"] == "10"
    assert all(comes_in(s, "10") for s in _specs(demo_catalog_path, result))
    assert result["heading"].endswith(", in size 10")


async def test_a_category_word_as_a_feature_must_be_in_the_products_own_text(runtime: Runtime) -> None:
    # every tent's keywords carry "dome tent" (a synonym of the category); only a few are dome tents
    result = await _search(runtime, query="tents", category="tents", features=["dome"])
    assert 0 < result["count"] < 6 and all("dome" in p["name"].lower() for p in result["products"])


def test_the_word_before_a_names_noun_is_its_kind() -> None:
    names = ["Rover Gravel Bike", "Quill City E-Bike", "Weekender 45 Pack", "Fernhill 3 Dome", "Comet Kids Helmet"]
    assert kind_words(names, {"bike", "pack", "helmet"}) == {"gravel", "city", "kids"}


async def test_a_kind_word_matches_the_name_or_tags_not_a_passing_mention(bikes: Runtime) -> None:
    result = await _search(bikes, query="bikes", category="bikes", features=["gravel"])
    names = [p["name"] for p in result["products"]]
    assert len(names) >= 2 and all("Gravel Bike" in n for n in names), names  # copy says "built for gravel adventures"
