"""The session routes: the live stream, posting a shopper turn, past sessions and carts."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from sse_starlette import EventSourceResponse

from app.conversation import MessageRejected
from app.redaction import redact_value
from app.server import models
from app.server.context import Context, ServerContext
from app.server.errors import ApiProblem, error_responses
from app.server.hub import CURRENT, BadLastEventId, HubFull, parse_last_event_id
from app.server.sse import HubStreamResponse

SESSION_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SessionId = Annotated[str, PathParam(pattern=SESSION_ID, description="A session id, or `current`")]
router = APIRouter()



def _client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _summary(row: dict[str, Any], active: str | None) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in ("turns", "turns_list", "tool_calls", "cart_changes", "cart",
                                                     "usage")}
    out["turn_count"] = int(row.get("turns") or 0)
    out["active"] = row["id"] == active
    return out


async def known_session(ctx: ServerContext, session_id: str) -> bool:
    if ctx.hub.knows_live(session_id):
        return True
    return await ctx.blocking(ctx.runtime.history.last_event_id, session_id) > 0

async def require_session(ctx: ServerContext, session_id: str) -> str:
    resolved = ctx.resolve(session_id)
    if resolved is None:
        raise ApiProblem(404, "no_session", "The kiosk has no session yet. Post a message to 'current' to "
                                           "start one.")
    if not await known_session(ctx, resolved):
        raise ApiProblem(404, "unknown_session", f"There is no session '{session_id}'.")
    return resolved



# -- the stream ----------------------------------------------------------------------------------------------
@router.get(
    "/api/stream/{session_id}", tags=["sessions"],
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "Server-Sent Events: `id:` (`<session>:<event id>` on `current`), `event:` "
                                    "the kind, `data:` the event as JSON with its timestamp"},
               **error_responses(400, 401, 404, 422, 503)},
)
async def stream(
    ctx: Context,
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
    if session_id != CURRENT and not await known_session(ctx, session_id):
        raise ApiProblem(404, "unknown_session", f"There is no session '{session_id}'.")
    try:
        client = ctx.hub.open(session_id, resume)  # registered now: no event published from here is missed
    except HubFull as exc:
        raise ApiProblem(503, "too_many_clients", str(exc), headers={"Retry-After": "5"}) from exc

    return HubStreamResponse(ctx.hub, client, ctx.settings.sse_heartbeat_s)

@router.head("/api/stream/{session_id}", include_in_schema=False)
async def stream_head(ctx: Context, session_id: SessionId) -> Response:
    """The stream's headers only (a GET there never ends)."""
    if session_id != CURRENT and not await known_session(ctx, session_id):
        raise ApiProblem(404, "unknown_session", f"There is no session '{session_id}'.")
    return Response(media_type="text/event-stream", headers={"Cache-Control": "no-store"})

# -- posting -------------------------------------------------------------------------------------------------
@router.post(
    "/api/sessions/{session_id}/messages", status_code=202, response_model=models.MessageAccepted,
    tags=["sessions"], responses=error_responses(400, 401, 404, 409, 422, 429, 503),
)
async def post_message(ctx: Context, session_id: SessionId, message: models.MessageIn,
                       request: Request) -> dict[str, Any]:
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
        if await known_session(ctx, session_id):
            raise ApiProblem(409, "session_ended", f"Session '{session_id}' is not active any more; post to "
                                                   "'current' to talk to the kiosk.")
        raise ApiProblem(404, "unknown_session", f"There is no session '{session_id}'.")
    return {"session_id": landed, "text": text, "status": "accepted"}

# -- sessions and carts --------------------------------------------------------------------------------------
@router.get("/api/sessions", response_model=models.SessionList, tags=["sessions"], responses=error_responses(401, 422))
async def list_sessions(ctx: Context, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Recent sessions, newest first, and which one is active."""
    rows = await ctx.blocking(ctx.runtime.history.recent_sessions, limit)
    active = ctx.hub.current if ctx.hub.current_active else None
    return {"active": active, "sessions": [_summary(r, active) for r in rows]}

@router.get("/api/sessions/{session_id}", response_model=models.SessionDetail, tags=["sessions"],
         responses=error_responses(401, 404, 422))
async def get_session(ctx: Context, session_id: SessionId) -> dict[str, Any]:
    """One session: its turns, tool calls, cart and cart changes."""
    resolved = await require_session(ctx, session_id)
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

@router.get("/api/cart/{session_id}", response_model=models.CartOut, tags=["sessions"],
         responses=error_responses(401, 404, 422))
async def get_cart(ctx: Context, session_id: SessionId) -> dict[str, Any]:
    """The session's cart as last shown."""
    resolved = await require_session(ctx, session_id)
    cart = ctx.hub.latest_cart(resolved)
    if cart is None:
        cart = await ctx.blocking(ctx.runtime.history.last_cart, resolved)
    active = ctx.hub.current_active and resolved == ctx.hub.current
    return {"session_id": resolved, "active": active, "cart": cart or {}}

