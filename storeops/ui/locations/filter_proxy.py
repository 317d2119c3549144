"""Filter the location tree by name or store id, hiding archived branches.

Which nodes show is decided in one pass over the tree, in plain Python, each
time the text, the archived toggle or the tree changes: the matches plus their
ancestors (so a match is always seen in its place). Qt's own recursive
filtering would call back into Python for every node of every subtree it
inspects, ~10x slower on a 10,000-node chain; here a row costs a set lookup
and Qt only asks about rows under parents the view has opened.

Archived nodes, and everything under them, are hidden unless "Show archived"
is on: a match below an archived store does not drag the store back in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    QTimer,
)

from storeops.services.locations import LocationTree
from storeops.ui.locations.tree_model import LocationTreeModel

_ROOT = QModelIndex()
ModelIndex = QModelIndex | QPersistentModelIndex


def archived_branches(tree: LocationTree) -> set[str]:
    """Every node that is archived or lies below an archived node."""
    hidden: set[str] = set()
    for uuid, node in tree.nodes.items():
        if node.archive_date is None or uuid in hidden:
            continue
        stack = [uuid]
        while stack:
            current = stack.pop()
            if current not in hidden:
                hidden.add(current)
                stack.extend(tree.children_of(current))
    return hidden


class LocationFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(False)  # ancestors are in the visible set already
        self._needle = ""
        self._show_archived = False
        self._key: tuple[object, ...] | None = None
        self._hidden: set[str] = set()
        self._visible: set[str] = set()
        self._matched: list[str] = []
        self._matched_lookup: set[str] = set()
        # Nodes the pane must show whatever the text (one just created or moved
        # that does not match it): the form shows it, so the tree must too.
        self._revealed: set[str] = set()
        self._changing = False
        # Qt re-filters only the rows an edit touches, under parents already
        # shown; with a text filter an edit can also show or hide ancestors
        # (a new match deep in a hidden branch), so filter again, once, after it.
        self._refilter = QTimer(self)
        self._refilter.setSingleShot(True)
        self._refilter.setInterval(0)
        self._refilter.timeout.connect(self.refilter)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        super().setSourceModel(model)
        for signal in (model.rowsInserted, model.rowsRemoved, model.rowsMoved, model.dataChanged):
            signal.connect(self._after_edit)

    def _after_edit(self, *_args: object) -> None:
        if self._needle:
            self._refilter.start()

    def refilter(self) -> None:
        """Filter every row again (after edits while a text filter is on)."""
        self._refilter.stop()
        self._change_filter(lambda: None)

    @property
    def needle(self) -> str:
        return self._needle

    @property
    def show_archived(self) -> bool:
        return self._show_archived

    def set_text(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle != self._needle:
            self._revealed.clear()
            self._change_filter(lambda: setattr(self, "_needle", needle))

    def reveal(self, uuid: str) -> None:
        """Show `uuid` (and its ancestors) until the text changes."""
        if uuid in self._revealed or not self._needle:
            return
        self._revealed.add(uuid)
        self._key = None
        self._change_filter(lambda: None)

    def set_show_archived(self, show: bool) -> None:
        if show != self._show_archived:
            self._change_filter(lambda: setattr(self, "_show_archived", show))

    def _change_filter(self, change: Callable[[], None]) -> None:
        self._changing = True
        try:
            # Qt 6.10 replaced invalidateRowsFilter() with a begin/end pair.
            if hasattr(self, "beginFilterChange"):
                self.beginFilterChange()
                change()
                self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
            else:
                change()
                self.invalidateRowsFilter()
        finally:
            self._changing = False

    # ------------------------------------------------------------ the sets

    def _source(self) -> LocationTreeModel:
        source = self.sourceModel()
        assert isinstance(source, LocationTreeModel)
        return source

    def _refresh(self) -> None:
        """Recompute the sets when the text, the toggle or the tree changed.

        Checked on every question (a tuple compare): the model bumps its
        revision inside each edit, before Qt asks us about the changed rows."""
        source = self._source()
        key = (id(source.tree), source.revision, self._needle, self._show_archived, len(self._revealed))
        if key == self._key:
            return
        self._key = key
        tree = source.tree
        self._hidden = set() if self._show_archived else archived_branches(tree)
        self._visible = set()
        self._matched = []
        self._matched_lookup = set()
        if not self._needle:
            return
        hidden, visible, needle = self._hidden, self._visible, self._needle
        for uuid, node in tree.nodes.items():
            if uuid in hidden:
                continue
            if needle in node.name.casefold() or (node.store_id is not None and needle in node.store_id.casefold()):
                self._matched.append(uuid)
            elif uuid not in self._revealed:
                continue
            visible.add(uuid)
            for ancestor in tree.ancestors(uuid):
                if ancestor in visible:
                    break
                visible.add(ancestor)
        self._matched_lookup = set(self._matched)

    def matches(self, uuid: str) -> bool:
        """True when the node itself matches the text (any node, without text)."""
        self._refresh()
        return not self._needle or uuid in self._matched_lookup

    def matched(self) -> list[str]:
        """The nodes matching the text (not their ancestors), in the answer's order."""
        self._refresh()
        return list(self._matched)

    def visible_count(self) -> int | None:
        """How many nodes the filter shows (None: no text, everything not archived)."""
        self._refresh()
        return len(self._visible) if self._needle else None

    def _shown(self, uuid: str) -> bool:
        if self._needle:
            return uuid in self._visible
        return uuid not in self._hidden

    # ------------------------------------------------------------ Qt

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        self._refresh()
        uuid = self._source().uuid_at(source_row, source_parent)
        return uuid is not None and self._shown(uuid)

    def hasChildren(self, parent: ModelIndex = _ROOT) -> bool:
        # The view asks this for every shown row (to draw its expand arrow), and
        # Qt's answer filters all of that row's children: 2,000 calls into Python
        # for a region of 40 districts. A set lookup per child answers the same.
        # While Qt re-filters (inside a filter change) its mapping is what counts.
        if self._changing or not parent.isValid():
            return super().hasChildren(parent)
        self._refresh()
        source = self._source()
        uuid = source.uuid(self.mapToSource(parent))
        if uuid is None:
            return False
        return any(self._shown(k) for k in source.tree.children_of(uuid))
