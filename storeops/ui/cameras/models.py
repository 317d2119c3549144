"""Table models of the Cameras pane: one generic model over a list of inventory rows
(storeops.services.cameras), described by columns, and the proxy that filters them
by store and text and sorts them by each column's own key (dates as dates, counts
as numbers), not by the words shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from storeops.services.cameras import AlertRow, ApplianceRow, CameraRow, ChannelRow

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row object
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # the column's sort key
STORE_ROLE = Qt.ItemDataRole.UserRole + 3  # the row's store uuid
TEXT_ROLE = Qt.ItemDataRole.UserRole + 4  # every column's words, for the text filter

OFFLINE_BG = QColor("#fde2e1")
OFFLINE_INK = QColor("#9b1c1c")
WARN_BG = QColor("#fff4d6")
MUTED_INK = QColor("#6b7280")


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str
    text: Callable[[R], str]
    sort: Callable[[R], Any] | None = None  # default: the text, case-folded
    tip: Callable[[R], str] | None = None
    align_right: bool = False


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "—"


def _stamp(value: datetime | None) -> float:
    return value.timestamp() if value is not None else float("-inf")


CAMERA_COLUMNS: tuple[Column[CameraRow], ...] = (
    Column("Name", lambda c: c.name, tip=lambda c: f"Device {c.device_id}"),
    Column("Store", lambda c: c.store_name),
    Column("Type", lambda c: c.type_words),
    Column("Vendor", lambda c: c.vendor),
    Column("Model", lambda c: c.model),
    Column(
        "Last heard",
        lambda c: c.heard_words,
        # Offline first when sorted ascending: the longest silence is the largest key.
        sort=lambda c: -(c.silent_for.total_seconds()) if c.silent_for is not None else float("-inf"),
        tip=lambda c: f"Last heard {_when(c.last_heard)} UTC" if c.last_heard else "Never heard from",
    ),
    Column("Channels", lambda c: str(len(c.channel_uuids)), sort=lambda c: len(c.channel_uuids), align_right=True),
    Column("Analytics", lambda c: c.analytics_words, sort=lambda c: (c.traffic_lines, c.dwell_zones)),
)

CHANNEL_COLUMNS: tuple[Column[ChannelRow], ...] = (
    Column("Channel", lambda c: c.name, tip=lambda c: "Double-click to watch it live"),
    Column("Store", lambda c: c.store_name),
    Column("Camera", lambda c: c.camera_name),
    Column("Resolution", lambda c: c.resolution or "—", sort=lambda c: _pixels(c.resolution)),
    Column("Frame rate", lambda c: c.frame_rate_words, sort=lambda c: c.frame_rate or 0.0, align_right=True),
    Column("Recording", lambda c: c.recording_words, sort=lambda c: c.recording),
    Column("Motion recording", lambda c: c.motion_words),
    Column("Retention", lambda c: c.retention_words, sort=lambda c: c.retention_days),
    Column("Snapshots", lambda c: c.snapshot_words, sort=lambda c: (c.snapshot_enabled, -c.snapshot_interval_secs)),
)

APPLIANCE_COLUMNS: tuple[Column[ApplianceRow], ...] = (
    Column("Store", lambda a: a.store_name, tip=lambda a: f"Appliance {a.appliance_id}"),
    Column("MAC address", lambda a: a.mac_address),
    Column("Network", lambda a: a.network_words),
    Column("Private IP", lambda a: a.private_ip or "—"),
    Column("Public IP", lambda a: a.public_ip or "—"),
    Column("Cameras", lambda a: str(a.camera_count), sort=lambda a: a.camera_count, align_right=True),
)

ALERT_COLUMNS: tuple[Column[AlertRow], ...] = (
    Column("State", lambda a: a.state_words, sort=lambda a: (a.rank, -_stamp(a.created))),
    Column("Severity", lambda a: a.severity_words, sort=lambda a: (a.rank, -_stamp(a.created))),
    Column("Store", lambda a: a.store_name),
    Column("Device", lambda a: a.subject_name),
    Column("Problem", lambda a: a.description, tip=lambda a: f"Type: {a.kind}"),
    Column("Raised", lambda a: _when(a.created), sort=lambda a: _stamp(a.created)),
    Column("Resolved", lambda a: _when(a.resolved_time) if a.resolved else "—", sort=lambda a: _stamp(a.resolved_time)),
)


def _pixels(resolution: str) -> int:
    width, _, height = resolution.partition("x")
    try:
        return int(width) * int(height)
    except ValueError:
        return 0


class RowTableModel(QAbstractTableModel, Generic[R]):
    """Rows of one kind under `columns`; `highlight(row)` -> (background, ink) or None."""

    def __init__(
        self,
        columns: Sequence[Column[R]],
        store_of: Callable[[R], str],
        highlight: Callable[[R], tuple[QColor, QColor] | None] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._store_of = store_of
        self._highlight = highlight
        self._rows: list[R] = []
        self._texts: list[str] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._texts = [" ".join(c.text(r) for c in self.columns).casefold() for r in self._rows]
        self.endResetModel()

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_at(self, row: int) -> R:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(self.columns):
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == SORT_ROLE:
            return column.sort(row) if column.sort is not None else column.text(row).casefold()
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tip(row) if column.tip is not None else None
        if role == ROW_ROLE:
            return row
        if role == STORE_ROLE:
            return self._store_of(row)
        if role == TEXT_ROLE:
            return self._texts[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole) and self._highlight is not None:
            colours = self._highlight(row)
            if colours is not None:
                return QBrush(colours[0] if role == Qt.ItemDataRole.BackgroundRole else colours[1])
        return None


class InventoryFilter(QSortFilterProxyModel):
    """Rows of the chosen stores (None: all) containing every word typed; sorted by
    the columns' own keys."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._stores: frozenset[str] | None = None
        self._words: tuple[str, ...] = ()
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_stores(self, stores: frozenset[str] | None) -> None:
        if stores != self._stores:
            self._change_filter(lambda: setattr(self, "_stores", stores))

    def set_text(self, text: str) -> None:
        words = tuple(text.casefold().split())
        if words != self._words:
            self._change_filter(lambda: setattr(self, "_words", words))

    def _change_filter(self, change: Callable[[], None]) -> None:
        # Qt 6.10 brought begin/endFilterChange and deprecated invalidateRowsFilter;
        # we support 6.8 too.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        if self._stores is not None and model.data(index, STORE_ROLE) not in self._stores:
            return False
        if self._words:
            text = model.data(index, TEXT_ROLE) or ""
            return all(word in text for word in self._words)
        return True

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        try:
            return bool(a < b)
        except TypeError:  # mixed kinds: compare as words
            return str(a) < str(b)


def camera_highlight(camera: CameraRow) -> tuple[QColor, QColor] | None:
    return (OFFLINE_BG, OFFLINE_INK) if not camera.online else None


def channel_highlight(channel: ChannelRow) -> tuple[QColor, QColor] | None:
    if channel.camera_online is False:
        return (OFFLINE_BG, OFFLINE_INK)
    if not channel.recording:
        return (WARN_BG, QColor("#7a4b00"))
    return None


def alert_highlight(alert: AlertRow) -> tuple[QColor, QColor] | None:
    if not alert.open:
        return (QColor(0, 0, 0, 0), MUTED_INK)
    if alert.rank == 0:
        return (OFFLINE_BG, OFFLINE_INK)
    if alert.rank == 1:
        return (WARN_BG, QColor("#7a4b00"))
    return None
