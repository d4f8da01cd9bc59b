"""Is this kiosk in a fleet, and who is it? Cheap checks that import nothing of PostgreSQL."""

from __future__ import annotations

import socket
import uuid

from app.secrets import get_secret
from app.settings import Settings

KIOSK_ID_FILE = "kiosk-id"


def fleet_configured(settings: Settings) -> bool:
    """True when a fleet DSN is set (environment, keyring or settings): the kiosk then runs in fleet mode."""
    return bool(settings.fleet_dsn or get_secret("AISLE_FLEET_DSN"))


def kiosk_identity(settings: Settings) -> str:
    """`kiosk_id` from settings, else one made up once (host name + random) and kept in the data directory."""
    if settings.kiosk_id:
        return settings.kiosk_id
    path = settings.data_dir / KIOSK_ID_FILE
    if path.is_file():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    made = f"{socket.gethostname()}-{uuid.uuid4().hex[:6]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(made + "\n", encoding="utf-8")
    return made
