"""The channel list beside the grid: channels grouped by store, filtered by text,
dragged onto a tile (or double-clicked into the selected tile). Lays out only."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from storeops.services.video import ChannelEntry
from storeops.ui.video.tile import CHANNEL_MIME

UUID_ROLE = Qt.ItemDataRole.UserRole
ACCENT = QBrush(QColor("#1f5fbf"))


class ChannelList(QTreeWidget):
    channel_chosen = Signal(str)  # double-click or Enter on a channel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VideoChannels")
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setToolTip("Drag a channel onto a tile, or double-click it to play it in the selected tile")
        self.itemActivated.connect(self._activated)
        self._filter = ""

    def set_channels(self, groups: Sequence[tuple[str, Sequence[ChannelEntry]]]) -> None:
        """(store name, its channels) in the order to show."""
        self.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        for store, channels in groups:
            head = QTreeWidgetItem(self, [f"{store} ({len(channels)})"])
            head.setFont(0, bold)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for entry in channels:
                item = QTreeWidgetItem(head, [entry.label])
                item.setData(0, UUID_ROLE, entry.channel_uuid)
                item.setToolTip(0, f"{entry.label} — {store}" + (f" ({entry.resolution})" if entry.resolution else ""))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
        self.expandAll()
        self.apply_filter(self._filter)

    def apply_filter(self, text: str) -> None:
        """Channels whose name or store contains `text` (case-insensitive)."""
        self._filter = text.strip().casefold()
        for head in self._heads():
            store_hit = self._filter in head.text(0).casefold()
            shown = 0
            for j in range(head.childCount()):
                child = head.child(j)
                if child is None:
                    continue
                hide = not (store_hit or self._filter in child.text(0).casefold())
                child.setHidden(hide)
                shown += not hide
            head.setHidden(shown == 0)

    def _heads(self) -> list[QTreeWidgetItem]:
        return [h for i in range(self.topLevelItemCount()) if (h := self.topLevelItem(i)) is not None]

    def channel_items(self) -> list[QTreeWidgetItem]:
        return [c for h in self._heads() for j in range(h.childCount()) if (c := h.child(j)) is not None]

    def item_for(self, channel_uuid: str) -> QTreeWidgetItem | None:
        return next((it for it in self.channel_items() if it.data(0, UUID_ROLE) == channel_uuid), None)

    def mark_shown(self, uuids: set[str]) -> None:
        """Channels on a tile in view now: in the accent colour, bold."""
        for item in self.channel_items():
            shown = item.data(0, UUID_ROLE) in uuids
            font = QFont(self.font())
            font.setBold(shown)
            item.setFont(0, font)
            item.setForeground(0, ACCENT if shown else self.palette().text())

    def mimeTypes(self) -> list[str]:
        return [CHANNEL_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        mime = QMimeData()
        uuids = [it.data(0, UUID_ROLE) for it in items if it.data(0, UUID_ROLE)]
        if uuids:
            mime.setData(CHANNEL_MIME, str(uuids[0]).encode())
        return mime

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        uuid = item.data(0, UUID_ROLE)
        if uuid:
            self.channel_chosen.emit(str(uuid))
