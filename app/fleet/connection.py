"""Where the central PostgreSQL is, and connecting to it.

The DSN is a secret (it usually carries a password): it comes from `AISLE_FLEET_DSN` in the environment or the OS
keyring, or `fleet_dsn` in settings without its password plus `AISLE_FLEET_PASSWORD`. It is never logged: messages
name the server with `describe_dsn`, which leaves the password out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from app.secrets import get_secret
from app.settings import Settings

log = logging.getLogger("aisle.app.fleet")

DSN_SECRET = "AISLE_FLEET_DSN"
PASSWORD_SECRET = "AISLE_FLEET_PASSWORD"


class FleetUnavailable(RuntimeError):
    """The fleet database cannot be reached or used; the message says which server and why, never the password."""


def resolve_dsn(settings: Settings, explicit: str | None = None,
                environ: Mapping[str, str] | None = None) -> str | None:
    """The DSN to use (with the password filled in from the secrets when it has none), or None: no fleet."""
    dsn = (explicit or get_secret(DSN_SECRET, environ) or settings.fleet_dsn or "").strip()
    if not dsn:
        return None
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise FleetUnavailable(
            "The fleet DSN is not a valid PostgreSQL connection string (expected postgresql://user@host:port/db)."
        ) from exc
    if not parts.get("password"):
        password = get_secret(PASSWORD_SECRET, environ)
        if password:
            dsn = make_conninfo(dsn, password=password)
    return dsn


def describe_dsn(dsn: str) -> str:
    """user@host:port/dbname: enough to know which server, never the password."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(an unreadable DSN)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"{user}{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"


def _reason(exc: BaseException, dsn: str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    password = conninfo_to_dict(dsn).get("password") if dsn else None
    return text.replace(str(password), "***") if password else text


def connect(dsn: str, autocommit: bool = False, timeout_s: float = 5.0) -> psycopg.Connection[tuple[Any, ...]]:
    """A connection, or FleetUnavailable in words a person can act on."""
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=max(1, int(timeout_s)),
                               application_name="aisle")
    except psycopg.Error as exc:
        raise FleetUnavailable(f"Cannot reach the fleet database {describe_dsn(dsn)}: {_reason(exc, dsn)}") from exc
