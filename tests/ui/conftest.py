"""Fixtures for the kiosk window: a qasync loop for pytest-qt's QApplication (re-raising what the loop collected),
and a wired kiosk — real runtime, offline brain, demo catalog — shown offscreen at 1920×1080."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from kiosk_harness import Kiosk, close_kiosk, make_kiosk, qasync_loop
from PySide6.QtWidgets import QApplication

from app.settings import Settings


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on pytest-qt's QApplication; fails the test with what the loop collected."""
    from ui import theme as themes
    from ui.fonts import load_fonts
    from ui.qtlog import install

    install()
    themes.apply_theme(qapp, themes.theme_for("light", font_family=load_fonts()))  # the shipped font, as the kiosk
    with qasync_loop(qapp) as loop:
        yield loop


@pytest.fixture
def kiosk_settings(settings: Settings) -> Settings:
    return settings


@pytest.fixture
def kiosk(qloop: qasync.QEventLoop, qtbot: Any, kiosk_settings: Settings) -> Iterator[Kiosk]:
    k = make_kiosk(qloop, kiosk_settings)
    try:
        yield k
    finally:
        close_kiosk(k)
