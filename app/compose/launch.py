"""Starts the kiosk window, or explains what to do when there is no display."""

from __future__ import annotations

import os
import sys

from app.settings import Settings


def launch(settings: Settings, headless: bool = False) -> int:
    if headless:
        from app.compose.headless import run_headless

        return run_headless(settings)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        print("aisle: no display is available, so the kiosk window cannot open. Running headless instead "
              "(the assistant, history and the HTTP endpoint, no window). For the window, start a virtual display "
              "(e.g. `Xvfb :99 & export DISPLAY=:99`) and run `aisle` again; `aisle --headless` skips this check "
              "and `aisle chat` talks in the terminal.", file=sys.stderr)
        from app.compose.headless import run_headless

        return run_headless(settings)
    from ui.kiosk_main import run_kiosk

    return run_kiosk(settings)
