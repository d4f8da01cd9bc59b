"""`ApiServer`: the HTTP/SSE endpoint on its own thread and event loop, started and stopped by the kiosk or headless.

The server never runs on the app loop, so hundreds of stream clients cost the kiosk only the hand-over of each event
(one append, one `call_soon_threadsafe` per batch). The listening socket is bound in `start()` on the caller's
thread, so a busy port or a refused address is reported right there, in words, and port 0 picks a free port.

Use, from a coroutine on the app loop, after the runtime is built::

    server = ApiServer(runtime, settings, asyncio.get_running_loop())
    try:
        await asyncio.to_thread(server.start)   # ~30-200 ms (first start builds the app): keep it off the UI thread
    except ApiServerError as exc:               # a message for the person: public bind without token, port in use
        ...
    ...
    await server.aclose()                       # before runtime.close(); or server.stop() where no coroutine runs

`start()` returns False (and does nothing) when `api_enabled` is off. It may run on any thread as long as the app loop
is passed in.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import sys
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import uvicorn

from app.runtime import Runtime
from app.server.api import create_app
from app.server.auth import ApiServerError, check_bind, resolve_token
from app.server.context import ServerContext
from app.server.hub import EventHub
from app.server.middleware import JsonErrors
from app.server.protocol import GuardedHttpProtocol, guarded_protocol
from app.settings import Settings

log = logging.getLogger("aisle.app.server")

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
# The server thread shares the GIL with the app (UI) thread. At CPython's default 5 ms switch interval a busy server
# thread makes the app loop wait up to 5 ms per wake-up; 1 ms halves the app loop's lag p99 under 500 streaming
# clients (bench/bench_sse.py) for a few percent more switching. Applied while the server runs, then restored.
GIL_SWITCH_S = 0.001
# Hundreds of connections make the heap big, and a full (generation 2) garbage collection then stops every thread,
# the UI's too, for 30-150 ms (measured: bench/bench_sse.py, 500 clients). Rarer young collections and far rarer full
# ones remove those stalls (app loop lag max 148 ms -> 15 ms). Applied while the server runs, then restored. And when
# one does come it need not scan what was built before the server started: that heap is frozen (`gc.freeze`), so a
# full collection of a started kiosk took ~0 ms instead of 158-221 ms (measured under load, 71k objects).
GC_THRESHOLDS = (5000, 20, 100)


class _Server(uvicorn.Server):
    """uvicorn's server, telling the starting thread when it listens."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


