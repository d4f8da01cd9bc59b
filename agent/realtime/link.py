"""The realtime brain's socket: one `RealtimeConnection` at a time, opened with retries and configured, read on a
task that hands every server event to the brain, written to by `send` and by the microphone's audio sender.

The brain decides *when* to connect (a session start, a reconnect, the rotation before the service's session cap) and
what the new session must know; this module only carries the bytes. A refused key or an unknown model fails at once
as a permanent `BrainUnavailable`; a service that stays unreachable for `reconnect_for_s` as a temporary one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from agent.realtime import events as rt
from agent.realtime.connection import (
    AuthenticationFailed,
    Backoff,
    ConnectionRejected,
    RealtimeConnection,
    RealtimeError,
)
from agent.realtime.endpoints import RealtimeEndpoint
from app.brain import BrainUnavailable

log = logging.getLogger("aisle.agent.realtime")

EventHandler = Callable[[rt.ServerEvent], Awaitable[None]]


async def probe_endpoint(endpoint: RealtimeEndpoint) -> None:
    """Can the service be reached with our credentials? Raises BrainUnavailable if not."""
    conn = RealtimeConnection(endpoint)
    try:
        await conn.open()
    except AuthenticationFailed as exc:
        raise BrainUnavailable(str(exc), permanent=True) from exc
    except RealtimeError as exc:
        raise BrainUnavailable(str(exc), permanent=False) from exc
    finally:
        with contextlib.suppress(Exception):
            await conn.close()


class RealtimeLink:
    """`conn` is the open connection (None between connections); `on_event` gets every server event in order,
    `on_lost` is called when the open connection fails under us (a send or a read)."""

    def __init__(self, endpoint: RealtimeEndpoint, backoff: Backoff, *, on_event: EventHandler,
                 on_lost: Callable[[], None]) -> None:
        self.endpoint = endpoint
        self.backoff = backoff
        self.on_event = on_event
        self.on_lost = on_lost
        self.conn: RealtimeConnection | None = None
        self.connected_at = 0.0
        self._reader: asyncio.Task[None] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._audio_queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=100)

    async def open(self, config: Callable[[rt.Dialect], rt.ClientEvent], reconnect_for_s: float) -> None:
        """Open a new connection, send it `config(dialect)` (its `session.update`), read it, and close the old one."""
        conn = await self._open_with_retries(reconnect_for_s)
        await conn.send(config(conn.dialect))
        old = self.conn
        self.conn = conn
        self.connected_at = time.monotonic()
        self._reader = asyncio.get_running_loop().create_task(self._read(conn))
        if old is not None:
            with contextlib.suppress(Exception):
                await old.close()

    async def _open_with_retries(self, reconnect_for_s: float) -> RealtimeConnection:
        deadline = time.monotonic() + reconnect_for_s
        self.backoff.reset()
        while True:
            conn = RealtimeConnection(self.endpoint)
            try:
                return await conn.open()
            except AuthenticationFailed as exc:
                raise BrainUnavailable(str(exc), permanent=True) from exc
            except ConnectionRejected as exc:
                raise BrainUnavailable(str(exc), permanent=True) from exc
            except RealtimeError as exc:
                if time.monotonic() + self.backoff.base_delay(0) > deadline:
                    raise BrainUnavailable(
                        f"The voice service cannot be reached ({exc}). Using offline mode until it is back.",
                        permanent=False,
                    ) from exc
                delay = min(self.backoff.next_delay(), max(0.0, deadline - time.monotonic()))
                log.info("realtime connect failed (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)

    async def close(self) -> None:
        """Close the connection, stop reading it and drop the audio not yet sent."""
        conn, self.conn = self.conn, None
        reader, self._reader = self._reader, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        while not self._audio_queue.empty():
            self._audio_queue.get_nowait()

    async def stop_sending_audio(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    async def send(self, event: rt.ClientEvent) -> None:
        conn = self.conn
        if conn is None:
            raise BrainUnavailable("The voice service is not connected.", permanent=False)
        try:
            await conn.send(event)
        except RealtimeError as exc:
            log.warning("realtime send failed: %s", exc)
            self.on_lost()

    def feed_audio(self, pcm: bytes) -> None:
        """Queue microphone audio for the server (the oldest block is dropped when the queue is full); never blocks."""
        if self._audio_queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self._audio_queue.get_nowait()
        self._audio_queue.put_nowait(pcm)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_audio())

    async def _send_audio(self) -> None:
        while not self._audio_queue.empty():
            pcm = self._audio_queue.get_nowait()
            conn = self.conn
            if conn is None:
                return
            try:
                await conn.send(rt.input_audio_append(pcm))
            except RealtimeError:
                return

    async def _read(self, conn: RealtimeConnection) -> None:
        try:
            async for event in conn:
                try:
                    await self.on_event(event)
                except Exception:
                    log.exception("handling realtime event %s failed", type(event).__name__)
        except RealtimeError as exc:
            if conn is self.conn:
                log.warning("realtime connection lost: %s", exc)
                self.on_lost()
        except asyncio.CancelledError:
            raise
