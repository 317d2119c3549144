"""The navigation rail: one entry per pane, with its icon and shortcut."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from storeops.ui import icons

SIDEBAR_INK = "#c9d4e0"


@dataclass(frozen=True)
class PaneSpec:
    key: str  # also the screenshot file name and the settings value
    title: str
    icon: str
    module: str | None  # the module with create_pane(ctx); None: a placeholder for now


PANES: tuple[PaneSpec, ...] = (
    PaneSpec("locations", "Locations", "locations", "storeops.ui.locations.pane"),
    PaneSpec("occupancy", "Occupancy", "occupancy", "storeops.ui.occupancy.pane"),
    PaneSpec("traffic", "Traffic", "traffic", "storeops.ui.traffic.pane"),
    PaneSpec("cameras", "Cameras", "cameras", "storeops.ui.cameras.pane"),
    PaneSpec("video", "Live video", "video", "storeops.ui.video.pane"),
    PaneSpec("exports", "Exports", "exports", "storeops.ui.exports.pane"),
)


def spec(key: str) -> PaneSpec:
    return next((p for p in PANES if p.key == key), PANES[0])


class Sidebar(QListWidget):
    pane_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setIconSize(QSize(22, 22))
        self.setFixedWidth(200)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for number, pane in enumerate(PANES, start=1):
            item = QListWidgetItem(icons.icon(pane.icon, SIDEBAR_INK, icons.SELECTED), pane.title)
            item.setData(Qt.ItemDataRole.UserRole, pane.key)
            item.setToolTip(f"{pane.title} (Ctrl+{number})")
            self.addItem(item)
        self.currentRowChanged.connect(self._row_changed)

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(PANES):
            self.pane_chosen.emit(PANES[row].key)

    def select(self, key: str) -> None:
        for row, pane in enumerate(PANES):
            if pane.key == key and row != self.currentRow():
                self.setCurrentRow(row)

    def current_key(self) -> str:
        row = self.currentRow()
        return PANES[row].key if 0 <= row < len(PANES) else PANES[0].key
