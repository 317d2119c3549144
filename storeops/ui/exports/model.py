"""The exports list as a table model, and the delegate that draws a download's
progress bar in its cell. Words for each state live here, in one place."""

from __future__ import annotations

import time

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

from storeops.api.models import ExportState
from storeops.services.exports import DownloadState, ExportEntry, ExportKind, human_bytes, progress_text

ID_ROLE = Qt.ItemDataRole.UserRole
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 1  # 0..1000, -1 unknown total, BUSY, None: no bar
BUSY = -2  # working, no fraction known: a block that travels along the bar
BUSY_PERIOD_S = 2.0
COLUMNS = ("Export", "Period (store time)", "Status", "Download")
EXPORT, PERIOD, STATUS, DOWNLOAD = range(4)

STATUS_COLOURS = {
    ExportState.IN_PROGRESS: "#1f4f99",
    ExportState.READY: "#1b6e2a",
    ExportState.EXPIRED: "#5b6470",
    ExportState.FAILED: "#b3261e",
}
Index = QModelIndex | QPersistentModelIndex


def status_text(entry: ExportEntry) -> str:
    if entry.kind is ExportKind.CUSTOM:
        return "Ready (custom export)"
    text = {
        ExportState.IN_PROGRESS: "Preparing on the server…",
        ExportState.READY: "Ready",
        ExportState.EXPIRED: "Expired on the server",
        ExportState.FAILED: "Failed",
    }[entry.status]
    if entry.status is ExportState.FAILED and entry.reason:
        text += f": {entry.reason}"
    if entry.status is ExportState.IN_PROGRESS:
        text += f" (asked {entry.created_at.astimezone(entry.zone):%H:%M})"
    if entry.check_error:
        text += " (status not updated: server unreachable)"
    return text


def download_text(entry: ExportEntry) -> str:
    pct = f"{entry.done_bytes * 100 // entry.total_bytes}% · " if entry.total_bytes else ""
    if entry.download is DownloadState.RUNNING:
        return pct + progress_text(entry)
    if entry.download is DownloadState.PAUSED:
        of = f" of {human_bytes(entry.total_bytes)}" if entry.total_bytes else ""
        return f"Paused at {pct}{human_bytes(entry.done_bytes)}{of}"
    if entry.download is DownloadState.DONE:
        return f"Saved · {human_bytes(entry.total_bytes or entry.done_bytes)}"
    if entry.download is DownloadState.FAILED:
        return f"Download failed: {entry.download_error}"
    return "Not downloaded" if entry.status is ExportState.READY else "—"


def progress_value(entry: ExportEntry) -> int | None:
    if entry.download not in (DownloadState.RUNNING, DownloadState.PAUSED):
        return None
    if not entry.total_bytes:
        return -1
    return min(1000, entry.done_bytes * 1000 // entry.total_bytes)


class ExportsModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._entries: list[ExportEntry] = []

    def set_entries(self, entries: list[ExportEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry_changed(self, entry_id: str) -> None:
        row = self.row_of(entry_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def row_of(self, entry_id: str) -> int | None:
        return next((i for i, e in enumerate(self._entries) if e.id == entry_id), None)

    def entry_at(self, row: int) -> ExportEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        entry = self.entry_at(index.row()) if index.isValid() else None
        if entry is None:
            return None
        column = index.column()
        if role == ID_ROLE:
            return entry.id
        if role == PROGRESS_ROLE:
            if column == STATUS:
                # The server says nothing of its progress: a busy bar, not a fraction.
                return BUSY if entry.status is ExportState.IN_PROGRESS and entry.kind is ExportKind.VIDEO else None
            return progress_value(entry) if column == DOWNLOAD else None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == EXPORT:
                return entry.title
            if column == PERIOD:
                if entry.kind is ExportKind.CUSTOM:
                    return f"added {entry.created_at.astimezone():%a %d %b %H:%M}"
                return entry.local_period()
            if column == STATUS:
                return status_text(entry)
            return download_text(entry)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == EXPORT:
                channels = "\n".join(f"• {c.name}" for c in entry.channels)
                return f"{entry.title}\n{channels}\nExport id: {entry.id}" if channels else entry.title
            if column == PERIOD and entry.start is not None:
                return f"{entry.local_period()} in {entry.time_zone}\nUTC: {entry.start:%Y-%m-%d %H:%M:%S}Z"
            if column == DOWNLOAD and entry.download is DownloadState.PAUSED:
                return f"{download_text(entry)}\n“Resume download” continues from here.\n{entry.dest}"
            if column == DOWNLOAD and entry.dest:
                return f"{download_text(entry)}\n{entry.dest}"
            return self.data(index)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return QBrush(QColor(STATUS_COLOURS[entry.status]))
        if role == Qt.ItemDataRole.ForegroundRole and column == DOWNLOAD and entry.download is DownloadState.FAILED:
            return QBrush(QColor("#b3261e"))
        return None


class ProgressDelegate(QStyledItemDelegate):
    """A progress bar (with the cell's text on it) while a download runs or is paused,
    and a busy bar (a block travelling along it; the view repaints it) while the
    server prepares an export."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        value = index.data(PROGRESS_ROLE)
        if value is None:
            super().paint(painter, option, index)
            return
        rect = QRect(option.rect)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, option.palette.highlight())
        widget: QWidget | None = option.widget  # None when painted outside a view
        style = widget.style() if widget is not None else QApplication.style()
        bar = QStyleOptionProgressBar()
        bar.rect = rect.adjusted(3, 4, -3, -4)
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        bar.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        if value == BUSY:
            bar.minimum, bar.maximum, bar.progress = 0, 1000, 0
            style.drawControl(QStyle.ControlElement.CE_ProgressBarGroove, bar, painter)
            inner = bar.rect.adjusted(2, 2, -2, -2)
            width = max(12, inner.width() // 5)
            phase = (time.monotonic() % BUSY_PERIOD_S) / BUSY_PERIOD_S
            travel = abs(2 * phase - 1)  # there and back
            block = QRect(inner.left() + round(travel * (inner.width() - width)), inner.top(), width, inner.height())
            colour = QColor(STATUS_COLOURS[ExportState.IN_PROGRESS])
            colour.setAlpha(150)
            painter.fillRect(block, colour)
            painter.setPen(QColor(STATUS_COLOURS[ExportState.IN_PROGRESS]))
            painter.drawText(bar.rect, int(Qt.AlignmentFlag.AlignCenter), bar.text)
            return
        bar.minimum, bar.maximum = (0, 1000) if value >= 0 else (0, 0)
        bar.progress = max(0, value)
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)
