"""Shopper first: assistant text that arrives before the shopper's own transcript waits for it.

The realtime service transcribes the shopper's speech beside the model's answer, so the answer's text can arrive
before the words it answers. The screen and history must read in conversation order, so assistant events published
"holdable" wait while a transcript is expected, and are released when every expected transcript has landed (or
failed), or after `hold_s` at the latest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from app.events import Payload

Publish = Callable[[Payload], None]


class TranscriptOrder:
    def __init__(self, publish: Publish, hold_s: float) -> None:
        self._publish = publish
        self._hold_s = hold_s
        self._awaiting: set[str] = set()
        self._held: list[Payload] = []
        self._timer: asyncio.TimerHandle | None = None

    def expect(self, item_id: str) -> None:
        """The shopper's input item `item_id` will be transcribed: hold assistant text until it is."""
        self._awaiting.add(item_id)

    def publish(self, payload: Payload) -> None:
        """Publish now, or hold while a shopper transcript is expected."""
        if not self._awaiting:
            self._publish(payload)
            return
        self._held.append(payload)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._hold_s, self.release)

    def landed(self, item_id: str) -> None:
        """The transcript of `item_id` was published (or failed): release once none is expected."""
        self._awaiting.discard(item_id)
        if not self._awaiting:
            self.release()

    def release(self) -> None:
        """Publish everything held, in order, and stop waiting."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._awaiting.clear()
        held, self._held = self._held, []
        for payload in held:
            self._publish(payload)

    def forget(self) -> None:
        """A new conversation: drop what is held and expected."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._awaiting.clear()
        self._held = []
