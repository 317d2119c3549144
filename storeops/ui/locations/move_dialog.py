""" "Move to…" picker: lists only the places the reference lets this node go
(a sublocation under a store, a store or a region under a region or the
organization; never under itself or below itself; nothing archived)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from storeops.services.locations import (
    LocationTree,
    NodeKind,
    type_label,
    valid_move_targets,
)
from storeops.ui.locations.icons import location_icon


class MoveDialog(QDialog):
    def __init__(self, tree: LocationTree, uuid: str, parent: QWidget | None = None):
        super().__init__(parent)
        node = tree.nodes[uuid]
        self.setWindowTitle(f"Move “{node.name}”")
        self.setMinimumSize(460, 420)
        layout = QVBoxLayout(self)
        current = tree.get(node.parent_uuid)
        intro = QLabel(
            f"Move the {type_label(node.location_type).lower()} “{node.name}”"
            + (f" (now under “{current.name}”)" if current else "")
            + " to:"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter destinations")
        self.filter_edit.setClearButtonEnabled(True)
        layout.addWidget(self.filter_edit)
        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        layout.addWidget(self.list, 1)

        targets = valid_move_targets(tree, uuid)
        rows = sorted(((tree.path(t), t) for t in targets), key=lambda p: p[0].casefold())
        for path, target in rows:
            kind = tree.kind(tree.nodes[target])
            icon = "organization" if kind is NodeKind.ORGANIZATION else (tree.nodes[target].location_type or "other")
            item = QListWidgetItem(location_icon(icon), path)
            item.setData(Qt.ItemDataRole.UserRole, target)
            self.list.addItem(item)
        self.empty_label = QLabel("There is nowhere this location can be moved to.")
        self.empty_label.setVisible(not rows)
        layout.addWidget(self.empty_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Move here")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.list.currentItemChanged.connect(lambda cur, _prev: self.ok_button.setEnabled(cur is not None))
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.filter_edit.textChanged.connect(self._filter)
        self.filter_edit.returnPressed.connect(self._on_filter_return)
        self.filter_edit.installEventFilter(self)

    def shown_items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count()) if not self.list.item(i).isHidden()]

    def _on_filter_return(self) -> None:
        """Enter takes the one place left (or the one already picked)."""
        shown = self.shown_items()
        current: QListWidgetItem | None = self.list.currentItem()  # None when nothing is picked
        if len(shown) == 1:
            self.list.setCurrentItem(shown[0])
            self.accept()
        elif current is not None and not current.isHidden():
            self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down from the filter goes to the list, as in any search box.
        if (
            watched is self.filter_edit
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            shown = self.shown_items()
            if shown:
                current: QListWidgetItem | None = self.list.currentItem()
                if current is None or current.isHidden():
                    self.list.setCurrentItem(shown[0])
                self.list.setFocus()
                return True
        return super().eventFilter(watched, event)

    def targets(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def select_target(self, uuid: str) -> bool:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == uuid:
                self.list.setCurrentRow(i)
                return True
        return False

    def selected_target(self) -> str | None:
        item: QListWidgetItem | None = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().casefold())
        # An empty list with no word looked broken (seen typing the node's own name).
        if self.list.count():
            self.empty_label.setText(f"No destination matches “{text.strip()}”." if needle else "")
            self.empty_label.setVisible(bool(needle) and not self.shown_items())
