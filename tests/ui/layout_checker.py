"""A layout checker for the kiosk window: walks the visible widget tree and reports what a person would see as
broken. Used by the flow tests after every step, offscreen and under a real X server.

What counts as a problem:
- overlap: two visible sibling widgets (in the same parent) cover each other, except for the overlays that are meant
  to float (dialogs, toasts, the staff corner) and what the overlay itself holds;
- clipped: a label whose text needs more room than it has (word-wrap aware: a wrapped label needs
  `heightForWidth(width)`, a single-line one its size hint's width), a button whose text does not fit, a child that
  sticks out of its parent (outside a scroll area's content);
- small: an interactive widget under 64 px in either direction;
- unnamed: an interactive widget without an accessible name;
- outside: a widget (outside scroll areas) that reaches past the window's edges;
- narrow text box: a line edit under 240 px wide (ten characters was the bug).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QWidget,
)

MIN_TARGET = 64
MIN_TEXT_BOX = 240
SLACK = 2  # px: rounding in layouts and fractional font metrics
FLOATING = ("Scrim", "Toast", "CornerHotspot", "PinPrompt", "StaffPanel", "IdleOverlay", "StartOverPrompt")


def _floating(widget: QWidget) -> bool:
    return any(cls.__name__ in FLOATING for cls in type(widget).__mro__)


def _shown(widget: QWidget, window: QWidget) -> bool:
    return widget.isVisibleTo(window) and widget.isVisible() and widget.width() > 0 and widget.height() > 0


def _in_scroll_content(widget: QWidget) -> bool:
    """True for anything inside a scroll area's viewport (it may extend past the visible part by design)."""
    parent = widget.parentWidget()
    while parent is not None:
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and area.viewport() is parent:
            return True
        parent = area
    return False


def _name(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, QLabel | QAbstractButton):
        text = widget.text()[:40]
    return f"{type(widget).__name__}({widget.accessibleName() or widget.objectName() or text!r})"


def interactive(widget: QWidget) -> bool:
    if isinstance(widget, QAbstractButton | QLineEdit | QComboBox):
        return widget.isEnabled() or isinstance(widget, QAbstractButton)
    return type(widget).__name__ in ("ProductCard",)


def _label_problem(lab: QLabel) -> str | None:
    if not lab.text() or (lab.pixmap() is not None and not lab.pixmap().isNull()):
        return None
    if lab.wordWrap():
        needed = lab.heightForWidth(lab.width())
        if needed > lab.height() + SLACK:
            return f"needs {needed} px of height, has {lab.height()}"
        return None
    if "\n" in lab.text():
        needed_h = lab.sizeHint().height()
        if needed_h > lab.height() + SLACK:
            return f"needs {needed_h} px of height, has {lab.height()}"
    needed_w = lab.fontMetrics().horizontalAdvance(max(lab.text().split("\n"), key=len)) + 2 * lab.margin()
    margins = lab.contentsMargins()
    needed_w += margins.left() + margins.right()
    if needed_w > lab.width() + SLACK:
        return f"needs {needed_w} px of width, has {lab.width()}"
    return None


def _button_problem(b: QPushButton) -> str | None:
    """A button's text needs its size hint's width (text, icon and the style sheet's padding)."""
    if not b.text():
        return None
    needed = b.sizeHint().width()
    if needed > b.width() + SLACK:
        return f"text needs {needed} px, button is {b.width()}"
    return None