class ApiServer:
    def __init__(self, runtime: Runtime, settings: Settings | None = None,
                 app_loop: asyncio.AbstractEventLoop | None = None, *,
                 audio_status: Callable[[], str] | None = None, web_dir: Path | None = None) -> None:
        """`app_loop` is the loop the conversation runs on (the qasync loop in the kiosk); default: the running
        loop. `audio_status` (called on the server thread, must be quick and thread-safe) feeds /health."""
        self.runtime = runtime
        self.settings = settings or runtime.settings
        self._app_loop = app_loop
        self.audio_status = audio_status
        self.web_dir = web_dir
        self.hub: EventHub | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._token: str | None = None
        self._switch_interval: float | None = None
        self._gc_thresholds: tuple[int, int, int] | None = None
        self.protocol: type[GuardedHttpProtocol] | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def url(self) -> str | None:
        """The address to open (with `?token=` left for the person to add), or None when not running."""
        if self.port is None:
            return None
        host = self.settings.api_host
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        return f"http://{shown}:{self.port}/"

    @property
    def token_required(self) -> bool:
        return self._token is not None

    def start(self) -> bool:
        """Bind, start the server thread and wait until it serves (any thread; blocks until then).

        Returns False (and does nothing) when `api_enabled` is off. Raises ApiServerError when the server cannot
        start: a non-loopback address without a token, the port in use, or a failure while starting."""
        if self.running:
            return True
        settings = self.settings
        if not settings.api_enabled:
            log.info("the HTTP endpoint is turned off (api_enabled = false)")
            return False
        app_loop = self._app_loop or asyncio.get_event_loop()
        token = resolve_token(settings)
        check_bind(settings.api_host, token)
        sock = self._bind(settings.api_host, settings.api_port)
        self.port = sock.getsockname()[1]
        self._token = token

        executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aisle-api-db")
        hub = self._subscribed_hub(executor)
        context = ServerContext(self.runtime, settings, hub, app_loop, executor, token=token,
                                audio_status=self.audio_status)
        self.protocol = protocol = guarded_protocol(settings.api_max_connections, settings.api_header_timeout_s)
        ready = threading.Event()
        server = _Server(self._uvicorn_config(context, protocol), ready)
        loop = asyncio.new_event_loop()
        failure: list[BaseException] = []
        run = _server_thread_body(loop, _serve(hub, server, sock, settings.sse_heartbeat_s), ready, failure)
        self.hub, self.loop, self._server, self._executor = hub, loop, server, executor
        self._tune_interpreter()
        self._thread = threading.Thread(target=run, name="aisle-api", daemon=True)
        self._thread.start()
        if not ready.wait(START_TIMEOUT_S) or failure or not server.started:
            self.stop()
            reason = f" ({failure[0]!r})" if failure else ""
            raise ApiServerError(f"The HTTP endpoint did not start on {settings.api_host}:{self.port}{reason}.")
        log.info("HTTP endpoint serving on %s%s", self.url, " (token required)" if token else "")
        return True

    def _subscribed_hub(self, executor: ThreadPoolExecutor) -> EventHub:
        settings = self.settings
        hub = EventHub(
            self.runtime.history, executor, ring_size=settings.sse_ring_size, client_queue=settings.sse_client_queue,
            max_clients=settings.sse_max_clients, send_timeout_s=settings.sse_send_timeout_s,
        )
        # Subscribe first, then look at the session: a session that starts in between arrives as an event, which the
        # hub applies after this initial value (it holds events until its loop is attached).
        self._unsubscribe = self.runtime.bus.subscribe(hub.on_bus_event)
        session = self.runtime.conversation.session
        hub.current, hub.current_active = (session.id, True) if session is not None else (None, False)
        return hub

    def _uvicorn_config(self, context: ServerContext, protocol: type[GuardedHttpProtocol]) -> uvicorn.Config:
        settings = self.settings
        trusted = list(settings.trusted_proxies)
        return uvicorn.Config(
            JsonErrors(create_app(context, self.web_dir)), log_config=None, access_log=False, lifespan="off",
            timeout_graceful_shutdown=2, ws="none", http=protocol, server_header=False,
            timeout_keep_alive=settings.api_keepalive_s,  # type: ignore[arg-type]  # a float works (call_later)
            # X-Forwarded-For is believed only from configured proxies (else the rate limit could be dodged)
            proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None,
        )

    def _tune_interpreter(self) -> None:
        """A shorter GIL switch interval and a later first GC generation while serving (undone by `stop`)."""
        if sys.getswitchinterval() > GIL_SWITCH_S:
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(GIL_SWITCH_S)
        if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
            self._gc_thresholds = gc.get_threshold()
            gc.set_threshold(*GC_THRESHOLDS)
        gc.freeze()  # the heap built so far (catalog, runtime, app) is never scanned again: see GC_THRESHOLDS

    @staticmethod
    def _bind(host: str, port: int) -> socket.socket:
        try:
            infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
            family = infos[0][0]
            return socket.create_server((host, port), family=family, backlog=2048)
        except OSError as exc:
            if port and exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                raise ApiServerError(
                    f"Port {port} on {host} is already in use, so the HTTP endpoint cannot start. Stop the other "
                    "program, or choose another port (--port or api_port in settings.toml)."
                ) from exc
            raise ApiServerError(f"The HTTP endpoint cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """End every stream, stop the server and wait for its thread. Safe to call twice, from any thread."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        loop, server, hub, thread = self.loop, self._server, self.hub, self._thread
        if loop is not None and server is not None and hub is not None and not loop.is_closed():
            def shut() -> None:
                hub.close_all()
                server.should_exit = True

            try:
                loop.call_soon_threadsafe(shut)
            except RuntimeError:
                pass
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("the HTTP endpoint did not stop within %.0f s", timeout)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._thread = None
        self._executor = None
        self.port = None
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)
            self._gc_thresholds = None

    async def aclose(self, wait_s: float = STOP_TIMEOUT_S) -> None:
        """`stop()` without blocking the calling loop (a posted message waiting for this loop can finish)."""
        await asyncio.get_running_loop().run_in_executor(None, self.stop, wait_s)


async def _serve(hub: EventHub, server: _Server, sock: socket.socket, heartbeat_s: float) -> None:
    """The server thread's loop: the hub attached to it, the SSE heartbeat beside the server."""
    hub.attach(asyncio.get_running_loop())
    beat = asyncio.create_task(hub.heartbeat(heartbeat_s), name="aisle-sse-heartbeat")
    try:
        await server.serve(sockets=[sock])
    finally:
        beat.cancel()


def _server_thread_body(loop: asyncio.AbstractEventLoop, serve: Coroutine[Any, Any, None], ready: threading.Event,
                        failure: list[BaseException]) -> Callable[[], None]:
    """What the server thread runs: `serve` on `loop` until it ends, any failure kept in `failure`, `ready` set
    in every case, and the loop's leftover tasks cancelled before it closes."""

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(serve)
        except BaseException as exc:  # SystemExit from uvicorn's startup, or a crash
            failure.append(exc)
            log.exception("the HTTP endpoint stopped with an error")
        finally:
            ready.set()
            try:
                leftovers = asyncio.all_tasks(loop)  # e.g. sse-starlette's shutdown watcher
                for task in leftovers:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    return run
