"""Two small ASGI layers around the API: HEAD answered wherever GET is, and a JSON body on every error.

- `HeadAsGet`: a HEAD request runs the GET route (uvicorn sends the headers and no body, as HEAD requires). The
  stream route has its own HEAD route (a GET there never ends), so it is left alone.
- `JsonErrors`: any error answer that is not JSON already (Starlette's 413 for a body over the limit, its plain 500,
  anything a library sends) is replaced by `{"detail": <words>, "code": <reason>}` with the same status and headers.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STREAM_PREFIX = "/api/stream/"

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          408: "request_timeout", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
          422: "invalid_request", 429: "rate_limited", 500: "internal_error", 503: "unavailable"}
_DETAILS = {413: "The request body is too large (the limit is 16 KB).",
            500: "Something went wrong inside the kiosk; it is logged. Try again."}


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD" and not scope["path"].startswith(STREAM_PREFIX):
            scope = {**scope, "method": "GET"}  # uvicorn keeps its own scope (HEAD) and so sends no body
        await self.app(scope, receive, send)


class JsonErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replacing: list[Message] = []  # the start message of an error being replaced
        passing = False

        async def guarded_send(message: Message) -> None:
            nonlocal passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = dict(message.get("headers", []))
                if status < 400 or headers.get(b"content-type", b"").startswith(b"application/json"):
                    passing = True
                    await send(message)
                    return
                replacing.append(message)
                return
            if message["type"] == "http.response.body" and replacing:
                if not message.get("more_body", False):
                    await self._send_json(replacing[0], send)
                return
            await send(message)

        await self.app(scope, receive, guarded_send)

    @staticmethod
    async def _send_json(start: Message, send: Send) -> None:
        status = int(start["status"])
        try:
            words = HTTPStatus(status).phrase
        except ValueError:
            words = "Error"
        body = json.dumps({"detail": _DETAILS.get(status, f"{words}."), "code": _CODES.get(status, "error")}).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-type", b"content-length")]
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
