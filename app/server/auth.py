"""Who may use the endpoint: loopback by default; any other address only with an access token.

With a token configured, every route but `/health` needs `Authorization: Bearer <token>`, compared in constant time.
Browsers cannot put headers on an `EventSource`, an `<img>` or a page load, so GET requests may pass the token as
`?token=` instead; POST requests must use the header. `/static/*` (the web view's own CSS and JavaScript, no data) is
open so the page can load its files.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from app.secrets import get_secret
from app.settings import Settings

OPEN_PATHS = frozenset({"/health", "/favicon.ico"})
OPEN_PREFIXES = ("/static/",)


class ApiServerError(RuntimeError):
    """The endpoint cannot start; the message says why and what to do."""


def resolve_token(settings: Settings) -> str | None:
    """The configured access token: `api_token` in the settings, else `AISLE_API_TOKEN` (environment/keyring)."""
    token = settings.api_token.strip() or get_secret("AISLE_API_TOKEN")
    return token or None


def is_loopback(host: str) -> bool:
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve a non-loopback address without a token."""
    if not is_loopback(host) and not token:
        raise ApiServerError(
            f"Refusing to start the HTTP endpoint on {host}: any address other than 127.0.0.1 needs an access "
            "token, or anyone on the network could read and post to shopper sessions. Set AISLE_API_TOKEN "
            "(or api_token in settings.toml), or bind to 127.0.0.1."
        )


def token_matches(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


class TokenAuth:
    """ASGI middleware: 401 for requests without the right token (a no-op when no token is configured)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.token or self._is_open(scope) or self._authorized(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps({
            "detail": "A valid access token is required: send 'Authorization: Bearer <token>' "
                      "(GET requests may use ?token=<token>).",
            "code": "unauthorized",
        }).encode()
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Bearer realm="aisle"'),
        ]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _is_open(scope: Scope) -> bool:
        path: str = scope.get("path", "")
        return scope.get("method") == "OPTIONS" or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)

    def _authorized(self, scope: Scope) -> bool:
        assert self.token is not None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, given = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and token_matches(given.strip(), self.token):
                    return True
        if scope.get("method") in ("GET", "HEAD"):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            for given in query.get("token", ()):
                if token_matches(given, self.token):
                    return True
        return False
