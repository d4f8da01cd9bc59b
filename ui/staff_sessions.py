"""Recent sessions on the staff panel: one tappable row per session (when, how long, turns, how it ended, the order
number and total, never cut off), and the chosen session's turns below the list."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractButton, QButtonGroup, QSizePolicy, QStyle, QStyleOption, QVBoxLayout, QWidget

from ui import theme as themes
from ui.widgets import frame, label


def session_summary(row: dict[str, Any]) -> tuple[str, str]:
    """(first line, second line) for a session row: "03 Dec 08:31 · 2 min · 6 turns", "start over · order …"."""
    started_at = float(row.get("started_at") or 0)
    started = time.strftime("%d %b %H:%M", time.localtime(started_at))
    ended = row.get("ended_at")
    if ended:
        seconds = int(float(ended) - started_at)
        length = f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"
    else:
        length = "in progress"
    turns = int(row.get("turns") or 0)
    first = " · ".join([started, length, f"{turns} turn{'s' if turns != 1 else ''}"])
    second = [str(row.get("end_reason") or "").replace("_", " ")]
    if row.get("order_number"):
        second.append(f"order {row['order_number']}")
    if row.get("total"):
        second.append(f"${float(row['total']):,.2f}")
    return first, " · ".join(p for p in second if p) or "no order"


class SessionRow(QAbstractButton):
    """One session: a checkable, focusable row at least 64 px tall whose text wraps instead of being cut."""

    def __init__(self, row: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session_id = str(row.get("id", ""))
        self.setCheckable(True)
        self.setObjectName("SessionRow")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(64)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        first, second = session_summary(row)
        self.setAccessibleName(f"Session {first}, {second}")
        self._lay = lay = QVBoxLayout(self)
        t = themes.current()
        lay.setContentsMargins(t.px(14), t.px(8), t.px(14), t.px(8))
        lay.setSpacing(2)
        self.first = label(first, "", wrap=True)
        self.second = label(second, "", wrap=True)
        for lab in (self.first, self.second):
            lab.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            lay.addWidget(lab)
        self.toggled.connect(self._restyle)

    def _restyle(self, checked: bool) -> None:
        self.setProperty("chosen", checked)
        for w in (self, self.first, self.second):
            w.style().unpolish(w)
            w.style().polish(w)

    def sizeHint(self) -> QSize:
        return self._lay.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOption()
        option.initFrom(self)
        p = QPainter(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, p, self)
        p.end()


class SessionList(QWidget):
    """The rows and, under them, the chosen session's turns (asked for with `session_chosen`)."""

    session_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Recent sessions")
        self.rows: list[SessionRow] = []
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(themes.current().px(6))
        self.empty = label("No sessions yet.", "muted")
        self._lay.addWidget(self.empty)
        self._box = frame("soft")
        box = QVBoxLayout(self._box)
        t = themes.current()
        box.setContentsMargins(t.px(14), t.px(12), t.px(14), t.px(12))
        self.detail = label("", wrap=True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.detail)
        self._lay.addWidget(self._box)
        self._box.hide()

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        for old in self.rows:
            self._group.removeButton(old)
            self._lay.removeWidget(old)
            old.hide()  # out of layout and painting now; Qt deletes it once its events are done
            old.deleteLater()
        self.rows = []
        self.empty.setVisible(not rows)
        for i, data in enumerate(rows):
            row = SessionRow(data)
            row.clicked.connect(lambda _=False, sid=row.session_id: self.session_chosen.emit(sid))
            self._group.addButton(row)
            self._lay.insertWidget(1 + i, row)
            self.rows.append(row)
        self._box.hide()

    def show_session(self, session: dict[str, Any] | None) -> None:
        """The chosen session's turns, in order ("Shopper: …", "Aisle: …", "Tapped: …")."""
        if session is None:
            self.detail.setText("That session is no longer in the history.")
        else:
            who = {"shopper": "Shopper", "assistant": "Aisle"}
            lines = []
            for turn in session.get("turns_list") or []:
                role = "Tapped" if turn.get("source") == "touch" else who.get(str(turn.get("role")), "Aisle")
                lines.append(f"{role}: {turn.get('text', '')}")
            self.detail.setText("\n".join(lines) or "No turns were recorded in this session.")
        self._box.show()
