"""Route Qt's own warnings into logging, minus the offscreen plugin's noise."""

from __future__ import annotations

import logging

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

log = logging.getLogger("aisle.ui.qt")
_IGNORED = ("propagateSizeHints", "This plugin does not support")
_installed: list[bool] = []


def _handler(kind: QtMsgType, context: object, message: str) -> None:
    if any(part in message for part in _IGNORED):
        return
    if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        log.error("%s", message)
    elif kind == QtMsgType.QtWarningMsg:
        log.warning("%s", message)
    else:
        log.debug("%s", message)


def install() -> None:
    if not _installed:
        _installed.append(True)
        qInstallMessageHandler(_handler)
