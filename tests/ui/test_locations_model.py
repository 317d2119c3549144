"""The lazy location tree model and its filter proxy, checked by Qt's own model
tester while nodes are moved, renamed, inserted and removed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QIcon
from PySide6.QtTest import QAbstractItemModelTester, QSignalSpy

from storeops.api.models import Location
from storeops.services.locations import LocationTree, NodeKind
from storeops.ui.locations.filter_proxy import LocationFilterProxy
from storeops.ui.locations.tree_model import (
    MIME_TYPE,
    KindRole,
    LocationRole,
    LocationTreeModel,
    PendingRole,
    UuidRole,
)

pytestmark = pytest.mark.gui
_ROOT = QModelIndex()


def chain(stores_per_region: int = 12, regions: int = 5) -> list[Location]:
    """An organization, regions (one nested), stores with four areas each; one archived store."""
    nodes = [Location(uuid="org", name="Org", location_type="organization")]
    for r in range(regions):
        parent = "r0" if r == 1 else "org"
        nodes.append(Location(uuid=f"r{r}", name=f"Region {r}", location_type="region", parent_uuid=parent))
        for s in range(stores_per_region):
            sid = f"r{r}s{s}"
            nodes.append(
                Location(
                    uuid=sid,
                    name=f"Store {r}-{s:02d}",
                    location_type="store",
                    parent_uuid=f"r{r}",
                    store_id=str(1000 + r * 100 + s),
                    archive_date="2025-01-01T00:00:00Z" if (r, s) == (2, 3) else None,
                )
            )
            for t in ("entrance", "fitting_room", "display", "other"):
                nodes.append(
                    Location(uuid=f"{sid}-{t}", name=t.replace("_", " ").title(), location_type=t, parent_uuid=sid)
                )
    return nodes


@pytest.fixture
def model(qapp):
    m = LocationTreeModel()
    tester = QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    m.set_tree(LocationTree.from_nodes(chain()))
    yield m
    del tester


def names(model, parent=_ROOT) -> list[str]:
    return [model.index(r, 0, parent).data(Qt.ItemDataRole.EditRole) for r in range(model.rowCount(parent))]


def test_structure_and_sorting(model):
    assert len(model.tree) == 1 + 5 + 5 * 12 * 5
    assert names(model) == ["Org"]
    org = model.index(0, 0)
    assert names(model, org) == ["Region 0", "Region 2", "Region 3", "Region 4"]
    r0 = model.index_of("r0")
    assert names(model, r0)[0] == "Region 1"  # regions before stores, then by name
    store = model.index_of("r0s0")
    assert store.parent() == r0 and store.parent().parent() == org
    assert names(model, store) == ["Display", "Entrance", "Fitting Room", "Other"]
    assert model.index_of("r0s5", 2).data() == "1005"
    assert model.index_of("r0s5", 1).data() == "Store"


def test_lazy_sorting_only_touches_what_is_asked(qapp):
    m = LocationTreeModel()
    m.set_tree(LocationTree.from_nodes(chain()))
    assert m.rowCount(_ROOT) == 1 and not m._sorted  # counting needs no sorting
    m.index(0, 0)
    assert list(m._sorted) == [None]


def test_moves_renames_inserts_removals_keep_the_model_sound(model):
    moved = QSignalSpy(model.rowsMoved)
    node = model.tree.nodes["r0s1"]
    persistent = model.index_of("r0s1")
    model.update_node(node.model_copy(update={"parent_uuid": "r3"}))
    assert moved.count() == 1
    assert model.index_of("r0s1").parent() == model.index_of("r3")
    assert model.tree.parent_key("r0s1") == "r3"
    # Rename that re-sorts within the same parent, both directions.
    model.update_node(model.tree.nodes["r3s0"].model_copy(update={"name": "ZZZ"}))
    assert names(model, model.index_of("r3"))[-1] == "ZZZ"
    model.update_node(model.tree.nodes["r3s0"].model_copy(update={"name": "AAA"}))
    assert names(model, model.index_of("r3"))[0] == "AAA"
    # Rename that keeps its place only changes data.
    moves_before = moved.count()
    model.update_node(model.tree.nodes["r3s0"].model_copy(update={"name": "AAB"}))
    assert moved.count() == moves_before
    # A region with its whole subtree.
    model.update_node(model.tree.nodes["r1"].model_copy(update={"parent_uuid": "r4"}))
    assert model.index_of("r1s0-entrance").parent().parent().parent() == model.index_of("r4")
    # Placeholder inserted, made real, removed.
    model.insert_node(Location(uuid="tmp", name="Kiosk", location_type="other", parent_uuid="r4s2"))
    model.set_pending("tmp", "Creating…")
    assert "Creating…" in model.index_of("tmp").data()
    ident = model.index_of("tmp").internalId()
    model.replace_placeholder("tmp", Location(uuid="real", name="Kiosk 2", location_type="other", parent_uuid="r4s2"))
    assert "tmp" not in model.tree and model.index_of("real").internalId() == ident
    assert not model.is_pending("real")
    model.remove_node("real")
    assert "real" not in model.tree
    assert persistent is not None


def test_drop_only_where_the_rules_allow(model):
    entrance = model.index_of("r0s0-entrance")
    data = model.mimeData([entrance])
    assert data.hasFormat(MIME_TYPE)
    move = Qt.DropAction.MoveAction
    assert model.canDropMimeData(data, move, -1, -1, model.index_of("r3s4"))
    assert not model.canDropMimeData(data, move, -1, -1, model.index_of("r3"))  # a region
    assert not model.canDropMimeData(data, move, -1, -1, model.index_of("r0s0"))  # already there
    assert not model.canDropMimeData(data, move, -1, -1, model.index_of("r2s3"))  # archived store
    assert not model.canDropMimeData(data, Qt.DropAction.CopyAction, -1, -1, model.index_of("r3s4"))
    region = model.mimeData([model.index_of("r0")])
    assert not model.canDropMimeData(region, move, -1, -1, model.index_of("r1"))  # its own child
    assert model.canDropMimeData(region, move, -1, -1, model.index_of("r4"))
    requests = QSignalSpy(model.move_requested)
    # Dropped between two stores of r3: the parent, r3, is the destination.
    assert model.dropMimeData(region, move, 2, 0, model.index_of("r3")) is False
    assert requests.count() == 1 and requests.at(0) == ["r0", "r3"]
    assert model.tree.parent_key("r0") == "org"  # nothing moves until the server agrees
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled  # the organization


def test_filter_keeps_ancestors_and_hides_archived(model, qtbot):
    proxy = LocationFilterProxy()
    proxy.setSourceModel(model)
    tester = QAbstractItemModelTester(proxy, QAbstractItemModelTester.FailureReportingMode.Fatal)
    assert not proxy.mapFromSource(model.index_of("r2s3")).isValid()
    assert not proxy.mapFromSource(model.index_of("r2s3-entrance")).isValid()
    proxy.set_text("STORE 1-0")
    hits = [u for u in model.tree.nodes if proxy.mapFromSource(model.index_of(u)).isValid()]
    assert set(hits) == {"org", "r0", "r1"} | {f"r1s{s}" for s in range(10)}
    proxy.set_text("1203")  # store id of an archived store: hidden
    assert not proxy.mapFromSource(model.index_of("r2s3")).isValid()
    proxy.set_show_archived(True)
    assert proxy.mapFromSource(model.index_of("r2s3")).isValid()
    proxy.set_text("")
    assert proxy.mapFromSource(model.index_of("r2s3-entrance")).isValid()
    # Edits through the proxy keep the tester happy.
    model.update_node(model.tree.nodes["r2s3"].model_copy(update={"parent_uuid": "r4"}))
    proxy.set_show_archived(False)
    assert not proxy.mapFromSource(model.index_of("r2s3")).isValid()
    # While a text filter is on, edits are filtered as they happen.
    proxy.set_text("kiosk")
    assert proxy.rowCount() == 0
    model.insert_node(Location(uuid="k1", name="Kiosk", location_type="other", parent_uuid="r4s1"))
    qtbot.waitUntil(lambda: proxy.mapFromSource(model.index_of("k1")).isValid(), timeout=2000)
    assert proxy.mapFromSource(model.index_of("k1")).isValid()
    assert proxy.mapFromSource(model.index_of("r4s1")).isValid()  # its ancestors came along
    model.update_node(model.tree.nodes["k1"].model_copy(update={"name": "Till"}))
    qtbot.waitUntil(lambda: not proxy.mapFromSource(model.index_of("k1")).isValid(), timeout=2000)
    assert not proxy.mapFromSource(model.index_of("k1")).isValid()
    model.update_node(model.tree.nodes["r3s2"].model_copy(update={"name": "Kiosk Corner"}))
    qtbot.waitUntil(lambda: proxy.mapFromSource(model.index_of("r3s2")).isValid(), timeout=2000)
    assert proxy.mapFromSource(model.index_of("r3s2")).isValid()
    assert proxy.hasChildren(proxy.mapFromSource(model.index_of("r3")))
    assert not proxy.hasChildren(proxy.mapFromSource(model.index_of("r3s2")))  # its areas do not match
    for text in ("", "store", "x", "1-1", ""):
        proxy.set_text(text)
    assert proxy.hasChildren(proxy.mapFromSource(model.index_of("r3s2")))
    del tester


def test_placeholder_whose_node_a_refresh_already_brought(model):
    """A refresh can read the new node before the create answer arrives: it must show once."""
    model.insert_node(Location(uuid="tmp", name="Kiosk", location_type="other", parent_uuid="r4s2"))
    model.set_pending("tmp", "Creating…")
    real = Location(uuid="real", name="Kiosk", location_type="other", parent_uuid="r4s2")
    tree = LocationTree.from_nodes([*model.tree.nodes.values(), real])
    model.set_tree(tree)  # the refresh (the placeholder is still in our copy of the nodes)
    model.replace_placeholder("tmp", real)
    kids = [model.tree.nodes[u].name for u in model.tree.children_of("r4s2")]
    assert kids.count("Kiosk") == 1 and "tmp" not in model.tree


def test_what_each_role_and_flag_says(model):
    """The values the view paints from, per kind of node, archived and pending."""
    F = Qt.ItemFlag
    R = Qt.ItemDataRole
    base = F.ItemIsEnabled | F.ItemIsSelectable

    def cell(uuid, column=0):
        return model.index_of(uuid, column)

    org, region, store = cell("org"), cell("r0"), cell("r0s5")
    assert [org.data(), cell("org", 1).data(), cell("org", 2).data()] == ["Org", "Organization", ""]
    assert [store.data(), cell("r0s5", 1).data(), cell("r0s5", 2).data()] == ["Store 0-05", "Store", "1005"]
    assert cell("r0s5", 2).data(R.EditRole) == "1005"
    assert store.data(R.ToolTipRole) == "Store · store ID 1005"
    assert isinstance(store.data(R.DecorationRole), QIcon) and cell("r0s5", 1).data(R.DecorationRole) is None
    assert store.data(R.ForegroundRole) is None and store.data(R.FontRole) is None
    for role in (R.TextAlignmentRole, R.BackgroundRole, R.CheckStateRole, R.SizeHintRole):
        assert store.data(role) is None
    assert store.data(UuidRole) == "r0s5" and store.data(LocationRole) is model.tree.nodes["r0s5"]
    assert store.data(KindRole) == int(NodeKind.STORE) and store.data(PendingRole) is False

    drag_edit_drop = base | F.ItemIsDragEnabled | F.ItemIsEditable | F.ItemIsDropEnabled
    assert model.flags(org) == base | F.ItemIsDropEnabled
    assert model.flags(region) == drag_edit_drop and model.flags(store) == drag_edit_drop
    assert model.flags(cell("r0s5", 1)) == base | F.ItemIsDragEnabled | F.ItemIsDropEnabled
    assert model.flags(cell("r0s0-entrance")) == base | F.ItemIsDragEnabled | F.ItemIsEditable
    assert model.flags(QModelIndex()) == F.NoItemFlags

    archived = cell("r2s3")
    assert archived.data() == "Store 2-03  (archived)" and archived.data(R.EditRole) == "Store 2-03"
    assert archived.data(R.ForegroundRole).color().name() == "#8a8a8a"
    assert "archived 2025-01-01" in archived.data(R.ToolTipRole)
    assert model.flags(archived) == base  # read only: not dragged, renamed or dropped on

    model.set_pending("r0s5", "saving…")
    store = cell("r0s5")
    assert store.data() == "Store 0-05  — saving…" and store.data(R.EditRole) == "Store 0-05"
    assert store.data(R.FontRole).italic() and store.data(R.ForegroundRole).color().name() == "#5d4037"
    assert store.data(PendingRole) is True and store.data(R.ToolTipRole).endswith("saving…")
    assert model.flags(store) == base | F.ItemIsDropEnabled  # not dragged or renamed while pending
    model.set_pending("r0s5", None)
    assert cell("r0s5").data() == "Store 0-05" and model.flags(cell("r0s5")) == drag_edit_drop


def test_indexes_outside_the_model_are_invalid(model):
    assert not model.index(1, 0).isValid()  # one root only
    assert not model.index(0, 3).isValid() and not model.index(-1, 0).isValid()
    org = model.index(0, 0)
    assert not model.index(0, 0, model.index(0, 1)).isValid()  # children hang off column 0
    assert model.rowCount(model.index(0, 1)) == 0 and model.rowCount(org) == 4
    assert not model.parent(org).isValid() and not model.parent(QModelIndex()).isValid()
    assert model.parent(model.index_of("r0s0-entrance", 2)) == model.index_of("r0s0")
