"""Secrets come from the environment or the OS keyring, and nowhere else.

They are never logged and never written to history. `describe()` tells the staff panel whether a key is set
without revealing it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

log = logging.getLogger("aisle.app.secrets")

KEYRING_SERVICE = "aisle"
SECRET_NAMES = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "AZURE_SPEECH_KEY",
    "AISLE_API_TOKEN",
    "AISLE_FLEET_DSN",  # fleet mode: postgresql://user:password@host/db
    "AISLE_FLEET_PASSWORD",  # fleet mode: the password, when the DSN carries none
)


def get_secret(name: str, environ: Mapping[str, str] | None = None, use_keyring: bool = True) -> str | None:
    """The secret from the environment, else from the OS keyring (service `aisle`), else None."""
    env = os.environ if environ is None else environ
    value = env.get(name, "").strip()
    if value:
        return value
    if not use_keyring or env.get("AISLE_NO_KEYRING"):
        return None
    try:
        import keyring

        stored = keyring.get_password(KEYRING_SERVICE, name)
    except Exception as exc:  # no keyring backend on a headless kiosk is normal
        log.debug("keyring unavailable for %s: %s", name, type(exc).__name__)
        return None
    return stored.strip() if stored else None


def describe(name: str, environ: Mapping[str, str] | None = None) -> str:
    """'set' or 'not set', for screens that must never show the key itself."""
    return "set" if get_secret(name, environ) else "not set"
