"""Line icons drawn with QPainter at run time: crisp at any size and in any theme colour, no image files."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

SIZE = 48


def _path(name: str) -> QPainterPath:
    p = QPainterPath()
    if name == "cart":
        p.moveTo(6, 10)
        p.lineTo(12, 10)
        p.lineTo(17, 31)
        p.lineTo(38, 31)
        p.lineTo(42, 16)
        p.lineTo(14, 16)
        p.addEllipse(QPointF(19, 38), 2.6, 2.6)
        p.addEllipse(QPointF(35, 38), 2.6, 2.6)
    elif name == "send":
        p.moveTo(8, 24)
        p.lineTo(40, 24)
        p.moveTo(28, 12)
        p.lineTo(40, 24)
        p.lineTo(28, 36)
    elif name == "plus":
        p.moveTo(24, 11)
        p.lineTo(24, 37)
        p.moveTo(11, 24)
        p.lineTo(37, 24)
    elif name == "minus":
        p.moveTo(11, 24)
        p.lineTo(37, 24)
    elif name == "trash":
        p.moveTo(10, 14)
        p.lineTo(38, 14)
        p.moveTo(19, 14)
        p.lineTo(19, 9)
        p.lineTo(29, 9)
        p.lineTo(29, 14)
        p.moveTo(14, 14)
        p.lineTo(16, 39)
        p.lineTo(32, 39)
        p.lineTo(34, 14)
        p.moveTo(21, 20)
        p.lineTo(21, 33)
        p.moveTo(27, 20)
        p.lineTo(27, 33)
    elif name == "back":
        p.moveTo(28, 12)
        p.lineTo(16, 24)
        p.lineTo(28, 36)
    elif name == "close":
        p.moveTo(14, 14)
        p.lineTo(34, 34)
        p.moveTo(34, 14)
        p.lineTo(14, 34)
    elif name == "check":
        p.moveTo(11, 25)
        p.lineTo(20, 34)
        p.lineTo(37, 15)
    elif name == "keyboard":
        p.addRoundedRect(QRectF(6, 13, 36, 22), 4, 4)
        for x in (13, 20, 27, 34):
            p.moveTo(x, 20)
            p.lineTo(x + 0.5, 20)
        p.moveTo(15, 28)
        p.lineTo(33, 28)
    elif name == "mic":
        p.addRoundedRect(QRectF(18, 7, 12, 22), 6, 6)
        p.moveTo(12, 23)
        p.cubicTo(12, 38, 36, 38, 36, 23)
        p.moveTo(24, 34)
        p.lineTo(24, 41)
    elif name == "speaker":
        p.moveTo(8, 19)
        p.lineTo(15, 19)
        p.lineTo(24, 11)
        p.lineTo(24, 37)
        p.lineTo(15, 29)
        p.lineTo(8, 29)
        p.closeSubpath()
        p.arcMoveTo(QRectF(20, 16, 12, 16), -50)
        p.arcTo(QRectF(20, 16, 12, 16), -50, 100)
        p.arcMoveTo(QRectF(20, 9, 20, 30), -50)
        p.arcTo(QRectF(20, 9, 20, 30), -50, 100)
    elif name == "restart":
        p.arcMoveTo(QRectF(11, 11, 26, 26), 60)
        p.arcTo(QRectF(11, 11, 26, 26), 60, 300)
        p.moveTo(31, 6)
        p.lineTo(32, 14)
        p.lineTo(24, 15)
    elif name == "search":
        p.addEllipse(QPointF(21, 21), 11, 11)
        p.moveTo(29, 29)
        p.lineTo(39, 39)
    elif name == "shift":
        p.moveTo(24, 9)
        p.lineTo(39, 25)
        p.lineTo(31, 25)
        p.lineTo(31, 38)
        p.lineTo(17, 38)
        p.lineTo(17, 25)
        p.lineTo(9, 25)
        p.closeSubpath()
    elif name == "backspace":
        p.moveTo(17, 12)
        p.lineTo(41, 12)
        p.lineTo(41, 36)
        p.lineTo(17, 36)
        p.lineTo(6, 24)
        p.closeSubpath()
        p.moveTo(23, 19)
        p.lineTo(33, 29)
        p.moveTo(33, 19)
        p.lineTo(23, 29)
    return p


@lru_cache(maxsize=128)
def icon(name: str, color: str, size: int = SIZE) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / SIZE, size / SIZE)
    pen = QPen(QColor(color), 3.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(_path(name))
    painter.end()
    return QIcon(pix)
