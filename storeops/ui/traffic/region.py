"""A region's stores side by side: the ranking table (total in, change against the
comparison, busiest hour, share of incomplete data) and small multiples, one small
chart per store on the same scale. Clicking a store (a row or its chart) asks for its
own chart. Only paints."""

from __future__ import annotations

import numpy as np
from pyqtgraph.functions import create_qpolygonf, ndarray_from_qpolygonf  # type: ignore[import-untyped]
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from storeops.services.traffic import RegionTraffic, StoreRank
from storeops.services.traffic_series import IMPUTED, INCOMPLETE

COLUMNS = ("#", "Store", "Total in", "Change", "Busiest hour", "Incomplete data")
TILE_SIZE = QSize(220, 110)
_MARKS = QColor(230, 57, 70, 120)  # incomplete or imputed: #e63946, translucent
# One pixel wide: Qt strokes it antialiased far faster than the 1.3 px pen it replaced
# (50 tiles of a year by day: drawPolyline ~95 ms -> under 5 ms), and it reads the same.
_LINE = QPen(QColor("#1f5fbf"), 1.0)


class _Number(QTableWidgetItem):
    """Sorts by its value, not its text."""

    def __init__(self, text: str, value: float):
        super().__init__(text)
        self.value = value
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _Number):
            return self.value < other.value
        return super().__lt__(other)


def change_text(rank: StoreRank) -> tuple[str, float]:
    pct = rank.change_percent
    if pct is None:
        return "—", float("-inf")
    return f"{pct:+.1f} %", pct


class RankingTable(QTableWidget):
    store_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("TrafficRanking")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Double-click a store (or press Enter) to open its chart")
        self.cellActivated.connect(self._activated)
        self.cellDoubleClicked.connect(self._activated)

    def show_region(self, region: RegionTraffic) -> None:
        self.setSortingEnabled(False)
        # Sized to contents once, after the fill: in ResizeToContents mode every
        # setItem measured its whole column again (50 stores: ~300 x 50 cells).
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setUpdatesEnabled(False)
        self.setRowCount(len(region.ranks))
        for row, rank in enumerate(region.ranks):
            name = QTableWidgetItem(rank.store.name)
            name.setData(Qt.ItemDataRole.UserRole, rank.store.uuid)
            name.setToolTip(f"{rank.store.name} — {rank.store.time_zone or 'UTC'}")
            change, change_value = change_text(rank)
            change_item = _Number(change, change_value)
            if rank.change_percent is not None:
                change_item.setForeground(QColor("#1b7a3a" if rank.change_percent >= 0 else "#a01020"))
            peak = rank.peak.label() if rank.peak is not None else "—"
            share = rank.totals.incomplete_share * 100.0
            share_item = _Number(f"{share:.0f} %", share)
            share_item.setToolTip(
                f"{rank.totals.incomplete} incomplete and {rank.totals.imputed} imputed of "
                f"{rank.totals.intervals} intervals, left out of the total"
            )
            if share >= 10:
                share_item.setForeground(QColor("#a01020"))
            cells = (
                _Number(str(row + 1), row + 1),
                name,
                _Number(f"{rank.totals.traffic_in:,.0f}", rank.totals.traffic_in),
                change_item,
                QTableWidgetItem(peak),
                share_item,
            )
            for col, item in enumerate(cells):
                self.setItem(row, col, item)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setUpdatesEnabled(True)
        self.setSortingEnabled(True)
        # Ranked as the service ranks (most traffic first); a header click re-sorts.
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)

    def store_at(self, row: int) -> str | None:
        item = self.item(row, 1)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _activated(self, row: int, _column: int) -> None:
        uuid = self.store_at(row)
        if uuid:
            self.store_chosen.emit(uuid)


