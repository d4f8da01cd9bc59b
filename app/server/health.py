"""What /health checks: that the catalog answers a real search and that history can be written, not just opened."""

from __future__ import annotations

import re

from app.runtime import Runtime


def check_catalog(runtime: Runtime) -> str:
    """A real search round trip (the full-text index too), not just a count."""
    try:
        catalog = runtime.catalog
        catalog.count()
        first = catalog.search("", limit=1)
        if first:
            word = next((w for w in re.findall(r"[A-Za-z]{3,}", first[0].name)), "")
            if word:
                catalog.search(word, limit=1)
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"


def check_history(runtime: Runtime) -> str:
    """History's own state (writes failing, queued events) and a write-and-read-back round trip."""
    history = runtime.history
    health = history.health()
    if not health.ok:
        return health.describe()
    probe = history.probe_write()
    return health.describe() if probe == "ok" else probe
