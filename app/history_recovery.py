"""Opening history whatever state the disk is in, and telling people when history cannot be saved.

`open_history(settings)` never raises: a damaged `history.db` (not a database, truncated, failing its integrity check)
is moved aside to `history.db.damaged-<time>` (with its journal files) and a fresh history begins, like the catalog;
a file or directory Aisle may not write turns history read-only (past sessions can still be read, new ones are not
kept, and /health says so). Either way the message says what happened and where the old file is, in words.

`announce_history_health(bus, session_id)` turns history's state changes into events: an `error` event (code
`history_unavailable`, on the SSE stream and on the kiosk's screen) when writes start failing, a `notice` when they
work again.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from app.bus import EventBus
from app.events import ErrorRaised, Event, NoticePosted, SessionStarted
from app.history import HistoryStore
from app.history_queue import HistoryHealth, failure_reason

log = logging.getLogger("aisle.app.history")

_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


def _is_damage(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _CORRUPT_CODES:
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "integrity" in text


def _check(store: HistoryStore) -> None:
    conn = sqlite3.connect(str(store.path))
    try:
        rows = conn.execute("pragma quick_check").fetchall()
        if [tuple(r) for r in rows] != [("ok",)]:
            raise sqlite3.DatabaseError(f"integrity check failed: {rows[0][0]}")
    finally:
        conn.close()


def move_aside(path: Path) -> Path:
    """Rename a damaged history file (and its -wal/-shm) out of the way; returns the new name."""
    target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target


def open_history(path: Path, retention_days: int) -> tuple[HistoryStore, str]:
    """History at `path`, whatever state it is in, and a message for the person ("" when all is well)."""
    try:
        store = HistoryStore(path, retention_days)
        _check(store)
        store.start()
        return store, ""
    except (sqlite3.Error, OSError) as exc:
        first = exc
    if _is_damage(first):
        try:
            moved = move_aside(path)
        except OSError as exc:
            return _read_only(path, retention_days, f"it is damaged ({first}) and cannot be moved aside ({exc})")
        message = (f"The session history {path} was damaged ({first}). It was moved to {moved.name} and a fresh "
                   "history was started; the old sessions are in the moved file.")
        log.error("%s", message)
        try:
            store = HistoryStore(path, retention_days)
            store.start()
            return store, message
        except (sqlite3.Error, OSError) as exc:
            first = exc
    reason = failure_reason(first) or str(first)
    if isinstance(first, PermissionError) or not os.access(path.parent if path.parent.exists() else "/", os.W_OK):
        reason = f"Aisle may not write to {path.parent}"
    return _read_only(path, retention_days, reason)


def _read_only(path: Path, retention_days: int, reason: str) -> tuple[HistoryStore, str]:
    message = (f"Session history cannot be written ({reason}), so this run keeps no history: past sessions can "
               f"still be read, new ones are not saved. Fix the file or folder ({path}) and restart Aisle.")
    log.error("%s", message)
    return HistoryStore(path, retention_days, read_only=reason), message


def announce_history_health(bus: EventBus, current_session: Callable[[], str | None]) -> Callable[[HistoryHealth],
                                                                                                  None]:
    """A history health listener that tells the current session (screen, stream) when saving fails and recovers."""
    last = {"state": "ok"}

    def listener(health: HistoryHealth) -> None:
        state, last["state"] = last["state"], health.state
        session_id = current_session()
        if session_id is None or health.state == state:
            return
        if health.state == "degraded":
            bus.publish(session_id, ErrorRaised(
                f"History cannot be saved right now: {health.reason}. The conversation goes on; what is "
                "said is kept in memory and saved when the problem is fixed. Staff: please check the "
                "kiosk's disk.", "history_unavailable", audience="staff"))
        elif health.state == "ok":
            bus.publish(session_id, NoticePosted("history_recovered", text="History is being saved again."))

    return listener


def announce_once(bus: EventBus, messages: list[str]) -> None:
    """Say `messages` (e.g. "history was damaged and moved aside") as `notice` events in the first session that
    starts, so the kiosk shows them and stream clients see them; then stop listening."""
    if not messages:
        return
    unsubscribe: list[Callable[[], None]] = []

    def on_event(event: Event) -> None:
        if not isinstance(event.payload, SessionStarted) or not unsubscribe:
            return
        unsubscribe.pop()()
        for message in messages:
            bus.publish(event.session_id, NoticePosted("history_startup", text=message, audience="staff"))

    unsubscribe.append(bus.subscribe(on_event))