class SparkTile(QWidget):
    """One store's traffic in as a small line on the region's common scale; incomplete
    and imputed intervals are marked under the line."""

    clicked = Signal(str)

    def __init__(self, rank: StoreRank, top: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.rank = rank
        self.top = max(top, 1.0)
        self.setFixedSize(TILE_SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        pct = rank.change_percent
        change = f" ({pct:+.0f} %)" if pct is not None else ""
        self.setToolTip(f"{rank.store.name}: {rank.totals.traffic_in:,.0f} in{change}. Click to open its chart.")
        self.setObjectName("SparkTile")
        self._shapes_for: tuple[int, int] | None = None
        self._line: QPolygonF | None = None
        self._marks: list[QRect] = []

    def _shapes(self) -> tuple[QPolygonF | None, list[QRect]]:
        """The line and the validity marks, worked out once per tile size with numpy
        (a year by day is 365 points per tile, 50 tiles)."""
        size = (self.width(), self.height())
        if self._shapes_for != size:
            self._shapes_for = size
            self._line, self._marks = None, []
            s = self.rank.series
            if len(s) >= 2:
                left, right, bottom, height = 8.0, self.width() - 8.0, self.height() - 8.0, self.height() - 46.0
                x0, x1 = float(s.start[0]), float(s.end[-1])
                span = max(x1 - x0, 1.0)
                xs = left + ((s.start + s.end) / 2 - x0) / span * (right - left)
                ys = bottom - 4 - s.ins / self.top * height
                line = create_qpolygonf(len(xs))
                points = ndarray_from_qpolygonf(line)  # the polygon's own memory
                points[:, 0] = xs
                points[:, 1] = ys
                self._line = line
                flagged = np.isin(s.validity, (INCOMPLETE, IMPUTED))
                self._marks = [QRect(int(x), int(bottom - 3), 2, 3) for x in xs[flagged].tolist()]
        return self._line, self._marks

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.rank.store.uuid)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        painter.setPen(QPen(QColor("#d0d4da")))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.setPen(QColor("#222"))
        painter.drawText(8, 16, self.rank.store.name)
        painter.setPen(QColor("#555"))
        pct = self.rank.change_percent
        figure = f"{self.rank.totals.traffic_in:,.0f} in" + (f"  {pct:+.0f} %" if pct is not None else "")
        painter.drawText(8, 31, figure)
        line, marks = self._shapes()
        if line is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_MARKS)
            painter.drawRects(marks)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(_LINE)
            painter.drawPolyline(line)
        painter.end()


class SmallMultiples(QScrollArea):
    store_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self._host = QWidget()
        self._grid = QGridLayout(self._host)
        self._grid.setSpacing(8)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setWidget(self._host)
        self.tiles: list[SparkTile] = []

    def show_region(self, region: RegionTraffic) -> None:
        for tile in self.tiles:
            self._grid.removeWidget(tile)
            tile.deleteLater()
        top = max((float(r.series.ins.max()) for r in region.ranks if len(r.series)), default=1.0)
        columns = max(1, (self.viewport().width() or 900) // (TILE_SIZE.width() + 8))
        self.tiles = []
        for i, rank in enumerate(region.ranks):
            tile = SparkTile(rank, top)
            tile.clicked.connect(self.store_chosen)
            self._grid.addWidget(tile, i // columns, i % columns)
            self.tiles.append(tile)


class RegionView(QWidget):
    store_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.table = RankingTable()
        self.multiples = SmallMultiples()
        self.table.store_chosen.connect(self.store_chosen)
        self.multiples.store_chosen.connect(self.store_chosen)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.heading)
        box.addWidget(self.table, 2)
        hint = QLabel(
            "Each store's traffic in, on the same scale (red ticks: incomplete or imputed data). Click to open."
        )
        hint.setStyleSheet("color: #555;")
        box.addWidget(hint)
        box.addWidget(self.multiples, 3)

    def show_region(self, region: RegionTraffic) -> None:
        self.heading.setText(
            f"<b>{region.region.name}</b>: {len(region.ranks)} stores, {region.period.label()}, by "
            f"{region.granularity.label.lower()}, ranked by traffic in (complete intervals only)."
        )
        self.table.show_region(region)
        self.multiples.show_region(region)
