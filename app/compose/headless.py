"""`aisle --headless`: the runtime and its services (voice) behind the HTTP endpoint, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from app.compose.runtime import build_app
from app.compose.services import default_services
from app.headless import ServiceFactory, serve_headless
from app.settings import Settings

log = logging.getLogger("aisle.app.compose.headless")


def run_headless(settings: Settings, services: Sequence[ServiceFactory] | None = None) -> int:
    """`aisle --headless`: build the runtime, serve until SIGINT/SIGTERM, shut down cleanly."""
    try:
        runtime = build_app(settings)
    except Exception as exc:  # a person reads this, not a traceback (the log has the details)
        log.info("headless start failed", exc_info=True)  # the traceback for the log file, not the console
        print(f"aisle: cannot start: {exc}", file=sys.stderr)
        return 2
    for notice in runtime.startup_notices:
        print(f"aisle: {notice}", file=sys.stderr)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
                signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
        try:
            return await serve_headless(runtime, settings, stop,
                                        default_services(settings) if services is None else services)
        finally:
            await runtime.close()

    return asyncio.run(main())
