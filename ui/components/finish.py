"""`checkout` → the finish screen: order number, a QR code of the order for the shopper's phone, summary, Done."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from ui import theme as themes
from ui.components.registry import ComponentContext, register
from ui.widgets import QrCode, button, frame, label, money


class CheckMark(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(96, 96)

    def sizeHint(self) -> QSize:
        return QSize(96, 96)

    def paintEvent(self, event: QPaintEvent) -> None:
        t = themes.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(t.accent))
        p.drawEllipse(QRectF(4, 4, 88, 88))
        pen = QPen(QColor(t.accent_text), 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.drawPolyline([QRectF(28, 50, 0, 0).topLeft(), QRectF(43, 64, 0, 0).topLeft(),
                        QRectF(69, 34, 0, 0).topLeft()])
        p.end()


class FinishView(QWidget):
    def __init__(self, ctx: ComponentContext, result: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FinishView")
        t = themes.current()
        self.order_number = str(result.get("order_number", ""))
        order = dict(result.get("order") or {})
        outer = QVBoxLayout(self)
        outer.setContentsMargins(t.px(24), t.px(24), t.px(24), t.px(24))
        outer.addStretch(1)
        panel = frame("panel")
        panel.setMaximumWidth(1100)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel, 20)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        # stacked from the start on a narrow window: side by side it would need more width than the screen has
        narrow = int(ctx.extra.get("window_width", 1920)) < 1000
        body = QBoxLayout(QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight, panel)
        self._body = body
        body.setContentsMargins(t.px(48), t.px(40), t.px(48), t.px(40))
        body.setSpacing(t.px(48))
        left = QVBoxLayout()
        left.setSpacing(t.px(12))
        left.addWidget(CheckMark(), 0, Qt.AlignmentFlag.AlignLeft)
        left.addWidget(label("Thank you!", "h1"))
        left.addWidget(label("Your order is placed. Pay and pick it up at the counter.", "muted", wrap=True))
        left.addSpacing(t.px(8))
        left.addWidget(label("Order number", "small"))
        self.number_label = label(self.order_number, "order")
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        left.addWidget(self.number_label)
        left.addSpacing(t.px(8))
        left.addLayout(self._summary(order, result, t))
        left.addSpacing(t.px(12))
        self.done_button = button("Done", "Done, start over for the next shopper", role="primary",
                                  icon_name="check")
        self.done_button.setProperty("wide", True)
        self.done_button.clicked.connect(ctx.finish)
        left.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignLeft)
        body.addLayout(left, 3)
        right = QVBoxLayout()
        right.setSpacing(t.px(12))
        self.qr = QrCode(str(result.get("qr_payload") or self.order_number))
        self.qr.setFixedSize(300, 300)
        right.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        hint = label("Scan with your phone to keep your order", "muted", wrap=True)
        hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(hint)
        right.addStretch(1)
        body.addLayout(right, 2)

    @staticmethod
    def _summary(order: dict[str, Any], result: dict[str, Any], t: themes.Theme) -> QGridLayout:
        """Up to six lines of the order and its total."""
        summary = QGridLayout()
        summary.setHorizontalSpacing(t.px(16))
        summary.setVerticalSpacing(t.px(6))
        items = list(order.get("items") or [])
        for row, item in enumerate(items[:6]):
            summary.addWidget(label(f"{item.get('quantity', 1)} × {item.get('brand', '')} {item.get('name', '')}",
                                    wrap=True), row, 0)
            summary.addWidget(label(money(float(item.get("line_total", 0)))), row, 1, Qt.AlignmentFlag.AlignRight)
        if len(items) > 6:
            summary.addWidget(label(f"and {len(items) - 6} more", "muted"), 6, 0)
        total_row = min(len(items), 6) + 1
        summary.addWidget(label("Total", "h3"), total_row, 0)
        summary.addWidget(label(money(float(result.get("total", order.get("total", 0)))), "h3"), total_row, 1,
                          Qt.AlignmentFlag.AlignRight)
        summary.setColumnStretch(0, 1)
        return summary

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        direction = (QBoxLayout.Direction.TopToBottom if self.width() < 900
                     else QBoxLayout.Direction.LeftToRight)
        if self._body.direction() != direction:
            self._body.setDirection(direction)


@register("checkout")
def finish(ctx: ComponentContext, call: dict[str, Any]) -> QWidget:
    return FinishView(ctx, dict(call["result"]))
