"""The HTTP API: `create_app(ctx)` builds it from the route groups (the page and health here, the sessions in
`routes_sessions`, the catalog in `routes_catalog`) and the error answers (`errors`).

Every error answer is JSON `{"detail": <words>, "code": <reason>}` with the right status: 400 malformed JSON or
Last-Event-ID, 401 no or wrong token, 404 unknown session, product or category, 409 posting to a session that has ended,
422 a missing, empty or over-long text (or another invalid parameter), 429 too many posts, 503 the app is busy or
too many stream clients.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from app.paths import resources_dir
from app.server import models, routes_catalog, routes_sessions
from app.server.auth import TokenAuth
from app.server.context import AppUnavailable, ServerContext
from app.server.errors import ApiProblem, add_error_handlers
from app.server.health import check_catalog, check_history
from app.server.middleware import HeadAsGet

MAX_BODY_BYTES = 16 * 1024
__all__ = ["MAX_BODY_BYTES", "ApiProblem", "create_app"]


def create_app(ctx: ServerContext, web_dir: Path | None = None) -> FastAPI:
    web = web_dir or resources_dir() / "web"
    app = FastAPI(
        title="Aisle kiosk API",
        version="1.0",
        description=(
            "Follow a kiosk's shopper sessions live (Server-Sent Events) and take part in them. `current` stands for "
            "the session the kiosk is in, in every route that takes a session id.\n\n"
            "When an access token is configured, every route but `/health` needs `Authorization: Bearer <token>`; "
            "GET requests (a browser's EventSource, images, this page) may pass `?token=<token>` instead."
        ),
        docs_url=None,
        redoc_url=None,
        max_body_size=MAX_BODY_BYTES,
    )

    app.state.ctx = ctx
    add_error_handlers(app)
    _add_page_and_docs(app, web)
    _add_health(app, ctx)
    app.include_router(routes_sessions.router)
    app.include_router(routes_catalog.router)
    _add_middleware(app, ctx)
    return app


def _add_page_and_docs(app: FastAPI, web: Path) -> None:
    """The web view's page and files, the shipped font, and the API docs page."""
    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        page = web / "index.html"
        if not page.is_file():
            return HTMLResponse("<h1>Aisle</h1><p>The web view is not installed.</p>", status_code=404)
        return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})

    fonts = resources_dir() / "ui" / "fonts"  # the kiosk's shipped font, so the web view looks the same
    if fonts.is_dir():
        app.mount("/static/fonts", StaticFiles(directory=fonts), name="fonts")
    if web.is_dir():
        app.mount("/static", StaticFiles(directory=web), name="static")

    @app.get("/docs", include_in_schema=False)
    async def docs(token: str | None = None) -> HTMLResponse:
        url = app.openapi_url or "/openapi.json"
        if token:
            url += "?" + "token=" + re.sub(r"[^A-Za-z0-9._~-]", "", token)
        return get_swagger_ui_html(openapi_url=url, title="Aisle kiosk API")


def _add_health(app: FastAPI, ctx: ServerContext) -> None:
    @app.get("/health", response_model=models.Health, tags=["status"])
    async def health() -> dict[str, Any]:
        """Whether the brain, audio and databases work, and for how long the server has run. Needs no token."""

        def check() -> dict[str, str]:
            return {"catalog": check_catalog(ctx.runtime), "history": check_history(ctx.runtime)}

        database = await ctx.blocking(check)
        audio = "off"
        if ctx.audio_status is not None:
            try:
                audio = ctx.audio_status()
            except Exception as exc:
                audio = f"error: {type(exc).__name__}"
        ok = all(v == "ok" or v.startswith("ok (") for v in database.values())
        t0 = time.perf_counter()
        try:
            await ctx.on_app(asyncio.sleep(0), wait_s=5.0)
            app_loop_ms: float | None = round((time.perf_counter() - t0) * 1000, 2)
        except AppUnavailable:
            app_loop_ms, ok = None, False
        return {"status": "ok" if ok else "degraded", "brain": ctx.runtime.conversation.brain.name,
                "app_loop_ms": app_loop_ms, "audio": audio, "database": database, "uptime_s": ctx.uptime(),
                "stream_clients": ctx.hub.client_count}


def _add_middleware(app: FastAPI, ctx: ServerContext) -> None:
    """Outermost: CORS around the token check around HEAD-as-GET (the runner wraps all of it in JsonErrors)."""
    app.add_middleware(HeadAsGet)
    app.add_middleware(TokenAuth, token=ctx.token)
    if ctx.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(ctx.settings.cors_origins), allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Last-Event-ID"], max_age=600,
        )
