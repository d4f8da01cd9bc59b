"""One wired runtime per catalog (the demo store, the imported cycling shop), each on its own event loop, reused by
every dialogue; each dialogue is its own shopper session. And the tally of outcomes for the summary line."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from app.compose.runtime import build_runtime
from app.runtime import Runtime
from app.settings import load_settings
from tests.conversations.bike_store import build_bike_catalog
from tests.conversations.dialogues import Dialogue
from tests.conversations.runner import DialogueRun, Store, load_products

RESULTS: dict[str, Counter[str]] = {}



class CatalogSession:
    """A runtime on one catalog, driven from synchronous tests through its own event loop."""

    def __init__(self, store: Store, data_dir: Path) -> None:
        self.store = store
        self.loop = asyncio.new_event_loop()
        settings = load_settings({"data_dir": data_dir, "catalog": store.path, "reply_pacing_ms": 0}, environ={})
        self.runtime: Runtime = self.loop.run_until_complete(self._build(settings))

    @staticmethod
    async def _build(settings: object) -> Runtime:
        return build_runtime(settings)  # type: ignore[arg-type]

    def play(self, dialogue: Dialogue) -> DialogueRun:
        run = DialogueRun(self.runtime, self.store, dialogue)
        self.loop.run_until_complete(run.play())
        return run

    def close(self) -> None:
        self.loop.run_until_complete(self.runtime.close())
        self.loop.close()


class Catalogs:
    """Builds each catalog's session the first time a dialogue needs it."""

    def __init__(self, demo_path: Path, tmp: pytest.TempPathFactory) -> None:
        self._demo_path = demo_path
        self._tmp = tmp
        self._sessions: dict[str, CatalogSession] = {}
        self._bikes_path: Path | None = None

    def path(self, name: str) -> Path:
        if name == "demo":
            return self._demo_path
        if self._bikes_path is None:
            self._bikes_path = build_bike_catalog(self._tmp.mktemp("bike-shop"))
        return self._bikes_path

    def get(self, name: str) -> CatalogSession:
        if name not in self._sessions:
            other = "bikes" if name == "demo" else "demo"
            store = Store.open(name, self.path(name), _store_words(self.path(other)))
            self._sessions[name] = CatalogSession(store, self._tmp.mktemp(f"data-{name}"))
        return self._sessions[name]

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()


def _store_words(path: Path) -> list[str]:
    """Category names and brands of another store: words a reply in this store has no reason to use."""
    products = load_products(path).values()
    words = {p.brand for p in products if p.brand}
    for category in {p.category.replace("-", " ") for p in products}:
        words |= {category, category.removesuffix("s")}  # "tents" and "a tent"
    return sorted(words)


def record(catalog: str, outcome: str) -> None:
    RESULTS.setdefault(catalog, Counter())[outcome] += 1




def judge(session: CatalogSession, dialogue: Dialogue) -> tuple[str, str]:
    """Play the dialogue and say how it went: pass, fail, known_gap (fails as the data says it does) or gap_passed
    (marked as a known gap but passes now), with the failure's message."""
    try:
        session.play(dialogue)
    except AssertionError as exc:
        return ("known_gap" if dialogue.known_gap else "fail"), str(exc)
    if dialogue.known_gap:
        return "gap_passed", (f"[{dialogue.id}] passes now: remove its known_gap ({dialogue.known_gap!r}) "
                              "from the dialogue file")
    return "pass", ""
