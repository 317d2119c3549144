"""The store picker in the top bar; it drives the shared StoreSelection."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget

from storeops.api.models import Location
from storeops.ui import icons
from storeops.ui.context import StoreSelection


def store_label(store: Location) -> str:
    return f"{store.name}  ·  #{store.store_id}" if store.store_id else store.name


class StoreSelector(QComboBox):
    def __init__(self, selection: StoreSelection, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("StoreSelector")
        self.setToolTip("The store every pane shows")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMaxVisibleItems(20)
        self.selection = selection
        self._filling = False
        self.setEnabled(False)
        self.addItem("Loading stores…")
        selection.stores_changed.connect(self._fill)
        selection.changed.connect(self._show_current)
        self.currentIndexChanged.connect(self._picked)

    def _fill(self, stores: list[Location]) -> None:
        self._filling = True
        try:
            self.clear()
            store_icon = icons.icon("store", icons.MUTED, None)
            for store in stores:
                self.addItem(store_icon, store_label(store), store.uuid)
                self.setItemData(self.count() - 1, store.time_zone or "", Qt.ItemDataRole.ToolTipRole)
            if not stores:
                self.addItem("No stores in this subscription")
            self.setEnabled(bool(stores))
        finally:
            self._filling = False
        self._show_current(self.selection.current())

    def _show_current(self, store: Location | None) -> None:
        if store is None:
            return
        index = self.findData(store.uuid)
        if index >= 0 and index != self.currentIndex():
            self._filling = True
            try:
                self.setCurrentIndex(index)
            finally:
                self._filling = False

    def _picked(self, index: int) -> None:
        if self._filling or index < 0:
            return
        uuid = self.itemData(index)
        if uuid:
            self.selection.set_current(uuid)

    def reset(self, text: str = "Loading stores…") -> None:
        self._filling = True
        try:
            self.clear()
            self.addItem(text)
            self.setEnabled(False)
        finally:
            self._filling = False
