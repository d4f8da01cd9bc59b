"""Logging: a named logger per package (`aisle.app`, `aisle.agent`, ...), to the console and a rotating file."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from app.redaction import RedactingFormatter


def setup_logging(log_dir: Path | None, console_level: str | int = "WARNING") -> None:
    root = logging.getLogger("aisle")
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    fmt = RedactingFormatter(  # shoppers' emails, phone and card numbers never reach a log
        "%(asctime)s %(levelname)s %(name)s: %(message)s")
    console = logging.StreamHandler()
    console.setLevel(os.environ.get("AISLE_LOG_LEVEL", console_level))
    console.setFormatter(fmt)
    root.addHandler(console)
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            file_handler = logging.handlers.RotatingFileHandler(
                log_dir / "aisle.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
            )
            file_handler.setLevel(logging.INFO)
            file_handler.setFormatter(fmt)
            root.addHandler(file_handler)
        except OSError as exc:
            root.warning("cannot write logs to %s: %s", log_dir, exc)
    root.propagate = False