def check_layout(window: QWidget) -> list[str]:
    """Every problem found in `window`'s visible widgets, as sentences naming the widget."""
    problems: list[str] = []
    frame = window.rect()
    for widget in window.findChildren(QWidget):
        if not _shown(widget, window):
            continue
        top_left = widget.mapTo(window, QPoint(0, 0))
        rect = QRect(top_left, widget.size())
        in_scroll = _in_scroll_content(widget)
        if not in_scroll and not frame.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect):
            problems.append(f"outside the window: {_name(widget)} at {rect.getRect()}")
        if interactive(widget):
            if min(widget.width(), widget.height()) < MIN_TARGET:
                problems.append(f"touch target under {MIN_TARGET} px: {_name(widget)} {widget.width()}×"
                                f"{widget.height()}")
            if not widget.accessibleName().strip():
                problems.append(f"no accessible name: {_name(widget)}")
        if isinstance(widget, QLineEdit) and widget.width() < MIN_TEXT_BOX:
            problems.append(f"text box too narrow: {_name(widget)} is {widget.width()} px")
        if isinstance(widget, QLabel):
            why = _label_problem(widget)
            if why:
                problems.append(f"clipped text: {_name(widget)} {why}")
        if isinstance(widget, QPushButton):
            why = _button_problem(widget)
            if why:
                problems.append(f"clipped button: {_name(widget)} {why}")
        parent = widget.parentWidget()
        if parent is not None and parent is not window and not _floating(widget) and not (
                isinstance(parent.parentWidget(), QAbstractScrollArea)):
            inside = parent.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK)
            if not inside.contains(widget.geometry()):
                problems.append(f"sticks out of its parent: {_name(widget)} {widget.geometry().getRect()} in "
                                f"{_name(parent)} {parent.width()}×{parent.height()}")
    problems.extend(_overlaps(window))
    problems.extend(_scroll_overflow(window))
    problems.extend(_toast_cover(window))
    return problems


def _toast_cover(window: QWidget) -> list[str]:
    """A toast may float over products, never over the text box, the send button or Checkout."""
    problems = []
    toasts = [w for w in window.findChildren(QWidget) if type(w).__name__ == "Toast" and _shown(w, window)]
    for toast in toasts:
        over = QRect(toast.mapTo(window, QPoint(0, 0)), toast.size())
        for widget in window.findChildren(QWidget):
            if not (isinstance(widget, QLineEdit | QAbstractButton) and _shown(widget, window)):
                continue
            if any(type(a).__name__ == "ProductArea" for a in _ancestors(widget)):
                continue
            if over.intersects(QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())):
                problems.append(f"a toast covers {_name(widget)}")
    return problems


def _ancestors(widget: QWidget) -> list[QWidget]:
    found = []
    parent = widget.parentWidget()
    while parent is not None:
        found.append(parent)
        parent = parent.parentWidget()
    return found


def _scroll_overflow(window: QWidget) -> list[str]:
    """Scroll areas here scroll only up and down: content wider than the viewport is cut off on the right."""
    problems = []
    for area in window.findChildren(QScrollArea):
        content = area.widget()
        if content is None or not _shown(area, window):
            continue
        if content.width() > area.viewport().width() + SLACK:
            problems.append(f"wider than its scroll area (cut off on the right): {_name(content)} in "
                            f"{_name(area.parentWidget() or area)}: {content.width()} > {area.viewport().width()}")
    return problems


def _overlaps(window: QWidget) -> list[str]:
    problems: list[str] = []
    parents = {id(w.parentWidget()): w.parentWidget() for w in window.findChildren(QWidget)
               if w.parentWidget() is not None}
    for parent in parents.values():
        if not _shown(parent, window) and parent is not window:
            continue
        kids = [c for c in parent.children() if isinstance(c, QWidget) and not c.isWindow()
                and _shown(c, window) and not _floating(c)]
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                both = a.geometry().intersected(b.geometry())
                if both.width() > SLACK and both.height() > SLACK:
                    problems.append(f"overlap: {_name(a)} {a.geometry().getRect()} and {_name(b)} "
                                    f"{b.geometry().getRect()}")
    return problems


def artefact_dir(fallback: Path) -> Path:
    """Where the flow's screenshots go: `$AISLE_ARTIFACTS/layout` when set (CI keeps it), else `fallback`."""
    base = os.environ.get("AISLE_ARTIFACTS")
    folder = Path(base) / "layout" if base else fallback
    folder.mkdir(parents=True, exist_ok=True)
    return folder
