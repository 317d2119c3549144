"""The Locations pane: the chain's tree, a filter, the details form, and the
create / rename / move / edit flows.

Every change goes the same way: checked here (message beside the field,
nothing sent), shown at once as pending ("Saving…", italic), sent, then
either replaced by the server's answer or rolled back with a message in the
banner and the status bar. A refused form edit stays in the form for another
try; a refused creation is remembered so the dialog opens with it again.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
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
from qasync import asyncSlot

from storeops.api.errors import (
    ApiError,
    AuthError,
    ConnectionFailed,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ServerError,
)
from storeops.api.models import Location, LocationCreate, LocationUpdate
from storeops.services.locations import (
    LocationsService,
    LocationTree,
    NodeKind,
    RuleViolation,
    apply_update,
    check_create,
    check_update,
    creatable_types,
    is_empty,
    move_problem,
)
from storeops.ui.locations import validation
from storeops.ui.locations.create_dialog import CreateLocationDialog
from storeops.ui.locations.details_form import Banner, DetailsForm, format_area, format_count
from storeops.ui.locations.filter_proxy import LocationFilterProxy
from storeops.ui.locations.move_dialog import MoveDialog
from storeops.ui.locations.tree_model import (
    NAME_COLUMN,
    STORE_ID_COLUMN,
    TYPE_COLUMN,
    LocationTreeModel,
)

SAVING = "Saving…"
MOVING = "Moving…"
CREATING = "Creating…"
_FILTER_DELAY_MS = 150
_EXPAND_MATCHES_MAX = 100
_EXPAND_ALL_MAX = 2000
# Below this the filter box squeezes to "Fi…" and the form's fields to nothing.
MINIMUM_SIZE = (760, 460)
_FILTER_MIN_WIDTH = 260
_UNDOABLE = ("name", "parent_uuid", "location_type", "area", "occupancy_limit",
             "aggregate_to_parent", "aggregate_to_store")


def describe_error(error: ApiError) -> str:
    """A sentence a store manager can act on."""
    if isinstance(error, InvalidRequest):
        return f"the server refused it: {error.detail or error.message}"
    if isinstance(error, NotFound):
        return "it no longer exists on the server (someone may have moved or removed it); refresh to see the current tree"
    if isinstance(error, RequestTimeout):
        return "the server did not answer in time; it may or may not have been saved — refresh to check"
    if isinstance(error, ConnectionFailed):
        return f"the server could not be reached ({error.message}); check the connection and try again"
    if isinstance(error, AuthError):
        return "the access key or secret key was refused; check the account settings"
    if isinstance(error, PermissionDenied):
        return "this account is not allowed to change locations"
    if isinstance(error, RateLimited):
        return "the server is busy (too many requests at once); try again in a moment"
    if isinstance(error, ServerError):
        return f"the server had a problem ({error}); try again in a moment"
    return str(error)


class LocationsPane(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("LocationsPane")
        self._ctx = ctx
        self.service = LocationsService(ctx.client)
        self._placeholders = itertools.count(1)
        self._drafts: dict[str, dict[str, Any]] = {}  # unsaved form edits, per node
        self._create_draft: LocationCreate | None = None
        # The last saved edit: (uuid, inverse change, applied change, what it did).
        self._undo: tuple[str, LocationUpdate, LocationUpdate, str] | None = None
        self.move_prompt: QMessageBox | None = None
        self._loading = False
        self.loaded = asyncio.Event()
        self.last_error = ""
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
        self.new_sub_button.setToolTip("Add an entrance, fitting room, display or other area to the selected store (Ctrl+N)")
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
        for button in (self.new_sub_button, self.new_region_button, self.rename_button, self.move_button,
                       self.refresh_button):
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

        def action(text: str, keys: QKeySequence | str, slot: Any) -> QAction:
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
        self.undo_action = action("Undo last change", QKeySequence.StandardKey.Undo, self._on_undo)

    def _wire(self) -> None:
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        self.filter_edit.returnPressed.connect(self.open_first_match)
        self.filter_edit.installEventFilter(self)
        self.banner.action_triggered.connect(self._on_undo)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.archived_toggle.toggled.connect(self._on_archived_toggled)
        self.refresh_button.clicked.connect(self._on_refresh)
        self.new_sub_button.clicked.connect(lambda: self.open_create_dialog("sublocation"))
        self.new_region_button.clicked.connect(lambda: self.open_create_dialog("region"))
        self.rename_button.clicked.connect(self.start_rename)
        self.move_button.clicked.connect(lambda: self.open_move_dialog())
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.form.save_requested.connect(self._on_save_requested)
        self.model.move_requested.connect(self.confirm_drop_move)
        self.model.rename_requested.connect(self._on_rename_requested)
        stores = getattr(self._ctx, "stores", None)
        if stores is not None and hasattr(stores, "changed"):
            stores.changed.connect(self._on_shared_store_changed)
        self._update_actions()

    # ------------------------------------------------------------ helpers

    @property
    def tree(self) -> LocationTree:
        return self.model.tree

    def selected_uuid(self) -> str | None:
        return self.model.uuid(self.proxy.mapToSource(self.view.currentIndex()))

    def select(self, uuid: str | None) -> bool:
        """Make `uuid` current, expanding its ancestors; False when hidden or absent."""
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

    def _report(self, message: str) -> None:
        """A failure the user must see: the banner above the tree and the status bar."""
        self.last_error = message
        self.banner.show_message(message)
        status = getattr(self._ctx, "status", None)
        if status is not None:
            status.error(message)

    def _info(self, message: str) -> None:
        status = getattr(self._ctx, "status", None)
        if status is not None:
            status.info(message)

    def _update_actions(self) -> None:
        uuid = self.selected_uuid()
        node = self.tree.get(uuid)
        kind = self.tree.kind(node) if node else None
        pending = bool(uuid and self.model.is_pending(uuid))
        store = self.tree.store_of(uuid) if uuid else None
        self.new_sub_button.setEnabled(bool(store and creatable_types(self.tree, store.uuid)))
        self.new_region_button.setEnabled(
            kind in (NodeKind.REGION, NodeKind.ORGANIZATION) and bool(creatable_types(self.tree, uuid))
        )
        movable = kind in (NodeKind.REGION, NodeKind.STORE, NodeKind.SUBLOCATION) and not pending
        self.rename_button.setEnabled(movable)
        self.move_button.setEnabled(movable)

    def _update_summary(self) -> None:
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

    # ------------------------------------------------------------ loading

    @asyncSlot()
    async def _on_refresh(self) -> None:
        await self.reload()

    async def reload(self) -> bool:
        """Read the tree again, keeping selection and expansion where possible."""
        if self._loading:
            return False
        self._loading = True
        self.refresh_button.setEnabled(False)
        expanded = self._expanded_uuids()
        selected = self.selected_uuid()
        first = not self.loaded.is_set()
        self._keep_form_draft()
        try:
            async with self._ctx.status.busy("Loading locations"):
                tree = await self.service.load_tree()
        except ApiError as error:
            self._report(f"Could not load the locations: {describe_error(error)}.")
            if first:
                self.summary.setText("The locations could not be loaded. Press Refresh (F5) to try again.")
            return False
        finally:
            self._loading = False
            self.refresh_button.setEnabled(True)
        self._show_tree(tree, expanded, selected, first)
        self.loaded.set()
        return True

    def _show_tree(self, tree: LocationTree, expanded: set[str], selected: str | None, first: bool) -> None:
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
                shared = self._shared_store()
                selected = shared.uuid if shared else None
            if not (selected and self.select(selected)):
                self.form.clear()
        finally:
            self.view.setUpdatesEnabled(True)
        if self.banner.isVisible() and self.banner.text().startswith("Could not load"):
            self.banner.hide()
        self._update_summary()
        self._update_actions()

    def _expand_top(self) -> None:
        """The organization and its regions open: the stores are one click away."""
        root = self.proxy.index(0, 0)
        row = 0
        while root.isValid():
            self.view.expand(root)
            for r in range(self.proxy.rowCount(root)):
                child = self.proxy.index(r, 0, root)
                if self.model.tree.kind(self.model.node(self.proxy.mapToSource(child))) is NodeKind.REGION:
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
        if (watched is self.filter_edit and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down):
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
        self._update_summary()

    # ------------------------------------------------------------ selection and form

    def _shared_store(self) -> Location | None:
        stores = getattr(self._ctx, "stores", None)
        return stores.current() if stores is not None else None

    def _on_shared_store_changed(self, store: Location | None) -> None:
        """The store picked in the main window's selector is shown here too."""
        if store is None or store.uuid not in self.tree:
            return
        selected = self.selected_uuid()
        owner = self.tree.store_of(selected) if selected else None
        if owner is None or owner.uuid != store.uuid:
            self.select(store.uuid)

    def _share_store(self, uuid: str | None) -> None:
        """A store picked here becomes the store every pane shows."""
        stores = getattr(self._ctx, "stores", None)
        node = self.tree.get(uuid)
        if stores is None or node is None or not node.is_store:
            return
        current = stores.current()
        if (current is None or current.uuid != uuid) and any(s.uuid == uuid for s in stores.stores()):
            stores.set_current(uuid)

    def _keep_form_draft(self) -> None:
        """Unsaved form edits are set aside (not lost) when the form shows another node."""
        uuid = self.form.uuid
        if uuid and self.form.is_dirty() and not self.form.pending:
            self._drafts[uuid] = self.form.raw_values()

    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        old = self.model.uuid(self.proxy.mapToSource(previous)) if previous.isValid() else None
        if old and old == self.form.uuid:
            self._keep_form_draft()
        uuid = self.model.uuid(self.proxy.mapToSource(current))
        self._show_in_form(uuid)
        self._update_actions()
        self._share_store(uuid)

    def _show_in_form(self, uuid: str | None) -> None:
        node = self.tree.get(uuid)
        if node is None:
            self.form.clear()
            return
        self.form.load(node, self.tree, pending=self.model.is_pending(node.uuid))
        draft = self._drafts.pop(node.uuid, None)
        if draft is not None:
            self.form.restore_raw(draft)

    # ------------------------------------------------------------ unsaved edits (asked on quit)

    def has_unsaved_changes(self) -> bool:
        return (self.form.is_dirty() and not self.form.pending) or bool(self._drafts)

    def unsaved_description(self) -> str:
        uuids = ([self.form.uuid] if self.form.is_dirty() else []) + [
            u for u in self._drafts if u != self.form.uuid]
        names = [f"“{self.tree.nodes[u].name}”" for u in uuids if u in self.tree]
        return "Locations: unsaved changes to " + ", ".join(names) if names else ""

    async def save_unsaved(self) -> bool:
        """Save every unsaved edit through the form's checks; False at the first
        one refused (the form then shows that node, its edit and the reason)."""
        if self.form.is_dirty() and self.form.uuid:
            self._keep_form_draft()
        for uuid in list(self._drafts):
            if uuid not in self.tree:
                self._drafts.pop(uuid, None)
                continue
            if self.form.uuid != uuid and not self.select(uuid):
                self._show_in_form(uuid)
            elif self.form.uuid == uuid and uuid in self._drafts:
                self.form.restore_raw(self._drafts.pop(uuid))
            self._drafts.pop(uuid, None)
            change = self.form.collect()
            if change is None:
                return False  # the problem is shown beside its field
            if is_empty(change):
                continue
            self.form.banner.hide()
            if not await self.save_node(uuid, change, from_form=True):
                return False
        return True

    # ------------------------------------------------------------ drag-move and undo

    def confirm_drop_move(self, uuid: str, new_parent: str) -> QMessageBox | None:
        """A drop is easy to make by accident: ask before moving."""
        node, target = self.tree.get(uuid), self.tree.get(new_parent)
        if node is None or target is None:
            return None
        if self.move_prompt is not None:
            self.move_prompt.close()
        box = QMessageBox(QMessageBox.Icon.Question, "Move location",
                          f"Move “{node.name}” under “{target.name}”?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        current = self.tree.get(node.parent_uuid)
        box.setInformativeText(
            (f"It is now under “{current.name}”. " if current else "")
            + "You can undo the move afterwards (Ctrl+Z).")
        box.button(QMessageBox.StandardButton.Yes).setText("Move")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(_result: int) -> None:
            self.move_prompt = None
            move = box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes
            box.deleteLater()
            if move:
                self._on_move_requested(uuid, new_parent)

        box.finished.connect(answered)
        self.move_prompt = box
        box.open()
        return box

    def _remember_undo(self, before: Location, change: LocationUpdate) -> None:
        applied = change.model_dump(exclude_none=True)
        inverse = {k: getattr(before, k) for k in applied if k in _UNDOABLE and getattr(before, k) is not None}
        if not inverse:
            self._undo = None
            return
        self._undo = (before.uuid, LocationUpdate(**inverse), LocationUpdate(**applied), self._describe(before, change))

    def _describe(self, before: Location, change: LocationUpdate) -> str:
        if change.parent_uuid is not None and change.parent_uuid != before.parent_uuid:
            target = self.tree.get(change.parent_uuid)
            return f"moved “{before.name}” under “{target.name if target else '?'}”"
        if change.name is not None and change.name != before.name:
            return f"renamed “{before.name}” to “{change.name}”"
        if change.area is not None:
            return f"area of “{before.name}” set to {format_area(change.area)} sq ft"
        if change.occupancy_limit is not None:
            return f"occupancy limit of “{before.name}” set to {format_count(change.occupancy_limit)}"
        return f"changed “{before.name}”"

    @asyncSlot()
    async def _on_undo(self) -> None:
        await self.undo_last()

    async def undo_last(self) -> bool:
        """Send the inverse of the last saved edit, through the same checks."""
        if self._undo is None:
            self._info("Nothing to undo.")
            return False
        uuid, inverse, applied, what = self._undo
        node = self.tree.get(uuid)
        if node is None:
            self._undo = None
            self._report("That location is no longer in the tree; nothing was undone.")
            return False
        if any(getattr(node, k) != v for k, v in applied.model_dump(exclude_none=True).items()):
            self._undo = None
            self._report(f"“{node.name}” changed since; nothing was undone.")
            return False
        if self.form.uuid == uuid and self.form.is_dirty():
            self._report(f"Save or revert your edits to “{node.name}” first, then undo.")
            return False
        self._undo = None
        marker = MOVING if inverse.parent_uuid is not None else SAVING
        if not await self.save_node(uuid, inverse, marker=marker, remember=False):
            self._undo = (uuid, inverse, applied, what)  # refused: they can try again
            return False
        self.select(uuid)
        self.banner.show_message(f"Undone: {what}.", error=False)
        return True

    # ------------------------------------------------------------ changes

    @asyncSlot(str, object)
    async def _on_save_requested(self, uuid: str, change: LocationUpdate) -> None:
        await self.save_node(uuid, change, from_form=True)

    @asyncSlot(str, str)
    async def _on_move_requested(self, uuid: str, new_parent: str) -> None:
        await self.move_node(uuid, new_parent)

    @asyncSlot(str, str)
    async def _on_rename_requested(self, uuid: str, name: str) -> None:
        await self.rename_node(uuid, name)

    async def rename_node(self, uuid: str, name: str) -> bool:
        checked = validation.check_name(name)
        if not checked.ok:
            # Put what they typed where the message can stand beside it.
            self.select(uuid)
            self.form.name_edit.setText(name)
            self.form.show_field_error("name", checked.error or "")
            return False
        return await self.save_node(uuid, LocationUpdate(name=checked.value))

    async def move_node(self, uuid: str, new_parent: str) -> bool:
        problem = move_problem(self.tree, uuid, new_parent)
        if problem:
            self._report(problem)
            return False
        return await self.save_node(uuid, LocationUpdate(parent_uuid=new_parent), marker=MOVING)

    async def save_node(self, uuid: str, change: LocationUpdate, *, marker: str = SAVING,
                        from_form: bool = False, remember: bool = True) -> bool:
        """Send one change; show it at once; roll it back if the server refuses."""
        tree = self.tree
        original = tree.get(uuid)
        if original is None:
            self._report("That location is no longer in the tree; refresh and try again.")
            return False
        if self.model.is_pending(uuid):
            self._report(f"“{original.name}” is still being saved; wait for it to finish.")
            return False
        try:
            sending = self.service.update(tree, uuid, change)  # rules checked now, before anything is sent
        except RuleViolation as violation:
            if self.form.uuid == uuid and violation.field:
                self.form.show_field_error(violation.field, violation.message)
            else:
                self._report(violation.message)
            return False
        checked = check_update(tree, uuid, change)
        optimistic = apply_update(original, checked)
        in_form = self.form.uuid == uuid
        self.model.set_pending(uuid, marker)
        self.model.update_node(optimistic)
        if in_form:
            self.form.set_pending(True, marker)
        self._update_actions()
        try:
            answer = await sending
        except ApiError as error:
            self.model.set_pending(uuid, None)
            if uuid in self.tree:
                self.model.update_node(original)
            message = f"“{original.name}” was not changed — {describe_error(error)}."
            if from_form and self.form.uuid == uuid:
                # Their edit stays in the form so they can fix it and Save again;
                # the message stands above it (and in the status bar).
                self.form.set_pending(False)
                self.form.state_label.setText("Not saved")
                self.form.banner.show_message(
                    f"Not saved — {describe_error(error)}. Your changes are still here: "
                    "correct them and press Save, or Revert."
                )
                self.last_error = message
                self._ctx.status.error(message)
            else:
                self._report(message)
                if self.form.uuid == uuid:
                    self.form.set_pending(False)
                    if not self.form.is_dirty():
                        self.form.load(original, self.tree)
            self._update_actions()
            return False
        except BaseException:
            self.model.set_pending(uuid, None)
            if uuid in self.tree:
                self.model.update_node(original)
            raise
        # The PUT answer may leave out extra fields (store id, time zone): keep ours.
        confirmed = optimistic.model_copy(update=answer.model_dump(exclude_unset=True))
        self.model.set_pending(uuid, None)
        if uuid in self.tree:
            self.model.update_node(confirmed)
        if self.form.uuid == uuid:
            self.form.load(self.tree.get(uuid) or confirmed, self.tree)
            self.form.state_label.setText("Saved")
            if change.parent_uuid is not None:
                self.select(uuid)  # moved: the row the form shows is selected and in view
        self._info(f"Saved “{confirmed.name}”.")
        if remember:
            self._remember_undo(original, checked)
            if self._undo is not None:
                self.banner.show_message(f"Saved: {self._undo[3]}.", error=False, action="Undo")
        self._update_actions()
        self._update_summary()
        return True

    async def create_node(self, draft: LocationCreate) -> Location | None:
        tree = self.tree
        try:
            checked = check_create(tree, draft)
            sending = self.service.create(tree, checked)
        except RuleViolation as violation:
            self._create_draft = draft
            self._report(violation.message)
            return None
        placeholder_uuid = f"pending-{next(self._placeholders)}"
        placeholder = Location(
            uuid=placeholder_uuid, name=checked.name, location_type=checked.location_type,
            parent_uuid=checked.parent_uuid, area=checked.area,
            aggregate_to_parent=checked.aggregate_to_parent, aggregate_to_store=checked.aggregate_to_store,
        )
        self.model.insert_node(placeholder)
        self.model.set_pending(placeholder_uuid, CREATING)
        self.select(placeholder_uuid)
        try:
            created = await sending
        except ApiError as error:
            self.model.remove_node(placeholder_uuid)
            self._create_draft = draft  # the dialog opens with it again
            self.select(checked.parent_uuid)
            self._report(
                f"“{checked.name}” was not created — {describe_error(error)}. "
                "Open the New dialog again: what you entered is still there."
            )
            return None
        except BaseException:
            self.model.remove_node(placeholder_uuid)
            raise
        self._create_draft = None
        self.model.replace_placeholder(placeholder_uuid, created)
        self.select(created.uuid)
        self._show_in_form(created.uuid)  # same row as the placeholder: no currentChanged
        self._info(f"Created “{created.name}”.")
        self._update_summary()
        return created

    # ------------------------------------------------------------ dialogs

    def open_create_dialog(self, what: str) -> CreateLocationDialog | None:
        """Open the New dialog for the selection: an area of its store, or a region."""
        uuid = self.selected_uuid()
        if what == "sublocation":
            store = self.tree.store_of(uuid) if uuid else None
            parent = store.uuid if store else None
        else:
            parent = uuid
        if parent is None or not creatable_types(self.tree, parent):
            self._report("Select a store (for a new area) or a region (for a new region) first.")
            return None
        dialog = CreateLocationDialog(self.tree, parent, draft=self._create_draft, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Read the dialog now: it is deleted once closed.
        dialog.accepted.connect(lambda: self._on_create_accepted(dialog.draft()))
        dialog.open()
        return dialog

    @asyncSlot()
    async def _on_create_accepted(self, draft: LocationCreate | None) -> None:
        if draft is not None:
            await self.create_node(draft)

    def open_move_dialog(self, uuid: str | None = None) -> MoveDialog | None:
        uuid = uuid or self.selected_uuid()
        if uuid is None or uuid not in self.tree:
            return None
        dialog = MoveDialog(self.tree, uuid, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._on_move_accepted(uuid, dialog.selected_target()))
        dialog.open()
        return dialog

    @asyncSlot()
    async def _on_move_accepted(self, uuid: str, target: str | None) -> None:
        if target is not None:
            await self.move_node(uuid, target)

    def start_rename(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.view.edit(index.siblingAtColumn(NAME_COLUMN))

    def refresh(self) -> None:
        """F5 from the shell."""
        self._on_refresh()


def create_pane(ctx: Any) -> QWidget:
    """The Locations pane; starts reading the tree as soon as the event loop runs."""
    pane = LocationsPane(ctx)
    # With the pane as context: a pane dropped before the loop runs is not called.
    QTimer.singleShot(0, pane, pane._on_refresh)
    return pane


async def prepare_screenshot(widget: QWidget) -> None:
    """Wait for the tree, then show a store with its areas and its details filled in."""
    assert isinstance(widget, LocationsPane)
    await asyncio.wait_for(widget.loaded.wait(), timeout=20)
    tree = widget.tree
    store = widget._shared_store()  # the store the main window's selector shows
    if store is None or store.uuid not in tree:
        stores = [n for n in tree.nodes.values() if n.is_store and not n.archived]
        # A store with areas, preferably one whose region sits in another region.
        stores.sort(key=lambda s: (-len(tree.children_of(s.uuid)), -len(list(tree.ancestors(s.uuid))), s.name))
        store = stores[0] if stores else None
    if store is not None:
        widget.select(store.uuid)
        widget.view.expand(widget.proxy.mapFromSource(widget.model.index_of(store.uuid)))
    await asyncio.sleep(0.05)
