"""Aisle's local audio layer: devices, capture, playback, resampling, VAD, offline speech and echo control.

The package has no Qt and no dependency on ``app``, ``ui`` or ``agent``. Heavy modules (sounddevice, pocketsphinx,
espeak-ng) are imported by the submodules that need them, so ``import audio`` alone is cheap.

All modules log to the ``aisle.audio`` logger (or a child of it).
"""

from __future__ import annotations

import logging

LOGGER_NAME = "aisle.audio"
logger = logging.getLogger(LOGGER_NAME)

__all__ = ["LOGGER_NAME", "logger"]
