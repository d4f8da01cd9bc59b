"""The HTTP API: the routes, their validation and their error answers. `create_app(ctx)` builds it.

Every error answer is JSON `{"detail": <words>, "code": <reason>}` with the right status: 400 malformed JSON or
Last-Event-ID, 401 no or wrong token, 404 unknown session, product or category, 409 posting to a session that has ended,
422 a missing, empty or over-long text (or another invalid parameter), 429 too many posts, 503 the app is busy or
too many stream clients.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sse_starlette import EventSourceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.catalog.schema import PRODUCT_ID_PATTERN
from app.catalog.store import SearchFilters
from app.conversation import MessageRejected
from app.paths import resources_dir
from app.redaction import redact_value
from app.server import models
from app.server.auth import TokenAuth
from app.server.context import AppUnavailable, ServerContext
from app.server.health import check_catalog, check_history
from app.server.hub import CURRENT, BadLastEventId, HubFull, parse_last_event_id
from app.server.middleware import HeadAsGet
from app.server.sse import HubStreamResponse
from app.tools.toolbox import ToolFailure

SESSION_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
PRODUCT_ID = PRODUCT_ID_PATTERN  # the importer refuses ids this cannot serve
MAX_BODY_BYTES = 16 * 1024

SessionId = Annotated[str, PathParam(pattern=SESSION_ID, description="A session id, or `current`")]
ProductId = Annotated[str, PathParam(pattern=PRODUCT_ID, description="A product id, e.g. TNT-1001")]


class ApiProblem(StarletteHTTPException):
    """An error answer with a machine-readable code."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.code = code


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": models.ApiError} for status in statuses}


_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                 422: "invalid_request", 429: "rate_limited", 503: "unavailable"}


def _describe_validation(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        reason = (first.get("ctx") or {}).get("error", "")
        return 400, "malformed_json", f"The request body is not valid JSON ({reason})." if reason else \
            "The request body is not valid JSON."
    if any(tuple(e.get("loc", ())) == ("body",) for e in errors):
        return 400, "malformed_body", 'The request body must be a JSON object like {"text": "..."}, ' \
                                      "sent as application/json."
    for e in errors:
        if tuple(e.get("loc", ())) == ("body", "text"):
            value = e.get("input")
            if e.get("type") == "string_too_long" and isinstance(value, str):
                limit = (e.get("ctx") or {}).get("max_length", models.MAX_MESSAGE_CHARS)
                return 422, "invalid_text", f"The message is too long ({len(value)} characters; the limit is {limit})."
            if e.get("type") in ("string_too_short", "string_pattern_mismatch"):
                return 422, "invalid_text", "The message is empty."
    parts = []
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "header"))
        msg = "is required" if e.get("type") == "missing" else str(e.get("msg", "is invalid")).lower()
        parts.append(f"{loc or 'request'} {msg}")
    return 422, "invalid_request", "Invalid request: " + "; ".join(parts) + "."


def _client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _image_url(product_id: str) -> str:
    return f"/api/products/{product_id}/image"


def _product(summary: dict[str, Any]) -> dict[str, Any]:
    return {**summary, "image_url": _image_url(summary["id"])}


