"""Filter the location tree by name or store id, hiding archived branches.

Qt's recursive filtering keeps the ancestors of every match visible. Archived
nodes, and everything under them, are hidden unless "Show archived" is on:
a match below an archived store must not drag the archived store back in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel

from storeops.ui.locations.tree_model import LocationTreeModel

_ROOT = QModelIndex()


class LocationFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self._needle = ""
        self._show_archived = False

    @property
    def needle(self) -> str:
        return self._needle

    @property
    def show_archived(self) -> bool:
        return self._show_archived

    def set_text(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle != self._needle:
            self._change_filter(lambda: setattr(self, "_needle", needle))

    def set_show_archived(self, show: bool) -> None:
        if show != self._show_archived:
            self._change_filter(lambda: setattr(self, "_show_archived", show))

    def _change_filter(self, change: Callable[[], None]) -> None:
        # Qt 6.10 replaced invalidateRowsFilter() with a begin/end pair.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateRowsFilter()

    def matches(self, uuid: str) -> bool:
        """True when the node itself matches the text (ignoring archive state)."""
        source = self.sourceModel()
        assert isinstance(source, LocationTreeModel)
        node = source.tree.nodes.get(uuid)
        if node is None:
            return False
        if not self._needle:
            return True
        return self._needle in node.name.casefold() or (
            node.store_id is not None and self._needle in node.store_id.casefold()
        )

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> bool:
        # The view asks this for every visible row (to draw its expand arrow);
        # Qt's answer filters all the row's children to know. Without a text
        # filter the answer is simpler: a shown node has a shown child unless
        # all of its children are archived themselves.
        if self._needle or not parent.isValid():
            return super().hasChildren(parent)
        source = self.sourceModel()
        assert isinstance(source, LocationTreeModel)
        uuid = source.uuid(self.mapToSource(parent))
        if uuid is None:
            return False
        kids = source.tree.children_of(uuid)
        if self._show_archived:
            return bool(kids)
        nodes = source.tree.nodes
        return any(not nodes[k].archived for k in kids)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        source = self.sourceModel()
        assert isinstance(source, LocationTreeModel)
        uuid = source.uuid_at(source_row, source_parent)
        if uuid is None:
            return False
        if not self._show_archived and source.tree.is_archived_here(uuid):
            return False
        return self.matches(uuid)
