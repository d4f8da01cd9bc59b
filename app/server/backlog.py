"""A session's past events for late joiners, read from history once and shared by every client that needs them.

A join storm (hundreds of clients opening the stream of a session longer than the in-memory ring) used to make every
client read and encode the whole history on its own: seconds of latency and hundreds of megabytes. Here the history
part of a session is cut into pages of `PAGE` event ids (ids 1-500, 501-1000, ...). A full page, once read, is kept
encoded, with its SSE bytes joined once per framing, in a cache bounded by `max_events` (least recently used pages
go first); a page being read is awaited by everyone else who needs it, not read again. A page that is not full yet
(the session's newest events) is read for the asking client only and not kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator
from concurrent.futures import Executor

from app.history import HistoryStore
from app.server.events_codec import EncodedEvent

PAGE = 500


class Page:
    """Events with ids in (`start`, `start + PAGE`], encoded; the joined bytes are built on first use."""

    __slots__ = ("_plain", "_tagged", "events", "start")

    def __init__(self, start: int, events: list[EncodedEvent]) -> None:
        self.start = start
        self.events = events
        self._plain: bytes | None = None
        self._tagged: bytes | None = None

    @property
    def full(self) -> bool:
        return len(self.events) == PAGE and self.events[-1].id == self.start + PAGE

    def joined(self, tagged: bool) -> bytes:
        if tagged:
            if self._tagged is None:
                self._tagged = b"".join(e.tagged() for e in self.events)
            return self._tagged
        if self._plain is None:
            self._plain = b"".join(e.plain() for e in self.events)
        return self._plain


class BacklogCache:
    """Shared pages of history per session (use on the server loop)."""

    def __init__(self, history: HistoryStore, executor: Executor, max_events: int = 20_000) -> None:
        self.history = history
        self.executor = executor
        self.max_pages = max(2, max_events // PAGE)
        self._pages: OrderedDict[tuple[str, int], Page] = OrderedDict()
        self._loading: dict[tuple[str, int], asyncio.Future[Page]] = {}
        self.reads = 0  # pages read from history (the join-storm benchmark reports it)

    async def pages(self, session_id: str, after: int, before: int | None) -> AsyncGenerator[Page, None]:
        """The pages holding the session's events after `after` (and before `before`, when given), in order."""
        index = after // PAGE
        flushed = False
        while before is None or index * PAGE + 1 < before:
            key = (session_id, index)
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            else:
                if not flushed:  # what was published before this client joined is on disk before it is read
                    await asyncio.get_running_loop().run_in_executor(self.executor, self.history.flush, 5.0)
                    flushed = True
                page = await self._load(key)
            if page.events:
                yield page
            if not page.full:
                return
            index += 1

    async def _load(self, key: tuple[str, int]) -> Page:
        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Page] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            session_id, index = key
            start = index * PAGE
            raw = await asyncio.get_running_loop().run_in_executor(
                self.executor, self.history.events_after, session_id, start, PAGE)
            self.reads += 1
            page = Page(start, [EncodedEvent(e) for e in raw if e.id <= start + PAGE])
            if page.full:
                self._pages[key] = page
                while len(self._pages) > self.max_pages:
                    self._pages.popitem(last=False)
            future.set_result(page)
            return page
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a failure with no other waiter is not reported as unhandled
            raise
        finally:
            del self._loading[key]
