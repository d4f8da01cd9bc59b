"""The API's error answers: every one is JSON `{"detail": <words>, "code": <reason>}` with the right status."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.server import models
from app.server.context import AppUnavailable


class ApiProblem(StarletteHTTPException):
    """An error answer with a machine-readable code."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.code = code


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": models.ApiError} for status in statuses}


STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                 422: "invalid_request", 429: "rate_limited", 503: "unavailable"}


def describe_validation(exc: RequestValidationError) -> tuple[int, str, str]:
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



def add_error_handlers(app: FastAPI) -> None:
    """HTTP errors, invalid requests and a busy app all answer in the same JSON shape."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = getattr(exc, "code", None) or STATUS_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is no route {request.url.path}. See /docs for the API."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        return JSONResponse({"detail": detail, "code": code}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, code, detail = describe_validation(exc)
        return JSONResponse({"detail": detail, "code": code}, status_code=status)

    @app.exception_handler(AppUnavailable)
    async def app_unavailable(request: Request, exc: AppUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "code": "unavailable"}, status_code=503,
                            headers={"Retry-After": "2"})
