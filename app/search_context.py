"""What the shopper has been shown, so tools can reject ids the shopper never saw and references can be resolved.

Every search records its query and result ids. The "shown" set is the recent searches' results plus products whose
details or recommendations were shown and whatever is in the cart. `current_list` is the last list on screen (for
"the second one"), and `focus` the product last talked about (for "it" and "that one").
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

RECENT_LISTS = 6


@dataclass(frozen=True)
class ShownList:
    kind: str  # search | recommendations | details
    query: str
    result_ids: list[str]
    filters: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)


class SearchContext:
    def __init__(self) -> None:
        self._lists: deque[ShownList] = deque(maxlen=RECENT_LISTS)
        self.searches: list[ShownList] = []  # every search of the session, for history and analytics
        self.focus: str | None = None
        self.products: dict[str, dict[str, Any]] = {}  # summaries of recently shown products, by id

    def record(self, kind: str, query: str, result_ids: list[str], filters: dict[str, Any] | None = None,
               products: list[dict[str, Any]] | None = None) -> None:
        for product in products or []:
            self.products[product["id"]] = product
        shown = ShownList(kind, query, list(result_ids), dict(filters or {}))
        self._lists.append(shown)
        if kind == "search":
            self.searches.append(shown)
        if kind == "details" and result_ids:
            self.focus = result_ids[0]
        keep = set(self.shown_ids())
        for stale in [pid for pid in self.products if pid not in keep]:
            del self.products[stale]

    @property
    def current_list(self) -> list[str]:
        """The last list of several products shown (search results or recommendations)."""
        for shown in reversed(self._lists):
            if shown.kind in ("search", "recommendations") and shown.result_ids:
                return shown.result_ids
        return []

    @property
    def last_search(self) -> ShownList | None:
        return self.searches[-1] if self.searches else None

    def shown_ids(self) -> list[str]:
        """Recently shown ids, most recent first, without repeats."""
        ids: list[str] = []
        if self.focus:
            ids.append(self.focus)
        for shown in reversed(self._lists):
            ids.extend(shown.result_ids)
        return list(dict.fromkeys(ids))

    def was_shown(self, product_id: str) -> bool:
        return product_id in self.shown_ids()

    def clear(self) -> None:
        self._lists.clear()
        self.searches.clear()
        self.products.clear()
        self.focus = None
