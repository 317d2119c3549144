"""Custom exports: the files the subscription has prepared (v1/downloads/list), chosen
to join the exports list and download there. Lays out only; the controller lists and adds."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

FILE_ROLE = Qt.ItemDataRole.UserRole


class CustomExportsDialog(QDialog):
    chosen = Signal(object)  # list[str]: the server's paths

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom exports")
        self.note = QLabel("Loading the list…")
        self.note.setWordWrap(True)
        self.files = QListWidget()
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.files.setAccessibleName("Custom export files")
        self.files.itemSelectionChanged.connect(self._selection_changed)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Download", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.note)
        box.addWidget(self.files, 1)
        box.addWidget(self.buttons)
        self.resize(560, 420)

    def set_files(self, files: list[str]) -> None:
        self.files.clear()
        for path in files:
            folder, _, name = path.rpartition("/")
            item = QListWidgetItem(f"{name}   ({folder})" if folder else name)
            item.setData(FILE_ROLE, path)
            item.setToolTip(path)
            self.files.addItem(item)
        self.note.setText(
            "Choose the files to download into the exports folder." if files else "No custom exports on the server."
        )

    def failed(self, message: str) -> None:
        self.note.setText(message)
        self.note.setStyleSheet("color: #b3261e;")

    def selected_files(self) -> list[str]:
        return [item.data(FILE_ROLE) for item in self.files.selectedItems()]

    def _selection_changed(self) -> None:
        self.ok.setEnabled(bool(self.files.selectedItems()))

    def _submit(self) -> None:
        files = self.selected_files()
        if files:
            self.ok.setEnabled(False)
            self.chosen.emit(files)
