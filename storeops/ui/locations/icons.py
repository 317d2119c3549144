"""One small icon per location type, drawn with QPainter.

Drawn rather than shipped as files: no resource lookup at start-up, crisp at
any device pixel ratio, and the shapes stay recognisable at 16 px (a building,
a map area, a shop front, a door, a hanger, a display table, a dot).
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)

_COLORS = {
    "organization": "#37474f",
    "region": "#2e7d32",
    "store": "#1565c0",
    "entrance": "#ef6c00",
    "fitting_room": "#8e24aa",
    "display": "#00838f",
    "other": "#757575",
}


def _draw(p: QPainter, kind: str, s: float) -> None:
    color = QColor(_COLORS.get(kind, _COLORS["other"]))
    pen = QPen(color, max(1.0, s / 12))
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    fill = QColor(color)
    fill.setAlpha(60)
    p.setBrush(fill)
    u = s / 16  # drawing unit: shapes are designed on a 16x16 grid
    if kind == "organization":  # a tall office building with windows
        p.drawRect(QRectF(3 * u, 1.5 * u, 10 * u, 13 * u))
        p.setBrush(color)
        for row in range(3):
            for col in range(2):
                p.drawRect(QRectF((5 + col * 4) * u, (3.5 + row * 3.5) * u, 2 * u, 1.5 * u))
    elif kind == "region":  # a folded map
        poly = QPolygonF(
            [
                QPointF(1.5 * u, 3.5 * u),
                QPointF(5.5 * u, 2 * u),
                QPointF(10.5 * u, 3.5 * u),
                QPointF(14.5 * u, 2 * u),
                QPointF(14.5 * u, 12.5 * u),
                QPointF(10.5 * u, 14 * u),
                QPointF(5.5 * u, 12.5 * u),
                QPointF(1.5 * u, 14 * u),
            ]
        )
        p.drawPolygon(poly)
        p.drawLine(QPointF(5.5 * u, 2 * u), QPointF(5.5 * u, 12.5 * u))
        p.drawLine(QPointF(10.5 * u, 3.5 * u), QPointF(10.5 * u, 14 * u))
    elif kind == "store":  # a shop front with an awning
        p.drawRect(QRectF(2.5 * u, 6.5 * u, 11 * u, 8 * u))
        p.setBrush(color)
        awning = QPolygonF(
            [QPointF(1.5 * u, 6.5 * u), QPointF(3 * u, 2 * u), QPointF(13 * u, 2 * u), QPointF(14.5 * u, 6.5 * u)]
        )
        p.drawPolygon(awning)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(6.5 * u, 9.5 * u, 3 * u, 5 * u))
    elif kind == "entrance":  # an open door with an arrow going in
        p.drawRect(QRectF(6 * u, 1.5 * u, 8 * u, 13 * u))
        p.drawLine(QPointF(1 * u, 8 * u), QPointF(9 * u, 8 * u))
        p.drawLine(QPointF(6.5 * u, 5.5 * u), QPointF(9 * u, 8 * u))
        p.drawLine(QPointF(6.5 * u, 10.5 * u), QPointF(9 * u, 8 * u))
    elif kind == "fitting_room":  # a clothes hanger
        p.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath(QPointF(6.5 * u, 4 * u))
        path.arcTo(QRectF(6 * u, 1.5 * u, 4 * u, 4 * u), 180, -250)
        path.lineTo(QPointF(8 * u, 7.5 * u))
        p.drawPath(path)
        p.setBrush(fill)
        p.drawPolygon(QPolygonF([QPointF(8 * u, 7.5 * u), QPointF(15 * u, 13 * u), QPointF(1 * u, 13 * u)]))
    elif kind == "display":  # a table with something on it
        p.drawRect(QRectF(1.5 * u, 8 * u, 13 * u, 2 * u))
        p.drawLine(QPointF(3 * u, 10 * u), QPointF(3 * u, 14.5 * u))
        p.drawLine(QPointF(13 * u, 10 * u), QPointF(13 * u, 14.5 * u))
        p.setBrush(color)
        p.drawRect(QRectF(4.5 * u, 4 * u, 3 * u, 4 * u))
        p.drawEllipse(QRectF(9 * u, 5 * u, 3 * u, 3 * u))
    else:  # anything else: a plain dot
        p.drawEllipse(QRectF(4 * u, 4 * u, 8 * u, 8 * u))


@cache
def location_icon(kind: str) -> QIcon:
    """Icon for a location_type ("organization" for the top node)."""
    icon = QIcon()
    for size in (16, 24, 32, 48):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _draw(painter, kind, float(size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon
