"""Icons drawn with QPainter (no image files): a shape per level, so the state
reads without colour — check, exclamation triangle, stop hand, question, lock."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from storeops.ui.occupancy.state import Level


def draw_glyph(p: QPainter, level: Level, rect: QRectF, color: QColor, on: QColor) -> None:
    """Draw the level's icon filling `rect` (square-ish): a `color` disc or shape
    with an `on`-coloured mark inside."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    side = min(rect.width(), rect.height())
    r = QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side)
    if level is Level.GREEN:
        _check(p, r, color, on)
    elif level is Level.AMBER:
        _exclamation(p, r, color, on)
    elif level is Level.RED:
        _stop(p, r, color, on)
    elif level is Level.CLOSED:
        _lock(p, r, color, on)
    else:
        _question(p, r, color, on)
    p.restore()


def _pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _check(p: QPainter, r: QRectF, color: QColor, on: QColor) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(r)
    s = r.width()
    p.setPen(_pen(on, s * 0.11))
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath(QPointF(r.left() + s * 0.27, r.top() + s * 0.53))
    path.lineTo(r.left() + s * 0.43, r.top() + s * 0.68)
    path.lineTo(r.left() + s * 0.74, r.top() + s * 0.34)
    p.drawPath(path)


def _exclamation(p: QPainter, r: QRectF, color: QColor, on: QColor) -> None:
    s = r.width()
    tri = QPolygonF(
        [
            QPointF(r.center().x(), r.top() + s * 0.04),
            QPointF(r.right() - s * 0.02, r.bottom() - s * 0.08),
            QPointF(r.left() + s * 0.02, r.bottom() - s * 0.08),
        ]
    )
    p.setPen(_pen(color, s * 0.06))
    p.setBrush(color)
    p.drawPolygon(tri)
    p.setPen(_pen(on, s * 0.10))
    cx = r.center().x()
    p.drawLine(QPointF(cx, r.top() + s * 0.36), QPointF(cx, r.top() + s * 0.64))
    p.drawPoint(QPointF(cx, r.top() + s * 0.78))


def _stop(p: QPainter, r: QRectF, color: QColor, on: QColor) -> None:
    """Octagon with a raised open hand (palm, four fingers, thumb)."""
    s = r.width()
    cx, cy = r.center().x(), r.center().y()
    pts = [
        QPointF(cx + s / 2 * math.cos(math.radians(22.5 + 45 * i)), cy + s / 2 * math.sin(math.radians(22.5 + 45 * i)))
        for i in range(8)
    ]
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawPolygon(QPolygonF(pts))
    p.setBrush(on)
    palm = QRectF(cx - s * 0.16, cy - s * 0.02, s * 0.32, s * 0.28)
    p.drawRoundedRect(palm, s * 0.07, s * 0.07)
    finger_w = s * 0.07
    for i, height in enumerate((0.26, 0.32, 0.30, 0.24)):
        x = palm.left() + i * (palm.width() - finger_w) / 3
        p.drawRoundedRect(QRectF(x, cy - s * height, finger_w, s * height + s * 0.04), finger_w / 2, finger_w / 2)
    thumb = QPainterPath()
    thumb.addRoundedRect(QRectF(-finger_w / 2, -s * 0.17, finger_w, s * 0.2), finger_w / 2, finger_w / 2)
    p.save()
    p.translate(palm.left() + s * 0.01, cy + s * 0.12)
    p.rotate(-40)
    p.drawPath(thumb)
    p.restore()


def _question(p: QPainter, r: QRectF, color: QColor, on: QColor) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(r)
    font = p.font()
    font.setPixelSize(max(1, int(r.height() * 0.7)))
    font.setBold(True)
    p.setFont(font)
    p.setPen(on)
    p.drawText(r, Qt.AlignmentFlag.AlignCenter, "?")


def _lock(p: QPainter, r: QRectF, color: QColor, on: QColor) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(r)
    s = r.width()
    body = QRectF(r.left() + s * 0.3, r.top() + s * 0.46, s * 0.4, s * 0.3)
    p.setBrush(on)
    p.drawRoundedRect(body, s * 0.04, s * 0.04)
    p.setPen(_pen(on, s * 0.07))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(QRectF(r.left() + s * 0.36, r.top() + s * 0.24, s * 0.28, s * 0.36), 0, 180 * 16)
    p.drawLine(QPointF(r.left() + s * 0.36, r.top() + s * 0.42), QPointF(r.left() + s * 0.36, r.top() + s * 0.47))
    p.drawLine(QPointF(r.left() + s * 0.64, r.top() + s * 0.42), QPointF(r.left() + s * 0.64, r.top() + s * 0.47))
