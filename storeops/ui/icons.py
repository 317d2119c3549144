"""Icons drawn as SVG under resources/icons, tinted on load.

The SVGs use the colour placeholder `#COLOR`; we substitute a palette colour and
render through Qt's SVG image plugin, so no QtSvg import is needed at start-up.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from storeops import resources

INK = "#2b3a4a"
MUTED = "#6b7a89"
SELECTED = "#ffffff"
ACCENT = "#1f6feb"


def _pixmap(name: str, color: str, size: int) -> QPixmap:
    svg = resources.read_text("icons", f"{name}.svg").replace("#COLOR", color)
    pixmap = QPixmap()
    if svg and pixmap.loadFromData(QByteArray(svg.encode()), "SVG"):
        return pixmap.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    # Missing file or plugin: an empty transparent square keeps layouts steady.
    blank = QPixmap(size, size)
    blank.fill(Qt.GlobalColor.transparent)
    return blank


@lru_cache(maxsize=128)
def icon(name: str, color: str = INK, selected: str | None = SELECTED, size: int = 48) -> QIcon:
    result = QIcon()
    result.addPixmap(_pixmap(name, color, size), QIcon.Mode.Normal)
    if selected:
        result.addPixmap(_pixmap(name, selected, size), QIcon.Mode.Selected)
    result.addPixmap(_pixmap(name, MUTED, size), QIcon.Mode.Disabled)
    return result


@lru_cache(maxsize=4)
def app_icon() -> QIcon:
    pixmap = QPixmap()
    svg = resources.read_text("icons", "storeops.svg")
    result = QIcon()
    for size in (16, 32, 64, 128, 256):
        if svg and pixmap.loadFromData(QByteArray(svg.encode()), "SVG"):
            result.addPixmap(
                pixmap.scaled(
                    size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )
    return result


def dot(color: str, size: int = 10) -> QPixmap:
    """A round status light for the status bar."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawEllipse(0, 0, size, size)
    painter.end()
    return pixmap
