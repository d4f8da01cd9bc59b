"""Deferred UI work with a per-turn budget: building the rest of a grid, rendering images, deleting retired pages.

Separate zero-interval timers all fire in the same loop turn, so their work adds up into one long turn. Here every
job is a step function queued on one timer; each loop turn runs steps (round robin) until the budget is spent, then
yields to input, painting and asyncio callbacks.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger("aisle.ui.work")

Step = Callable[[], bool]  # do a little; True while there is more to do
BUDGET_S = 0.003


class _Work(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.jobs: deque[Step] = deque()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._turn)

    def add(self, step: Step) -> None:
        if step not in self.jobs:
            self.jobs.append(step)
        if not self.timer.isActive():
            self.timer.start()

    def _turn(self) -> None:
        started = time.perf_counter()
        while self.jobs and time.perf_counter() - started < BUDGET_S:
            step = self.jobs.popleft()
            try:
                more = step()
            except RuntimeError:  # the widget behind the job is gone
                more = False
            except Exception:
                log.exception("deferred UI work failed")
                more = False
            if more:
                self.jobs.append(step)
        if self.jobs:
            self.timer.start()


_work: list[_Work] = []


def later(step: Step) -> None:
    """Queue `step`; it is called on coming loop turns until it returns False."""
    if not _work:
        _work.append(_Work())
    _work[0].add(step)


def pending() -> int:
    return len(_work[0].jobs) if _work else 0
