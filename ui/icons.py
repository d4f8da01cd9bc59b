"""Line icons drawn with QPainter at run time: crisp at any size and in any theme colour, no image files."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

SIZE = 48


Point = tuple[float, float]
Stroke = tuple[Point, ...]
CLOSE: Point = (-1.0, -1.0)  # ends a stroke by closing it back to its start

# the icons made of straight strokes only, on a 48-unit square
STROKES: dict[str, tuple[Stroke, ...]] = {
    "send": (((8, 24), (40, 24)), ((28, 12), (40, 24), (28, 36))),
    "plus": (((24, 11), (24, 37)), ((11, 24), (37, 24))),
    "minus": (((11, 24), (37, 24)),),
    "trash": (((10, 14), (38, 14)), ((19, 14), (19, 9), (29, 9), (29, 14)), ((14, 14), (16, 39), (32, 39), (34, 14)),
              ((21, 20), (21, 33)), ((27, 20), (27, 33))),
    "back": (((28, 12), (16, 24), (28, 36)),),
    "close": (((14, 14), (34, 34)), ((34, 14), (14, 34))),
    "check": (((11, 25), (20, 34), (37, 15)),),
    "shift": (((24, 9), (39, 25), (31, 25), (31, 38), (17, 38), (17, 25), (9, 25), CLOSE),),
    "backspace": (((17, 12), (41, 12), (41, 36), (17, 36), (6, 24), CLOSE), ((23, 19), (33, 29)),
                  ((33, 19), (23, 29))),
}


def _stroke(p: QPainterPath, points: Stroke) -> None:
    p.moveTo(*points[0])
    for point in points[1:]:
        if point == CLOSE:
            p.closeSubpath()
        else:
            p.lineTo(*point)


def _cart(p: QPainterPath) -> None:
    _stroke(p, ((6, 10), (12, 10), (17, 31), (38, 31), (42, 16), (14, 16)))
    p.addEllipse(QPointF(19, 38), 2.6, 2.6)
    p.addEllipse(QPointF(35, 38), 2.6, 2.6)


def _keyboard(p: QPainterPath) -> None:
    p.addRoundedRect(QRectF(6, 13, 36, 22), 4, 4)
    for x in (13, 20, 27, 34):
        _stroke(p, ((x, 20), (x + 0.5, 20)))
    _stroke(p, ((15, 28), (33, 28)))


def _mic(p: QPainterPath) -> None:
    p.addRoundedRect(QRectF(18, 7, 12, 22), 6, 6)
    p.moveTo(12, 23)
    p.cubicTo(12, 38, 36, 38, 36, 23)
    _stroke(p, ((24, 34), (24, 41)))


def _speaker(p: QPainterPath) -> None:
    _stroke(p, ((8, 19), (15, 19), (24, 11), (24, 37), (15, 29), (8, 29), CLOSE))
    for wave in (QRectF(20, 16, 12, 16), QRectF(20, 9, 20, 30)):
        p.arcMoveTo(wave, -50)
        p.arcTo(wave, -50, 100)


def _restart(p: QPainterPath) -> None:
    p.arcMoveTo(QRectF(11, 11, 26, 26), 60)
    p.arcTo(QRectF(11, 11, 26, 26), 60, 300)
    _stroke(p, ((31, 6), (32, 14), (24, 15)))


def _search(p: QPainterPath) -> None:
    p.addEllipse(QPointF(21, 21), 11, 11)
    _stroke(p, ((29, 29), (39, 39)))


# the icons with curves
DRAWN: dict[str, Callable[[QPainterPath], None]] = {
    "cart": _cart, "keyboard": _keyboard, "mic": _mic, "speaker": _speaker, "restart": _restart, "search": _search,
}


def _path(name: str) -> QPainterPath:
    """The outline of icon `name` (empty for a name that has none)."""
    p = QPainterPath()
    for points in STROKES.get(name, ()):
        _stroke(p, points)
    draw = DRAWN.get(name)
    if draw is not None:
        draw(p)
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