def _summary(row: dict[str, Any], active: str | None) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in ("turns", "turns_list", "tool_calls", "cart_changes", "cart",
                                                     "usage")}
    out["turn_count"] = int(row.get("turns") or 0)
    out["active"] = row["id"] == active
    return out


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

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = getattr(exc, "code", None) or _STATUS_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is no route {request.url.path}. See /docs for the API."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        return JSONResponse({"detail": detail, "code": code}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, code, detail = _describe_validation(exc)
        return JSONResponse({"detail": detail, "code": code}, status_code=status)

    @app.exception_handler(AppUnavailable)
    async def app_unavailable(request: Request, exc: AppUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "code": "unavailable"}, status_code=503,
                            headers={"Retry-After": "2"})

    async def known_session(session_id: str) -> bool:
        if ctx.hub.knows_live(session_id):
            return True
        return await ctx.blocking(ctx.runtime.history.last_event_id, session_id) > 0

    async def require_session(session_id: str) -> str:
        resolved = ctx.resolve(session_id)
        if resolved is None:
            raise ApiProblem(404, "no_session", "The kiosk has no session yet. Post a message to 'current' to "
                                               "start one.")
        if not await known_session(resolved):
            raise ApiProblem(404, "unknown_session", f"There is no session '{session_id}'.")
        return resolved

    # -- the page, its files and the docs ------------------------------------------------------------------------
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

    # -- health --------------------------------------------------------------------------------------------------
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

    # -- the stream ----------------------------------------------------------------------------------------------
    @app.get(
        "/api/stream/{session_id}", tags=["sessions"],
        response_class=EventSourceResponse,
        responses={200: {"content": {"text/event-stream": {}},
                         "description": "Server-Sent Events: `id:` (`<session>:<event id>` on `current`), `event:` "
                                        "the kind, `data:` the event as JSON with its timestamp"},
                   **_errors(400, 401, 404, 422, 503)},
    )
    async def stream(
        session_id: SessionId,
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=100)] = None,
        after: Annotated[str | None, Query(max_length=100, description="Same as Last-Event-ID, for clients that "
                                                                        "cannot set headers")] = None,
    ) -> Response:
        """The session's events, live. Resumes after `Last-Event-ID` (from memory or history) without loss or
        duplicates. Without it, the stream starts with the session so far. `current` follows the kiosk from
        session to session."""
        try:
            resume = parse_last_event_id(last_event_id or after)
        except BadLastEventId as exc:
            raise ApiProblem(400, "bad_last_event_id", str(exc)) from exc
        if session_id != CURRENT and not await known_session(session_id):
            raise ApiProblem(404, "unknown_session", f"There is no session '{session_id}'.")
        try:
            client = ctx.hub.open(session_id, resume)  # registered now: no event published from here is missed
        except HubFull as exc:
            raise ApiProblem(503, "too_many_clients", str(exc), headers={"Retry-After": "5"}) from exc

        return HubStreamResponse(ctx.hub, client, ctx.settings.sse_heartbeat_s)

    @app.head("/api/stream/{session_id}", include_in_schema=False)
    async def stream_head(session_id: SessionId) -> Response:
        """The stream's headers only (a GET there never ends)."""
        if session_id != CURRENT and not await known_session(session_id):
            raise ApiProblem(404, "unknown_session", f"There is no session '{session_id}'.")
        return Response(media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    # -- posting -------------------------------------------------------------------------------------------------
    @app.post(
        "/api/sessions/{session_id}/messages", status_code=202, response_model=models.MessageAccepted,
        tags=["sessions"], responses=_errors(400, 401, 404, 409, 422, 429, 503),
    )
    async def post_message(session_id: SessionId, message: models.MessageIn, request: Request) -> dict[str, Any]:
        """A shopper turn, exactly as if typed on the kiosk (it shows there too). The reply streams on the
        session's stream. `current` starts a session when the kiosk has none."""
        wait = ctx.limiter.take(_client_key(request))
        if wait > 0:
            raise ApiProblem(429, "rate_limited", f"Too many messages; try again in {math.ceil(wait)} s.",
                             headers={"Retry-After": str(math.ceil(wait))})
        conversation = ctx.runtime.conversation
        try:
            text = conversation.check_message(message.text)
        except MessageRejected as exc:
            raise ApiProblem(422, "invalid_text", str(exc)) from exc

        async def accept() -> str | None:  # on the app loop
            if session_id == CURRENT:
                session = await conversation.ensure_session()
            elif conversation.session is not None and conversation.session.id == session_id:
                session = conversation.session
            else:
                return None
            ctx.spawn_on_app(conversation.submit_text(text, source="api"))
            return session.id

        landed = await ctx.on_app(accept())
        if landed is None:
            if await known_session(session_id):
                raise ApiProblem(409, "session_ended", f"Session '{session_id}' is not active any more; post to "
                                                       "'current' to talk to the kiosk.")
            raise ApiProblem(404, "unknown_session", f"There is no session '{session_id}'.")
        return {"session_id": landed, "text": text, "status": "accepted"}

    # -- sessions and carts --------------------------------------------------------------------------------------
    @app.get("/api/sessions", response_model=models.SessionList, tags=["sessions"], responses=_errors(401, 422))
    async def list_sessions(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
        """Recent sessions, newest first, and which one is active."""
        rows = await ctx.blocking(ctx.runtime.history.recent_sessions, limit)
        active = ctx.hub.current if ctx.hub.current_active else None
        return {"active": active, "sessions": [_summary(r, active) for r in rows]}

    @app.get("/api/sessions/{session_id}", response_model=models.SessionDetail, tags=["sessions"],
             responses=_errors(401, 404, 422))
    async def get_session(session_id: SessionId) -> dict[str, Any]:
        """One session: its turns, tool calls, cart and cart changes."""
        resolved = await require_session(session_id)
        history = ctx.runtime.history
        live = ctx.hub.current_active and resolved == ctx.hub.current
        if live:
            await ctx.blocking(history.flush, 2.0)
        row = await ctx.blocking(history.session, resolved)
        if row is None:
            raise ApiProblem(404, "unknown_session", f"There is no session '{session_id}'.")
        active = ctx.hub.current if ctx.hub.current_active else None
        calls = [{**c, "ok": bool(c.get("ok"))} for c in row.get("tool_calls", [])]
        cart = (ctx.hub.latest_cart(resolved) if live else None) or row.get("cart") or {}
        return {**_summary(row, active), "turns": redact_value(row.get("turns_list", [])),
                "tool_calls": redact_value(calls), "cart": cart, "cart_changes": row.get("cart_changes", []),
                "usage": row.get("usage", {})}  # redacted again: sessions recorded before redaction existed

    @app.get("/api/cart/{session_id}", response_model=models.CartOut, tags=["sessions"],
             responses=_errors(401, 404, 422))
    async def get_cart(session_id: SessionId) -> dict[str, Any]:
        """The session's cart as last shown."""
        resolved = await require_session(session_id)
        cart = ctx.hub.latest_cart(resolved)
        if cart is None:
            cart = await ctx.blocking(ctx.runtime.history.last_cart, resolved)
        active = ctx.hub.current_active and resolved == ctx.hub.current
        return {"session_id": resolved, "active": active, "cart": cart or {}}

    # -- catalog ---------------------------------------------------------------------------------------------------
    @app.get("/api/products", response_model=models.ProductList, tags=["catalog"],
             responses=_errors(401, 404, 422))
    async def search_products(
        q: Annotated[str, Query(max_length=200, description="Words to search for; empty lists by price")] = "",
        category: Annotated[str | None, Query(max_length=60, description="Category slug or name")] = None,
        max_price: Annotated[float | None, Query(ge=0, le=1_000_000)] = None,
        limit: Annotated[int, Query(ge=1, le=50)] = 20,
    ) -> dict[str, Any]:
        """Search the catalog, best matches first. An unknown category answers 404 with the known ones."""
        shopping = ctx.runtime.tools.tools

        def run() -> list[dict[str, Any]]:
            slug = shopping.resolve_category(category) if category else None
            found = ctx.runtime.catalog.search(q, SearchFilters(category=slug, max_price=max_price), limit)
            return [_product(p.summary()) for p in found]

        try:
            products = await ctx.blocking(run)
        except ToolFailure as exc:
            error = exc.result["error"]
            known = ", ".join(error.get("categories", []))
            raise ApiProblem(404, "unknown_category", f"{error['message']} Categories: {known}.") from exc
        return {"count": len(products), "products": products}

    @app.get("/api/products/{product_id}", response_model=models.ProductDetail, tags=["catalog"],
             responses=_errors(401, 404, 422))
    async def get_product(product_id: ProductId) -> dict[str, Any]:
        """One product with its description, specs and tags."""
        catalog = ctx.runtime.catalog
        product = await ctx.blocking(catalog.get, product_id)
        if product is None:
            raise ApiProblem(404, "unknown_product", f"There is no product with id '{product_id}'.")
        photos = (await ctx.blocking(catalog.photo_counts, [product_id])).get(product_id, 0)
        return {**_product(product.details()),
                "photo_urls": [f"/api/products/{product_id}/photos/{i}" for i in range(photos)]}

    @app.get("/api/products/{product_id}/image", tags=["catalog"],
             responses={200: {"content": {"image/svg+xml": {}}, "description": "The product's picture (SVG)"},
                        **_errors(401, 404, 422)})
    async def product_image(product_id: ProductId) -> Response:
        """The product's picture: the store's first photo (a JPEG thumbnail) when it has one, else drawn (SVG)."""
        photo = await ctx.blocking(ctx.runtime.catalog.photo, product_id)
        if photo is not None:
            return Response(photo, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=300"})
        svg = await ctx.blocking(ctx.runtime.catalog.image_svg, product_id)
        if svg is None:
            raise ApiProblem(404, "unknown_product", f"There is no picture for product '{product_id}'.")
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/api/products/{product_id}/photos/{position}", tags=["catalog"],
             responses={200: {"content": {"image/jpeg": {}}, "description": "One of the store's photos (JPEG)"},
                        **_errors(401, 404, 422)})
    async def product_photo(product_id: ProductId, position: Annotated[int, PathParam(ge=0, le=100)],
                            size: Annotated[Literal["large", "thumb"], Query()] = "large") -> Response:
        """One of the store's photos of a product: `large` (up to 1024×768) or `thumb` (up to 400×300)."""
        photo = await ctx.blocking(ctx.runtime.catalog.photo, product_id, position, size == "large")
        if photo is None:
            raise ApiProblem(404, "unknown_photo", f"Product '{product_id}' has no photo number {position}.")
        return Response(photo, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=300"})

    @app.get("/api/categories", response_model=list[models.Category], tags=["catalog"], responses=_errors(401))
    async def categories() -> list[dict[str, str]]:
        """The store's categories."""
        found = await ctx.blocking(ctx.runtime.catalog.categories)
        return [{"slug": c.slug, "name": c.name} for c in found]

    # -- outermost: CORS around the token check around HEAD-as-GET (the runner wraps all of it in JsonErrors) ---
    app.add_middleware(HeadAsGet)
    app.add_middleware(TokenAuth, token=ctx.token)
    if ctx.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(ctx.settings.cors_origins), allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Last-Event-ID"], max_age=600,
        )
    return app
