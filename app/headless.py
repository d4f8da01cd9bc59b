"""Headless mode: the brain, the session, the history and the HTTP endpoint with no window.

For machines without a display and for testing. `serve_headless(runtime, ...)` runs the same runtime as the kiosk:
it starts the endpoint (and the live web view at `/`), keeps one shopper session open the way the kiosk does (ending it
after `idle_timeout_s` without activity and starting a fresh one), and runs until SIGINT or SIGTERM, then shuts down
cleanly.

Hook for more: `HeadlessService`s (the voice pipeline, for one) are started after the endpoint and stopped before it,
in reverse order. `app.compose.headless.run_headless` wires it with the default services.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TextIO

from app.events import Event, ReplyChunkStreamed, ReplyCompleted, ShopperSpoke, ToolCalled, TranscriptHeard
from app.runtime import Runtime
from app.server import ApiServer, ApiServerError
from app.settings import Settings

log = logging.getLogger("aisle.app.headless")

ACTIVITY = (ShopperSpoke, ReplyChunkStreamed, ReplyCompleted, TranscriptHeard, ToolCalled)


class HeadlessService(Protocol):
    """Something that runs alongside the endpoint in headless mode (e.g. microphone and speaker)."""

    name: str

    async def start(self) -> None:
        """Start; raise to report that it cannot run (headless mode goes on without it)."""

    async def stop(self) -> None:
        """Stop and release devices and threads."""

    def status(self) -> str:
        """One word or short phrase for /health (called on the server thread: quick and thread-safe)."""


ServiceFactory = Callable[[Runtime], HeadlessService]


class IdleReset:
    """Ends a session nobody has used for `idle_timeout_s` and opens a fresh one, like the kiosk's idle reset."""

    def __init__(self, runtime: Runtime, timeout_s: float) -> None:
        self.runtime = runtime
        self.timeout_s = timeout_s
        self.last_activity = time.monotonic()
        self._unsubscribe = runtime.bus.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        if isinstance(event.payload, ACTIVITY):
            self.last_activity = time.monotonic()

    async def run(self) -> None:
        conversation = self.runtime.conversation
        while True:
            await asyncio.sleep(min(1.0, self.timeout_s / 4))
            session = conversation.session
            idle = time.monotonic() - self.last_activity
            if session is not None and session.turns and idle >= self.timeout_s:
                log.info("session %s idle for %.0f s: starting over", session.id, idle)
                await conversation.end_session("idle")
                await conversation.start_session()
                self.last_activity = time.monotonic()

    def close(self) -> None:
        self._unsubscribe()


async def serve_headless(runtime: Runtime, settings: Settings, stop: asyncio.Event,
                         services: Sequence[ServiceFactory] = (), out: TextIO = sys.stdout) -> int:
    """Run until `stop` is set. Returns the exit status."""
    loop = asyncio.get_running_loop()
    started: list[HeadlessService] = []
    built = [factory(runtime) for factory in services]

    def audio_status() -> str:
        for service in built:
            if service.name == "audio":
                return service.status()
        return "off (headless, no voice service)"

    server = ApiServer(runtime, settings, loop, audio_status=audio_status)
    try:
        if not server.start():
            print("aisle: the HTTP endpoint is turned off (api_enabled = false); headless mode has nothing to "
                  "serve. Turn it on, or use `aisle chat`.", file=sys.stderr)
            return 2
    except ApiServerError as exc:
        print(f"aisle: {exc}", file=sys.stderr)
        return 2
    idle = IdleReset(runtime, settings.idle_timeout_s) if settings.idle_timeout_s > 0 else None
    idle_task = loop.create_task(idle.run(), name="aisle-idle-reset") if idle else None
    try:
        for service in built:
            try:
                await service.start()
                started.append(service)
            except Exception as exc:
                log.exception("headless service %s failed to start", service.name)
                print(f"aisle: {service.name} is not available ({exc}); going on without it.", file=sys.stderr)
        await runtime.conversation.ensure_session()  # a request that came in while voice was starting keeps its own
        token_note = " Add ?token=<your AISLE_API_TOKEN> in a browser." if server.token_required else ""
        print(f"Aisle is running headless (brain: {runtime.conversation.brain.name}).\n"
              f"  Live web view: {server.url}\n  API docs:      {server.url}docs\n"
              f"  Stream:        {server.url}api/stream/current\n{token_note and '  ' + token_note.strip() + chr(10)}"
              "Press Ctrl+C to stop.", file=out, flush=True)
        await stop.wait()
        print("Stopping…", file=out, flush=True)
        return 0
    finally:
        if idle_task is not None:
            idle_task.cancel()
            await asyncio.gather(idle_task, return_exceptions=True)
        if idle is not None:
            idle.close()
        for service in reversed(started):
            try:
                await service.stop()
            except Exception:
                log.exception("headless service %s failed to stop", service.name)
        await runtime.conversation.end_session("shutdown")  # streams see the session end before the server goes
        await asyncio.sleep(0.05)
        await server.aclose()
