"""The Locations pane's view: the chain's tree, a filter, the details form and
the dialogs. It lays out, shows what it is given and says what the user asked
for (signals); LocationsController (controller.py) decides, talks to the
service and updates it. The view never calls the client.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from storeops.api.models import LocationCreate
from storeops.services.locations import LocationTree, NodeKind, creatable_types
from storeops.ui.locations.create_dialog import CreateLocationDialog
from storeops.ui.locations.details_form import Banner, DetailsForm
from storeops.ui.locations.filter_proxy import LocationFilterProxy
from storeops.ui.locations.move_dialog import MoveDialog
from storeops.ui.locations.tree_model import (
    NAME_COLUMN,
    STORE_ID_COLUMN,
    TYPE_COLUMN,
    LocationTreeModel,
)

if TYPE_CHECKING:
    from storeops.ui.locations.controller import LocationsController

_FILTER_DELAY_MS = 150
_EXPAND_MATCHES_MAX = 100
_EXPAND_ALL_MAX = 2000
# Below this the filter box squeezes to "Fi…" and the form's fields to nothing.
MINIMUM_SIZE = (760, 460)
_FILTER_MIN_WIDTH = 260


class LocationsPane(QWidget):
    refresh_requested = Signal()
    current_changed = Signal(object, object)  # previous uuid, new uuid (or None)
    save_requested = Signal(str, object)  # uuid, LocationUpdate from the form (validated)
    rename_requested = Signal(str, str)  # uuid, name as typed in the tree
    move_requested = Signal(str, str)  # uuid, new parent (picked, or a confirmed drop)
    create_requested = Signal(object)  # LocationCreate from the New dialog
    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("LocationsPane")
        self.controller: LocationsController | None = None  # set by build_pane()
        self.create_draft: LocationCreate | None = None  # a refused creation, offered again
        self.move_prompt: QMessageBox | None = None
        self.loaded = asyncio.Event()  # set once a tree is shown
        self._build()
        self._wire()

    # ------------------------------------------------------------ layout

    def _build(self) -> None:
        self.model = LocationTreeModel(self)
        self.proxy = LocationFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name or store ID  (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(_FILTER_MIN_WIDTH)
        self.filter_edit.setToolTip("Down goes to the first match, Enter opens it")
        self.archived_toggle = QCheckBox("Show archived")
        self.archived_toggle.setToolTip("Also list closed stores and retired areas")
        self.new_sub_button = QPushButton("New area…")
        self.new_sub_button.setToolTip(
            "Add an entrance, fitting room, display or other area to the selected store (Ctrl+N)"
        )
        self.new_region_button = QPushButton("New region…")
        self.new_region_button.setToolTip("Add a region under the selected region or the organization")
        self.rename_button = QPushButton("Rename")
        self.rename_button.setToolTip("Rename the selected location in the tree (F2)")
        self.move_button = QPushButton("Move to…")
        self.move_button.setToolTip("Pick a new place for the selected location (you can also drag it)")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the tree again from the server (F5)")

        toolbar = QHBoxLayout()
        toolbar.addWidget(self.filter_edit, 2)
        toolbar.addWidget(self.archived_toggle)
        toolbar.addStretch(1)
        for button in (
            self.new_sub_button,
            self.new_region_button,
            self.rename_button,
            self.move_button,
            self.refresh_button,
        ):
            toolbar.addWidget(button)

        self.banner = Banner(self)

        self.view = QTreeView()
        self.view.setModel(self.proxy)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.Stretch)
        for column, width in ((TYPE_COLUMN, 100), (STORE_ID_COLUMN, 80)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)

        self.summary = QLabel("Loading locations…")
        self.summary.setStyleSheet("color: #616161;")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(self.summary)

        self.form = DetailsForm()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.form)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter

        self.setMinimumSize(*MINIMUM_SIZE)
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(_FILTER_DELAY_MS)

        def action(text: str, keys: QKeySequence | QKeySequence.StandardKey | str, slot: Any) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        # F5 belongs to the main window, which calls refresh() on the current pane.
        action("Find", QKeySequence.StandardKey.Find, lambda: self.filter_edit.setFocus())
        action("New area", "Ctrl+N", lambda: self.open_create_dialog("sublocation"))
        action("Rename", "F2", self.start_rename)
        # In a text field Ctrl+Z undoes typing (the field takes the shortcut first).
        self.undo_action = action("Undo last change", QKeySequence.StandardKey.Undo, self.undo_requested.emit)

    def _wire(self) -> None:
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        self.filter_edit.returnPressed.connect(self.open_first_match)
        self.filter_edit.installEventFilter(self)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.archived_toggle.toggled.connect(self._on_archived_toggled)
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.new_sub_button.clicked.connect(lambda: self.open_create_dialog("sublocation"))
        self.new_region_button.clicked.connect(lambda: self.open_create_dialog("region"))
        self.rename_button.clicked.connect(self.start_rename)
        self.move_button.clicked.connect(lambda: self.open_move_dialog())
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.banner.action_triggered.connect(self.undo_requested)
        self.form.save_requested.connect(self.save_requested)
        self.model.move_requested.connect(self.confirm_drop_move)
        self.model.rename_requested.connect(self.rename_requested)
        self.update_actions()

    # ------------------------------------------------------------ what the shell asks of a pane

    def activate(self) -> None:
        """Shown: nothing runs in the background here, so nothing to start."""

    def deactivate(self) -> None:
        """Hidden: unsaved edits stay (they are asked about on quit)."""

    def shutdown(self) -> None:
        """Dropped: no more filtering, questions or reports to shared objects."""
        self._filter_timer.stop()
        if self.move_prompt is not None:
            self.move_prompt.close()
        if self.controller is not None:
            self.controller.shutdown()

    def refresh(self) -> None:
        """F5 from the shell."""
        self.refresh_requested.emit()

    def has_unsaved_changes(self) -> bool:
        return self.controller is not None and self.controller.has_unsaved_changes()

    def unsaved_description(self) -> str:
        return self.controller.unsaved_description() if self.controller is not None else ""

    async def save_unsaved(self) -> bool:
        return await self.controller.save_unsaved() if self.controller is not None else True

    # ------------------------------------------------------------ showing

    @property
    def tree(self) -> LocationTree:
        return self.model.tree

    def selected_uuid(self) -> str | None:
        return self.model.uuid(self.proxy.mapToSource(self.view.currentIndex()))

    def select(self, uuid: str | None) -> bool:
        """Make `uuid` current, expanding its ancestors; False when absent or archived and hidden."""
        source = self.model.index_of(uuid)
        index = self.proxy.mapFromSource(source)
        if not index.isValid() and source.isValid() and uuid and not self.tree.is_archived_here(uuid):
            # Hidden by the filter text: the form is about to show it, so show it too.
            self.proxy.reveal(uuid)
            index = self.proxy.mapFromSource(source)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.view.expand(parent)
            parent = parent.parent()
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.view.scrollTo(index)
        return True

    def show_message(self, text: str, *, error: bool = True, action: str | None = None) -> None:
        """Above the tree; an action ("Undo") rides along after a save."""
        self.banner.show_message(text, error=error, action=action)

    def set_loading(self, loading: bool) -> None:
        self.refresh_button.setEnabled(not loading)

    def show_load_failed(self) -> None:
        self.summary.setText("The locations could not be loaded. Press Refresh (F5) to try again.")

    def show_tree(self, tree: LocationTree, *, fallback: str | None = None) -> None:
        """Show a (re)loaded tree, keeping selection and expansion where possible;
        the first time, the organization and its regions open and `fallback` selected."""
        first = not self.loaded.is_set()
        expanded = self._expanded_uuids()
        selected = self.selected_uuid()
        # Pending markers of nodes still in the tree survive the reset; a pending
        # creation's placeholder does not, and comes back as the real node.
        self.view.setUpdatesEnabled(False)
        try:
            self.model.set_tree(tree)
            if first or not expanded:
                self._expand_top()
            else:
                for uuid in expanded:
                    index = self.proxy.mapFromSource(self.model.index_of(uuid))
                    if index.isValid():
                        self.view.expand(index)
            if not selected and first:
                selected = fallback
            if not (selected and self.select(selected)):
                self.form.clear()
        finally:
            self.view.setUpdatesEnabled(True)
        if self.banner.isVisible() and self.banner.text().startswith("Could not load"):
            self.banner.hide()
        self.update_summary()
        self.update_actions()
        self.loaded.set()

    def update_actions(self) -> None:
        uuid = self.selected_uuid()
        node = self.tree.get(uuid)
        kind = self.tree.kind(node) if node else None
        pending = bool(uuid and self.model.is_pending(uuid))
        archived = bool(uuid and self.tree.is_archived_here(uuid))
        store = self.tree.store_of(uuid) if uuid else None
        self.new_sub_button.setEnabled(bool(store and creatable_types(self.tree, store.uuid)))
        self.new_region_button.setEnabled(
            kind in (NodeKind.REGION, NodeKind.ORGANIZATION) and bool(creatable_types(self.tree, uuid))
        )
        movable = kind in (NodeKind.REGION, NodeKind.STORE, NodeKind.SUBLOCATION) and not pending and not archived
        self.rename_button.setEnabled(movable)
        self.move_button.setEnabled(movable)

    def update_summary(self) -> None:
        stores = archived = 0
        for n in self.tree.nodes.values():
            if n.archive_date is not None:
                archived += 1
            elif n.location_type == "store":
                stores += 1
        text = f"{len(self.tree):,} locations · {stores:,} open stores"
        if archived:
            text += f" · {archived:,} archived" + ("" if self.proxy.show_archived else " (hidden)")
        self.summary.setText(text)

    def _expand_top(self) -> None:
        """The organization and its regions open: the stores are one click away."""
        root = self.proxy.index(0, 0)
        row = 0
        while root.isValid():
            self.view.expand(root)
            for r in range(self.proxy.rowCount(root)):
                child = self.proxy.index(r, 0, root)
                node = self.model.node(self.proxy.mapToSource(child))
                if node is not None and self.model.tree.kind(node) is NodeKind.REGION:
                    self.view.expand(child)
            row += 1
            root = self.proxy.index(row, 0)

    def _expanded_uuids(self) -> set[str]:
        """Walk only what is open: cost follows what the user sees, not the tree size."""
        out: set[str] = set()
        stack = [QModelIndex()]
        while stack:
            parent = stack.pop()
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                if self.view.isExpanded(index):
                    uuid = self.model.uuid(self.proxy.mapToSource(index))
                    if uuid:
                        out.add(uuid)
                    stack.append(index)
        return out

    # ------------------------------------------------------------ filter

    def apply_filter(self) -> None:
        self._filter_timer.stop()
        text = self.filter_edit.text()
        self.proxy.set_text(text)
        if self.proxy.needle:
            self._expand_matches()
        selected = self.selected_uuid()
        if selected:
            self.view.scrollTo(self.view.currentIndex())

    def _expand_matches(self) -> None:
        """Open the branches down to the matches so they are seen at once."""
        count = self.proxy.visible_count() or 0
        self.view.setUpdatesEnabled(False)
        try:
            if count <= _EXPAND_ALL_MAX:
                self.view.expandAll()  # one layout pass; fine for what the filter leaves
                return
            opened: set[str] = set()
            for uuid in self.proxy.matched()[:_EXPAND_MATCHES_MAX]:
                for ancestor in self.tree.ancestors(uuid):
                    if ancestor in opened:
                        break
                    opened.add(ancestor)
            for uuid in opened:
                index = self.proxy.mapFromSource(self.model.index_of(uuid))
                if index.isValid():
                    self.view.expand(index)
        finally:
            self.view.setUpdatesEnabled(True)

    def first_match(self) -> str | None:
        """The first node the filter's text matches, top to bottom as shown."""
        if self._filter_timer.isActive():
            self.apply_filter()
        stack = [QModelIndex()]
        while stack:
            parent = stack.pop()
            # Depth-first in view order: children pushed last-first.
            for row in reversed(range(self.proxy.rowCount(parent))):
                stack.append(self.proxy.index(row, 0, parent))
            if parent.isValid():
                uuid = self.model.uuid(self.proxy.mapToSource(parent))
                if uuid and self.proxy.matches(uuid):
                    return uuid
        return None

    def open_first_match(self) -> bool:
        """Enter in the filter: show the first match in the tree and the form."""
        uuid = self.first_match()
        if uuid is None or not self.select(uuid):
            return False
        self.view.setFocus()
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down from the filter lands on the results, not six Tabs away.
        if (
            watched is self.filter_edit
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            current = self.selected_uuid()
            if not (current and self.proxy.matches(current)):
                uuid = self.first_match()
                if uuid:
                    self.select(uuid)
            self.view.setFocus()
            return True
        return super().eventFilter(watched, event)

    def _on_archived_toggled(self, show: bool) -> None:
        self.proxy.set_show_archived(show)
        self.update_summary()

    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        old = self.model.uuid(self.proxy.mapToSource(previous)) if previous.isValid() else None
        self.current_changed.emit(old, self.model.uuid(self.proxy.mapToSource(current)))
        self.update_actions()

    # ------------------------------------------------------------ asking

    def confirm_drop_move(self, uuid: str, new_parent: str) -> QMessageBox | None:
        """A drop is easy to make by accident: ask before moving."""
        node, target = self.tree.get(uuid), self.tree.get(new_parent)
        if node is None or target is None:
            return None
        if self.move_prompt is not None:
            self.move_prompt.close()
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Move location",
            f"Move “{node.name}” under “{target.name}”?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        current = self.tree.get(node.parent_uuid)
        box.setInformativeText(
            (f"It is now under “{current.name}”. " if current else "") + "You can undo the move afterwards (Ctrl+Z)."
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Move")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(_result: int) -> None:
            self.move_prompt = None
            move = box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes
            box.deleteLater()
            self.view.setFocus()  # Ctrl+Z (undo the move) works at once
            if move:
                self.move_requested.emit(uuid, new_parent)

        box.finished.connect(answered)
        self.move_prompt = box
        box.open()
        return box

    def open_create_dialog(self, what: str) -> CreateLocationDialog | None:
        """Open the New dialog for the selection: an area of its store, or a region."""
        uuid = self.selected_uuid()
        if what == "sublocation":
            store = self.tree.store_of(uuid) if uuid else None
            parent = store.uuid if store else None
        else:
            parent = uuid
        if parent is None or not creatable_types(self.tree, parent):
            self.show_message("Select a store (for a new area) or a region (for a new region) first.")
            return None
        dialog = CreateLocationDialog(self.tree, parent, draft=self.create_draft, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            draft = dialog.draft()  # read now: the dialog is deleted once closed
            if draft is not None:
                self.create_requested.emit(draft)

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def open_move_dialog(self, uuid: str | None = None) -> MoveDialog | None:
        uuid = uuid or self.selected_uuid()
        if uuid is None or uuid not in self.tree:
            return None
        dialog = MoveDialog(self.tree, uuid, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            target = dialog.selected_target()
            if target is not None:
                self.move_requested.emit(uuid, target)

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def start_rename(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.view.edit(index.siblingAtColumn(NAME_COLUMN))


def build_pane(ctx: Any) -> LocationsPane:
    """The view and its controller over the context's client (no loading yet)."""
    from storeops.ui.locations.controller import LocationsController

    pane = LocationsPane()
    pane.controller = LocationsController(
        pane, ctx.services.locations, stores=getattr(ctx, "stores", None), status=getattr(ctx, "status", None)
    )
    return pane


def create_pane(ctx: Any) -> QWidget:
    """The Locations pane; starts reading the tree as soon as the event loop runs."""
    pane = build_pane(ctx)
    # With the pane as context: a pane dropped before the loop runs is not called.
    QTimer.singleShot(0, pane, pane.refresh)
    return pane


async def prepare_screenshot(widget: QWidget) -> None:
    """Wait for the tree, then show a store with its areas and its details filled in."""
    assert isinstance(widget, LocationsPane) and widget.controller is not None
    await asyncio.wait_for(widget.loaded.wait(), timeout=20)
    tree = widget.tree
    store = widget.controller.stores.current() if widget.controller.stores is not None else None
    if store is None or store.uuid not in tree:
        stores = [n for n in tree.nodes.values() if n.is_store and not n.archived]
        # A store with areas, preferably one whose region sits in another region.
        stores.sort(key=lambda s: (-len(tree.children_of(s.uuid)), -len(list(tree.ancestors(s.uuid))), s.name))
        store = stores[0] if stores else None
    if store is not None:
        widget.select(store.uuid)
        widget.view.expand(widget.proxy.mapFromSource(widget.model.index_of(store.uuid)))
    await asyncio.sleep(0.05)
