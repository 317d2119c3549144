"""A lazy item model over a LocationTree.

Nothing per node is built when a tree arrives: the tree's parent -> children
index already exists, a parent's children are sorted the first time a view
asks for one of them, and a node gets its integer model id the first time an
index is made for it. So a 10,000-node reset costs one beginResetModel /
endResetModel pair and a few dict clears.

Edits arrive from the pane as whole nodes (optimistic, then the server's, or
the original again on rollback); the model turns them into the matching
move / insert / remove / dataChanged signals so selection and expansion follow.
Drag and drop and inline renames are only *requests* here (signals): the pane
decides, sends, and then updates the model.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from storeops.api.models import Location
from storeops.services.locations import LocationTree, NodeKind, move_problem, type_label
from storeops.ui.locations.icons import location_icon

MIME_TYPE = "application/x-storeops-location-uuid"
UNSAVED = "unsaved changes"

UuidRole = Qt.ItemDataRole.UserRole + 1
LocationRole = Qt.ItemDataRole.UserRole + 2
KindRole = Qt.ItemDataRole.UserRole + 3
PendingRole = Qt.ItemDataRole.UserRole + 4

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root, as a default argument

NAME_COLUMN = 0
TYPE_COLUMN = 1
STORE_ID_COLUMN = 2
_HEADERS = ("Location", "Type", "Store ID")

_ARCHIVED_BRUSH = QBrush(QColor("#8a8a8a"))
_PENDING_BRUSH = QBrush(QColor("#5d4037"))

# The view asks index(), parent(), data() and flags() thousands of times per
# paint (through the filter proxy, each proxy call costs a source index() too):
# a repaint of 40 rows is ~2,500 calls into Python. So the hot methods compare
# plain ints and return prebuilt values: enum attribute lookups and flag `|`
# cost more than the answer itself.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_EDIT = int(Qt.ItemDataRole.EditRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_UUID = int(UuidRole)
_LOCATION = int(LocationRole)
_KIND = int(KindRole)
_PENDING = int(PendingRole)
_ANSWERED_ROLES = frozenset(
    {_DISPLAY, _EDIT, _DECORATION, _FONT, _FOREGROUND, _TOOLTIP, _UUID, _LOCATION, _KIND, _PENDING}
)
_COLUMNS = len(_HEADERS)

_F = Qt.ItemFlag
_NO_FLAGS = _F.NoItemFlags
_BASE_FLAGS = _F.ItemIsEnabled | _F.ItemIsSelectable
# (draggable, editable, droppable) -> flags
_FLAGS = {
    (drag, edit, drop): _BASE_FLAGS
    | (_F.ItemIsDragEnabled if drag else _NO_FLAGS)
    | (_F.ItemIsEditable if edit else _NO_FLAGS)
    | (_F.ItemIsDropEnabled if drop else _NO_FLAGS)
    for drag in (False, True)
    for edit in (False, True)
    for drop in (False, True)
}
_MOVABLE_KINDS = (NodeKind.REGION, NodeKind.STORE, NodeKind.SUBLOCATION)
_PARENT_KINDS = (NodeKind.ORGANIZATION, NodeKind.REGION, NodeKind.STORE)


class LocationTreeModel(QAbstractItemModel):
    move_requested = Signal(str, str)  # node uuid, new parent uuid
    rename_requested = Signal(str, str)  # node uuid, new name (as typed)

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._tree = LocationTree()
        self._reset_caches()
        self._pending: dict[str, str] = {}  # uuid -> marker shown beside its name
        self._unsaved: set[str] = set()  # edits set aside in the form, not sent yet
        # Bumped by every edit, right after the tree changes and before Qt's
        # end-of-change signal: lets the filter proxy know its sets are stale.
        self.revision = 0
        self._italic = QFont()
        self._italic.setItalic(True)

    def _reset_caches(self) -> None:
        self._ids: dict[str, int] = {}
        self._uuids: list[str] = []
        self._sorted: dict[str | None, list[str]] = {}
        self._rows: dict[str, int] = {}

    # ------------------------------------------------------------ tree access

    @property
    def tree(self) -> LocationTree:
        return self._tree

    def set_tree(self, tree: LocationTree) -> None:
        self.beginResetModel()
        self._tree = tree
        self._reset_caches()
        self._pending = {k: v for k, v in self._pending.items() if k in tree}
        self._unsaved = {k for k in self._unsaved if k in tree}
        self.revision += 1
        self.endResetModel()

    def node(self, index: ModelIndex) -> Location | None:
        uuid = self.uuid(index)
        return self._tree.nodes.get(uuid) if uuid else None

    def uuid(self, index: ModelIndex) -> str | None:
        if not index.isValid():
            return None
        return self._uuids[index.internalId()]

    def uuid_at(self, row: int, parent: ModelIndex) -> str | None:
        kids = self._children(self.uuid(parent))
        return kids[row] if 0 <= row < len(kids) else None

    def index_of(self, uuid: str | None, column: int = 0) -> QModelIndex:
        if uuid is None or uuid not in self._tree.nodes:
            return QModelIndex()
        return self.createIndex(self._row_of(uuid), column, self._id_of(uuid))

    # ------------------------------------------------------------ lazy indexing

    def _id_of(self, uuid: str) -> int:
        ident = self._ids.get(uuid)
        if ident is None:
            ident = len(self._uuids)
            self._uuids.append(uuid)
            self._ids[uuid] = ident
        return ident

    def _sort_key(self, node: Location) -> tuple[int, str]:
        return (int(self._tree.kind(node)), node.name.casefold())

    def _children(self, parent: str | None) -> list[str]:
        kids = self._sorted.get(parent)
        if kids is None:
            nodes = self._tree.nodes
            kids = sorted(self._tree.children_of(parent), key=lambda u: self._sort_key(nodes[u]))
            self._sorted[parent] = kids
            self._renumber(kids, 0)
        return kids

    def _renumber(self, kids: list[str], start: int) -> None:
        rows = self._rows
        for row in range(start, len(kids)):
            rows[kids[row]] = row

    def _row_of(self, uuid: str) -> int:
        row = self._rows.get(uuid)
        if row is None:
            self._children(self._tree.parent_key(uuid))
            row = self._rows[uuid]
        return row

    # ------------------------------------------------------------ Qt model API

    def index(self, row: int, column: int, parent: ModelIndex = _ROOT) -> QModelIndex:
        # _children() and _id_of() inlined for their cached case: see _DISPLAY.
        if parent.isValid():
            if parent.column() != 0:
                return QModelIndex()
            key: str | None = self._uuids[parent.internalId()]
        else:
            key = None
        kids = self._sorted.get(key)
        if kids is None:
            kids = self._children(key)
        if 0 <= row < len(kids) and 0 <= column < _COLUMNS:
            uuid = kids[row]
            ident = self._ids.get(uuid)
            if ident is None:
                ident = self._id_of(uuid)
            return self.createIndex(row, column, ident)
        return QModelIndex()

    def parent(self, index: ModelIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        nodes = self._tree.nodes
        key = nodes[self._uuids[index.internalId()]].parent_uuid
        if key is None or key not in nodes:
            return QModelIndex()
        row = self._rows.get(key)
        if row is None:
            row = self._row_of(key)
        ident = self._ids.get(key)
        if ident is None:
            ident = self._id_of(key)
        return self.createIndex(row, 0, ident)

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        if not parent.isValid():
            return len(self._tree.children.get(None, ()))
        if parent.column() != 0:
            return 0
        # Counting needs no sorting: the tree's lists are as long as the sorted ones.
        return len(self._tree.children.get(self._uuids[parent.internalId()], ()))

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:
        return len(_HEADERS)

    def hasChildren(self, parent: ModelIndex = _ROOT) -> bool:
        return self.rowCount(parent) > 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_HEADERS)
        ):
            return _HEADERS[section]
        return None

    def icon_kind(self, node: Location) -> str:
        if self._tree.kind(node) is NodeKind.ORGANIZATION:
            return "organization"
        return node.location_type or "other"

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)
        # The delegate asks 7 roles per cell; alignment, check state and
        # background are never ours: answered before any lookup.
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None
        uuid = self._uuids[index.internalId()]
        node = self._tree.nodes.get(uuid)
        if node is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            if column == NAME_COLUMN:
                marker = self._pending.get(uuid)
                text = node.name or "(no name)"
                if node.archive_date is not None:
                    text += "  (archived)"
                if marker:
                    return f"{text}  — {marker}"
                return f"{text}  — {UNSAVED}" if uuid in self._unsaved else text
            if column == TYPE_COLUMN:
                return type_label(self.icon_kind(node))
            return node.store_id or ""
        if role == _DECORATION:
            return location_icon(self.icon_kind(node)) if column == NAME_COLUMN else None
        if role == _FOREGROUND:
            if uuid in self._pending or uuid in self._unsaved:
                return _PENDING_BRUSH
            if node.archive_date is not None:
                return _ARCHIVED_BRUSH
            return None
        if role == _FONT:
            return self._italic if uuid in self._pending else None
        if role == _EDIT:
            if column == NAME_COLUMN:
                return node.name
            return self.data(index, _DISPLAY)
        if role == _TOOLTIP:
            parts = [type_label(self.icon_kind(node))]
            if node.store_id:
                parts.append(f"store ID {node.store_id}")
            # Numbers as the form writes them (thousands separated).
            if node.area is not None:
                parts.append(f"{node.area:,.10g} sq ft")
            if node.occupancy_limit is not None:
                parts.append(f"limit {node.occupancy_limit:,}")
            if node.archived:
                parts.append(f"archived {node.archive_date}")
            if uuid in self._pending:
                parts.append(self._pending[uuid])
            elif uuid in self._unsaved:
                parts.append("your edits are not saved yet: select it to see them")
            return " · ".join(parts)
        if role == _UUID:
            return uuid
        if role == _LOCATION:
            return node
        if role == _KIND:
            return int(self._tree.kind(node))
        return uuid in self._pending  # _PENDING

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return _NO_FLAGS
        node = self._tree.nodes.get(self._uuids[index.internalId()])
        if node is None:
            return _BASE_FLAGS
        kind = self._tree.kind(node)
        live = node.archive_date is None  # archived: read only, nothing dragged, renamed or dropped
        drag = live and kind in _MOVABLE_KINDS and node.uuid not in self._pending
        return _FLAGS[drag, drag and index.column() == NAME_COLUMN, live and kind in _PARENT_KINDS]

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        # An inline rename is a request: the pane validates, sends, and updates us.
        if role != Qt.ItemDataRole.EditRole or index.column() != NAME_COLUMN:
            return False
        uuid = self.uuid(index)
        node = self._tree.nodes.get(uuid) if uuid else None
        if node is None or str(value) == node.name:
            return False
        self.rename_requested.emit(uuid, str(value))
        return False

    # ------------------------------------------------------------ drag and drop

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        uuids = [u for i in indexes if i.column() == NAME_COLUMN and (u := self.uuid(i)) is not None]
        if uuids:
            data.setData(MIME_TYPE, QByteArray(uuids[0].encode()))
        return data

    def _drop_request(self, data: QMimeData, row: int, parent: ModelIndex) -> tuple[str, str] | None:
        if not data.hasFormat(MIME_TYPE):
            return None
        uuid = bytes(data.data(MIME_TYPE).data()).decode()
        # Dropped on a node or between its children: either way the node is the new parent.
        target = self.uuid(parent)
        if target is None or move_problem(self._tree, uuid, target) is not None:
            return None
        if uuid in self._pending:
            return None
        return uuid, target

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: ModelIndex
    ) -> bool:
        return action == Qt.DropAction.MoveAction and self._drop_request(data, row, parent) is not None

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: ModelIndex) -> bool:
        if action != Qt.DropAction.MoveAction:
            return False
        request = self._drop_request(data, row, parent)
        if request is not None:
            self.move_requested.emit(*request)
        # False: the view must not remove the dragged row itself; the move
        # happens (or not) when the server answers.
        return False

    # ------------------------------------------------------------ edits from the pane

    def set_pending(self, uuid: str, marker: str | None) -> None:
        if marker is None:
            if self._pending.pop(uuid, None) is None:
                return
        else:
            self._pending[uuid] = marker
        self._changed(uuid)

    def is_pending(self, uuid: str) -> bool:
        return uuid in self._pending

    def set_unsaved(self, uuids: set[str]) -> None:
        """Mark the nodes whose edits wait in the form's drafts (so they are not forgotten)."""
        changed = self._unsaved ^ uuids
        self._unsaved = set(uuids)
        for uuid in changed:
            self._changed(uuid)

    def is_unsaved(self, uuid: str) -> bool:
        return uuid in self._unsaved

    def _changed(self, uuid: str) -> None:
        if uuid in self._tree.nodes:
            self.dataChanged.emit(self.index_of(uuid, 0), self.index_of(uuid, len(_HEADERS) - 1))

    def update_node(self, node: Location) -> None:
        """Show `node` (same uuid, maybe a new name or parent) where it now belongs."""
        uuid = node.uuid
        if uuid not in self._tree.nodes:
            return
        old_key = self._tree.parent_key(uuid)
        new_key = node.parent_uuid if node.parent_uuid in self._tree.nodes else None
        old_list = self._children(old_key)
        old_row = self._rows[uuid]
        new_list = old_list if new_key == old_key else self._children(new_key)
        others = [u for u in new_list if u != uuid]
        nodes = self._tree.nodes
        pos = bisect_right(others, self._sort_key(node), key=lambda u: self._sort_key(nodes[u]))
        if new_key == old_key and pos == old_row:
            self._tree.replace(node)
            self.revision += 1
            self._changed(uuid)
            return
        dest = pos if new_key != old_key or pos < old_row else pos + 1
        if not self.beginMoveRows(self.index_of(old_key), old_row, old_row, self.index_of(new_key), dest):
            # Qt refused the move (cannot happen for a valid tree); fall back to a reset.
            self.beginResetModel()
            self._tree.replace(node)
            self._reset_caches()
            self.revision += 1
            self.endResetModel()
            return
        self._tree.replace(node)
        self.revision += 1
        del old_list[old_row]
        new_list.insert(pos, uuid)
        self._renumber(old_list, min(old_row, pos) if new_list is old_list else old_row)
        if new_list is not old_list:
            self._renumber(new_list, pos)
        self.endMoveRows()
        self._changed(uuid)

    def insert_node(self, node: Location) -> None:
        parent_key = node.parent_uuid if node.parent_uuid in self._tree.nodes else None
        kids = self._children(parent_key)
        nodes = self._tree.nodes
        pos = bisect_right(kids, self._sort_key(node), key=lambda u: self._sort_key(nodes[u]))
        self.beginInsertRows(self.index_of(parent_key), pos, pos)
        self._tree.add(node)
        self.revision += 1
        kids.insert(pos, node.uuid)
        self._renumber(kids, pos)
        self.endInsertRows()

    def remove_node(self, uuid: str) -> None:
        """Remove a leaf (a placeholder the server refused to create)."""
        if uuid not in self._tree.nodes:
            return
        key = self._tree.parent_key(uuid)
        kids = self._children(key)
        row = self._rows[uuid]
        self.beginRemoveRows(self.index_of(key), row, row)
        self._tree.remove(uuid)
        self.revision += 1
        del kids[row]
        self._rows.pop(uuid, None)
        self._renumber(kids, row)
        self._pending.pop(uuid, None)
        self.endRemoveRows()

    def replace_placeholder(self, placeholder_uuid: str, node: Location) -> None:
        """The server created `node`: the placeholder row becomes it (same row,
        same model id, so selection stays), then moves if its name sorts elsewhere."""
        if node.uuid in self._tree.nodes:
            # A refresh already brought the new node in: drop the placeholder.
            self.remove_node(placeholder_uuid)
            self.update_node(node)
            return
        if placeholder_uuid not in self._tree.nodes:
            self.insert_node(node)
            return
        ident = self._ids.get(placeholder_uuid)
        key = self._tree.parent_key(placeholder_uuid)
        kids = self._children(key)
        row = self._rows.pop(placeholder_uuid)
        self._tree.rekey(placeholder_uuid, self._tree.nodes[placeholder_uuid].model_copy(update={"uuid": node.uuid}))
        kids[row] = node.uuid
        self._rows[node.uuid] = row
        self.revision += 1
        if ident is not None:
            del self._ids[placeholder_uuid]
            self._uuids[ident] = node.uuid
            self._ids[node.uuid] = ident
        self._pending.pop(placeholder_uuid, None)
        self.update_node(node)
