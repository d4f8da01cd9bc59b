"""After a staff import the new products and categories are understood at once, without a restart."""

from __future__ import annotations

from pathlib import Path

from app.catalog.importer import import_catalog
from app.compose.runtime import build_runtime
from app.events import Event, EventKind
from app.settings import Settings


async def test_an_imported_category_is_understood_after_catalog_changed(
    settings: Settings, catalog_copy: Path, tmp_path: Path
) -> None:
    source = tmp_path / "kayaks.csv"
    source.write_text("id,name,brand,category,price,stock\nKYK-1,Riverrun Touring Kayak,Northpeak,Kayaks,899,3\n")
    runtime = build_runtime(settings.replace(catalog=catalog_copy))
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    try:
        await runtime.conversation.start_session()  # the agent learns the catalog's words
        await runtime.run_blocking(lambda: import_catalog(source, catalog_copy))
        await runtime.catalog_changed()
        await runtime.conversation.submit_text("show me kayaks")
    finally:
        await runtime.close()
    calls = [e.data for e in events if e.kind is EventKind.FUNCTION_CALL]
    assert calls and calls[-1]["parameters"].get("category") == "kayaks"
    assert [p["id"] for p in calls[-1]["result"]["products"]] == ["KYK-1"]
