"""The Locations pane against a real simulator over HTTP: the tree, the filter,
and the create / rename / move / edit flows, including refusals."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from storeops.api.models import LocationCreate, LocationUpdate
from storeops.services.locations import valid_move_targets
from storeops.ui.locations.controller import CREATING, MOVING, SAVING
from storeops.ui.locations.tree_model import MIME_TYPE
from tests.helpers import wait_until
from tests.ui.locations_env import close_env, make_env

pytestmark = pytest.mark.gui
_ROOT = QModelIndex()


@pytest.fixture
def env(qtbot, qloop, fresh_sim):
    e = make_env(qtbot, qloop, fresh_sim)
    try:
        yield e
    finally:
        close_env(qloop, e)


def visible_names(pane, parent=_ROOT) -> list[str]:
    return [pane.proxy.index(r, 0, parent).data(Qt.ItemDataRole.EditRole) for r in range(pane.proxy.rowCount(parent))]


def record_states(pane, uuid) -> list[tuple[bool, str, bool]]:
    """Every (pending, shown name, italic) the node goes through, as the view would see it."""
    seen: list[tuple[bool, str, bool]] = []

    def on_change(*_args):
        index = pane.model.index_of(uuid)
        if index.isValid():
            font = index.data(Qt.ItemDataRole.FontRole)
            seen.append(
                (pane.model.is_pending(uuid), index.data(Qt.ItemDataRole.EditRole), bool(font and font.italic()))
            )

    pane.model.dataChanged.connect(on_change)
    return seen


def proxy_index(pane, uuid):
    return pane.proxy.mapFromSource(pane.model.index_of(uuid))


# ------------------------------------------------------------ the tree


def test_tree_shows_the_seeded_chain(env):
    pane, world = env.pane, env.sim.world
    with world.lock:
        live = {u for u, n in world.nodes.items() if n.type == "location"}
    assert set(pane.tree.nodes) == live
    org = pane.tree.nodes[world.organization_uuid]
    assert visible_names(pane) == [org.name]
    regions = visible_names(pane, pane.proxy.index(0, 0))
    assert {"West", "Central", "East", "Europe"} <= set(regions)
    # The organization and its regions start open; stores are one click away.
    west = env.node_named("West")
    assert pane.view.isExpanded(proxy_index(pane, west.uuid))
    # Stores carry their extra fields (store id, time zone, occupancy limit).
    plaza = env.node_named("Caspar City Plaza")
    assert (plaza.store_id, plaza.time_zone, plaza.occupancy_limit) == ("50", "America/Los_Angeles", 50)
    bay = env.node_named("Bay Area")
    assert plaza.parent_uuid == bay.uuid and bay.parent_uuid == west.uuid
    # Every type has its own icon.
    keys = {
        pane.model.index_of(env.node_named(n).uuid).data(Qt.ItemDataRole.DecorationRole).cacheKey()
        for n in (
            "Northwind Outfitters",
            "West",
            "Caspar City Plaza",
            "Main Entrance",
            "Fitting Rooms",
            "Front Table",
            "Checkout",
        )
    }
    assert len(keys) == 7
    assert "15 open stores" not in pane.summary.text() and "open stores" in pane.summary.text()


def test_filter_keeps_ancestors_and_matches_store_id(env, qloop):
    pane = env.pane
    pane.filter_edit.setText("willow")
    qloop.run_until_complete(wait_until(lambda: pane.proxy.needle == "willow"))
    willow = env.node_named("Willow Glen")
    index = proxy_index(pane, willow.uuid)
    assert index.isValid()
    # Its region chain stays visible (and open), unrelated stores are gone.
    assert index.parent().data(Qt.ItemDataRole.EditRole) == "Bay Area"
    assert index.parent().parent().data(Qt.ItemDataRole.EditRole) == "West"
    assert pane.view.isExpanded(index.parent())
    assert not proxy_index(pane, env.node_named("Chicago Loop").uuid).isValid()
    assert visible_names(pane, index.parent()) == ["Willow Glen"]

    pane.filter_edit.setText("  201 ")  # a store id, with stray spaces
    pane.apply_filter()
    assert proxy_index(pane, env.node_named("Chicago Loop").uuid).isValid()
    assert not proxy_index(pane, willow.uuid).isValid()

    pane.filter_edit.setText("")
    pane.apply_filter()
    assert proxy_index(pane, willow.uuid).isValid() and proxy_index(pane, env.node_named("Chicago Loop").uuid).isValid()


def test_archived_nodes_hidden_until_toggled(env):
    pane = env.pane
    old_town = env.node_named("Old Town (closed)")
    popup = env.node_named("Holiday Popup")
    old_town_area = next(u for u in pane.tree.children_of(old_town.uuid))
    assert old_town.archived and popup.archived
    for uuid in (old_town.uuid, popup.uuid, old_town_area):
        assert not proxy_index(pane, uuid).isValid()
    assert "(hidden)" in pane.summary.text()
    # A match below an archived store does not bring it back.
    pane.filter_edit.setText("Old Town")
    pane.apply_filter()
    assert not proxy_index(pane, old_town.uuid).isValid()

    pane.archived_toggle.setChecked(True)
    assert proxy_index(pane, old_town.uuid).isValid()
    pane.filter_edit.setText("")
    pane.apply_filter()
    for uuid in (old_town.uuid, popup.uuid):
        index = proxy_index(pane, uuid)
        assert index.isValid()
        assert "archived" in index.data(Qt.ItemDataRole.DisplayRole)
    assert proxy_index(pane, old_town_area).isValid()
    pane.archived_toggle.setChecked(False)
    assert not proxy_index(pane, old_town.uuid).isValid()


def test_selecting_a_store_fills_the_form(env):
    pane, form = env.pane, env.pane.form
    plaza = env.node_named("Caspar City Plaza")
    assert pane.select(plaza.uuid)
    assert form.uuid == plaza.uuid
    assert form.name_edit.text() == "Caspar City Plaza"
    assert form.occupancy_edit.text() == "50"
    assert form.time_zone_label.text() == "America/Los_Angeles"
    assert form.store_id_label.text() == "50"
    assert not form.type_combo.isEnabled()  # a store stays a store
    assert form.form.isRowVisible(form._rows["occupancy_limit"])
    assert not form.form.isRowVisible(form._rows["aggregate_to_parent"])

    entrance = next(u for u in pane.tree.children_of(plaza.uuid) if pane.tree.nodes[u].name == "Main Entrance")
    pane.select(entrance)
    assert form.type_combo.isEnabled() and form.type_combo.count() == 4
    assert form.aggregate_parent_check.isChecked()
    assert not form.form.isRowVisible(form._rows["occupancy_limit"])
    # Read-only fields of a sublocation come from its store, and say so.
    assert form.store_id_label.text().startswith("50")
    assert "Caspar City Plaza" in form.store_id_label.text()


# ------------------------------------------------------------ creating


def test_create_entrance_under_store_through_the_dialog(env, qloop):
    pane = env.pane
    store = env.node_named("Chicago Loop")
    pane.select(store.uuid)
    dialog = pane.open_create_dialog("sublocation")
    assert dialog is not None
    assert [dialog.type_combo.itemData(i) for i in range(dialog.type_combo.count())] == [
        "entrance",
        "fitting_room",
        "display",
        "other",
    ]
    dialog.name_edit.setText("  Loading Dock Door ")
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("entrance"))
    dialog.area_edit.setText("35.5")
    assert dialog.aggregate_parent_check.isChecked()  # the reference's default for entrances
    dialog.buttons.accepted.emit()

    def created():
        return next(
            (
                n
                for n in pane.tree.nodes.values()
                if n.name == "Loading Dock Door"
                and not n.uuid.startswith("pending-")
                and not pane.model.is_pending(n.uuid)
            ),
            None,
        )

    node = qloop.run_until_complete(wait_until(created))
    sim_node = env.sim_node(node.uuid)
    assert sim_node is not None
    assert (sim_node.name, sim_node.location_type, sim_node.parent_uuid, sim_node.area) == (
        "Loading Dock Door",
        "entrance",
        store.uuid,
        35.5,
    )
    assert sim_node.aggregate_to_parent is True
    # Shown under its store, selected, with its details in the form.
    index = proxy_index(pane, node.uuid)
    assert index.isValid() and index.parent() == proxy_index(pane, store.uuid)
    assert pane.selected_uuid() == node.uuid and pane.form.name_edit.text() == "Loading Dock Door"


def test_create_region_under_region_shows_pending_then_real(env, qloop):
    pane = env.pane
    east = env.node_named("East")
    env.sim.faults.add("/v2/location/create", "delay", seconds=0.4)

    async def scenario():
        task = asyncio.ensure_future(
            pane.controller.create_node(
                LocationCreate(name="New England", parent_uuid=east.uuid, location_type="region")
            )
        )
        # Shown at once, marked as pending.
        placeholder = await wait_until(
            lambda: next((n for n in pane.tree.nodes.values() if n.uuid.startswith("pending-")), None)
        )
        index = pane.model.index_of(placeholder.uuid)
        assert CREATING in index.data(Qt.ItemDataRole.DisplayRole)
        assert index.data(Qt.ItemDataRole.FontRole).italic()
        assert pane.selected_uuid() == placeholder.uuid
        return await task

    created = qloop.run_until_complete(scenario())
    assert created is not None and not pane.model.is_pending(created.uuid)
    assert not any(u.startswith("pending-") for u in pane.tree.nodes)
    assert env.sim_node(created.uuid).parent_uuid == east.uuid
    assert env.sim_node(created.uuid).location_type == "region"
    assert pane.model.index_of(created.uuid).parent() == pane.model.index_of(east.uuid)


def test_create_dialog_refuses_bad_input_beside_the_field(env, qloop):
    pane = env.pane
    pane.select(env.node_named("Fifth Avenue").uuid)
    before = env.sent("/v2/location/create")
    dialog = pane.open_create_dialog("sublocation")
    dialog.name_edit.setText("   ")
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("display"))
    dialog.area_edit.setText("-4")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible()
    assert dialog.name_error.text() == "A name is required." and not dialog.name_error.isHidden()
    assert "negative" in dialog.area_error.text()
    assert "c62828" in dialog.area_edit.styleSheet()
    dialog.name_edit.setText("x" * 256)
    dialog.area_edit.setText("ten")
    dialog.buttons.accepted.emit()
    assert "255" in dialog.name_error.text() and "number" in dialog.area_error.text()
    dialog.reject()
    qloop.run_until_complete(wait_until(lambda: True))
    assert env.sent("/v2/location/create") == before


def test_region_dialog_offers_only_region_and_stores_cannot_be_created(env, qloop):
    pane = env.pane
    org = pane.tree.organization_uuid
    pane.select(org)
    dialog = pane.open_create_dialog("region")
    assert [dialog.type_combo.itemData(i) for i in range(dialog.type_combo.count())] == ["region"]
    dialog.reject()
    before = env.sent("/v2/location/create")
    result = qloop.run_until_complete(
        pane.controller.create_node(
            LocationCreate(name="Sneaky", parent_uuid=env.node_named("East").uuid, location_type="store")
        )
    )
    assert result is None and "Stores cannot be created" in pane.banner.text()
    result = qloop.run_until_complete(
        pane.controller.create_node(
            LocationCreate(name="Door", parent_uuid=env.node_named("East").uuid, location_type="entrance")
        )
    )
    assert result is None and "region you can create: region" in pane.banner.text()
    assert env.sent("/v2/location/create") == before


def test_refused_create_rolls_back_and_keeps_the_draft(env, qloop):
    pane = env.pane
    store = env.node_named("Boston Back Bay")
    env.sim.faults.add("/v2/location/create", "status", status=400, detail="quota of sublocations reached")
    draft = LocationCreate(name="Kiosk", parent_uuid=store.uuid, location_type="other", area=12.0)
    assert qloop.run_until_complete(pane.controller.create_node(draft)) is None
    assert not any(n.name == "Kiosk" for n in pane.tree.nodes.values())
    assert "quota of sublocations reached" in pane.banner.text()
    assert "quota of sublocations reached" in env.ctx.status.last_error
    pane.select(store.uuid)
    dialog = pane.open_create_dialog("sublocation")
    assert dialog.name_edit.text() == "Kiosk" and dialog.area_edit.text() == "12"
    assert dialog.type_combo.currentData() == "other"
    dialog.reject()


# ------------------------------------------------------------ editing


def test_rename_inline_is_sent_and_reordered(env, qloop):
    pane = env.pane
    store = env.node_named("Willow Glen")
    index = proxy_index(pane, store.uuid)
    pane.select(store.uuid)
    env.sim.faults.add(f"/v2/location/{store.uuid}", "delay", seconds=0.3)

    async def scenario():
        assert pane.proxy.setData(index, "Aardvark Row", Qt.ItemDataRole.EditRole) is False  # a request
        await wait_until(lambda: pane.model.is_pending(store.uuid))
        assert SAVING in pane.model.index_of(store.uuid).data(Qt.ItemDataRole.DisplayRole)
        assert pane.tree.nodes[store.uuid].name == "Aardvark Row"  # shown before the server answers
        await wait_until(lambda: not pane.model.is_pending(store.uuid))

    qloop.run_until_complete(scenario())
    assert env.sim_node(store.uuid).name == "Aardvark Row"
    assert pane.tree.nodes[store.uuid].name == "Aardvark Row"
    assert pane.tree.nodes[store.uuid].store_id == "101"  # extra fields survive the PUT answer
    bay = proxy_index(pane, env.node_named("Bay Area").uuid)
    assert visible_names(pane, bay)[0] == "Aardvark Row"  # sorted again
    assert pane.selected_uuid() == store.uuid


def test_inline_rename_to_blank_is_refused_beside_the_name(env, qloop):
    pane = env.pane
    store = env.node_named("Willow Glen")
    before = env.sent("/v2/location/")
    pane.proxy.setData(proxy_index(pane, store.uuid), "   ", Qt.ItemDataRole.EditRole)
    qloop.run_until_complete(wait_until(lambda: pane.form.field_error("name")))
    assert pane.form.field_error("name") == "A name is required."
    assert pane.form.uuid == store.uuid
    assert env.sent("/v2/location/") == before
    assert pane.tree.nodes[store.uuid].name == "Willow Glen"


def test_edit_area_and_occupancy_limit(env, qloop):
    pane, form = env.pane, env.pane.form
    store = env.node_named("Chicago Loop")
    pane.select(store.uuid)
    form.area_edit.setText("4,250.5")
    form.occupancy_edit.setText("95")
    env.sim.faults.add(f"/v2/location/{store.uuid}", "delay", seconds=0.3)

    async def scenario():
        form.save_button.click()
        await wait_until(lambda: pane.model.is_pending(store.uuid))
        assert form.state_label.text() == SAVING and not form.save_button.isEnabled()
        assert form.name_edit.font().italic()
        await wait_until(lambda: not pane.model.is_pending(store.uuid))

    qloop.run_until_complete(scenario())
    sim_node = env.sim_node(store.uuid)
    assert (sim_node.area, sim_node.occupancy_limit) == (4250.5, 95)
    assert pane.tree.nodes[store.uuid].occupancy_limit == 95
    assert form.occupancy_edit.text() == "95" and form.state_label.text() == "Saved"
    assert not form.is_dirty()


def test_change_sublocation_type(env, qloop):
    pane, form = env.pane, env.pane.form
    plaza = env.node_named("Caspar City Plaza")
    checkout = next(u for u in pane.tree.children_of(plaza.uuid) if pane.tree.nodes[u].name == "Checkout")
    pane.select(checkout)
    form.type_combo.setCurrentIndex(form.type_combo.findData("display"))
    form.submit()
    qloop.run_until_complete(wait_until(lambda: env.sim_node(checkout).location_type == "display"))
    qloop.run_until_complete(wait_until(lambda: form.state_label.text() == "Saved"))
    assert pane.tree.nodes[checkout].location_type == "display"


def test_bad_form_input_refused_beside_the_field_nothing_sent(env, qloop):
    pane, form = env.pane, env.pane.form
    store = env.node_named("Fifth Avenue")
    pane.select(store.uuid)
    before = env.sent("/v2/location/")
    for area, limit, area_msg, limit_msg in [
        ("-10", "0", "negative", "at least 1"),
        ("lots", "12.5", "number", "whole number"),
        ("", "", "cannot be left empty", "cannot be removed"),
    ]:
        form.area_edit.setText(area)
        form.occupancy_edit.setText(limit)
        form.save_button.click()
        assert area_msg in form.field_error("area")
        assert limit_msg in form.field_error("occupancy_limit")
        assert "c62828" in form.area_edit.styleSheet()
        assert not pane.model.is_pending(store.uuid)
    form.name_edit.setText("")
    form.save_button.click()
    assert form.field_error("name") == "A name is required."
    qloop.run_until_complete(wait_until(lambda: True))
    assert env.sent("/v2/location/") == before
    # Nothing changed locally either, and the typed text is still there.
    assert pane.tree.nodes[store.uuid].occupancy_limit == 120
    assert form.occupancy_edit.text() == ""
    form.revert_button.click()
    assert form.occupancy_edit.text() == "120" and form.field_error("area") == ""


def test_refused_edit_rolls_back_and_keeps_the_input(env, qloop):
    pane, form = env.pane, env.pane.form
    store = env.node_named("Brooklyn Heights")
    pane.select(store.uuid)
    env.sim.faults.add(
        f"/v2/location/{store.uuid}", "status", status=400, detail="occupancy_limit exceeds the fire code maximum"
    )
    form.name_edit.setText("Brooklyn Heights Flagship")
    form.occupancy_edit.setText("900")
    seen = record_states(pane, store.uuid)
    form.save_button.click()
    qloop.run_until_complete(wait_until(lambda: "fire code" in form.banner.text()))
    # Applied at once, shown as pending...
    assert (True, "Brooklyn Heights Flagship", True) in seen
    # ...rolled back when refused, with the server's reason shown twice.
    assert pane.tree.nodes[store.uuid].name == "Brooklyn Heights"
    assert pane.tree.nodes[store.uuid].occupancy_limit == 30
    assert env.sim_node(store.uuid).name == "Brooklyn Heights"
    assert "fire code maximum" in form.banner.text() and "still here" in form.banner.text()
    assert not pane.banner.isVisible()  # said once, above the form that holds the edit
    assert "fire code maximum" in env.ctx.status.last_error
    # The user's input is still in the form, ready for another try.
    assert form.name_edit.text() == "Brooklyn Heights Flagship" and form.occupancy_edit.text() == "900"
    assert form.save_button.isEnabled() and form.is_dirty()
    form.occupancy_edit.setText("90")
    form.save_button.click()
    qloop.run_until_complete(wait_until(lambda: form.state_label.text() == "Saved"))
    assert env.sim_node(store.uuid).occupancy_limit == 90
    assert env.sim_node(store.uuid).name == "Brooklyn Heights Flagship"


def test_edit_of_a_node_gone_from_the_server_says_so(env, qloop):
    pane = env.pane
    store = env.node_named("Austin Domain")
    with env.sim.world.lock:
        env.sim.world.nodes.pop(store.uuid)
    ok = qloop.run_until_complete(pane.controller.save_node(store.uuid, LocationUpdate(area=100.0)))
    assert not ok
    assert "no longer exists" in pane.banner.text() and pane.tree.nodes[store.uuid].area == store.area


def test_unsaved_edits_survive_looking_elsewhere(env):
    pane, form = env.pane, env.pane.form
    a, b = env.node_named("Chicago Loop"), env.node_named("Fifth Avenue")
    pane.select(a.uuid)
    form.occupancy_edit.setText("77")
    pane.select(b.uuid)
    assert form.occupancy_edit.text() == "120"
    pane.select(a.uuid)
    assert form.occupancy_edit.text() == "77" and form.state_label.text() == "Unsaved changes"


# ------------------------------------------------------------ moving


def test_move_via_picker_lists_only_valid_targets(env, qloop):
    pane = env.pane
    tree = pane.tree
    entrance = next(
        u for u in tree.children_of(env.node_named("Chicago Loop").uuid) if tree.nodes[u].name == "Main Entrance"
    )
    dialog = pane.open_move_dialog(entrance)
    targets = dialog.targets()
    assert targets and all(tree.nodes[t].is_store and not tree.nodes[t].archived for t in targets)
    assert env.node_named("Chicago Loop").uuid not in targets  # already there
    dialog.reject()

    region = env.node_named("Bay Area")
    dialog = pane.open_move_dialog(region.uuid)
    targets = set(dialog.targets())
    assert targets == set(valid_move_targets(tree, region.uuid))
    assert tree.organization_uuid in targets and env.node_named("East").uuid in targets
    assert region.uuid not in targets and region.parent_uuid not in targets  # itself, current parent
    assert not any(tree.nodes[t].is_store for t in targets)
    dialog.reject()

    store = env.node_named("Portland Pearl")
    central = env.node_named("Central")
    pane.select(store.uuid)
    dialog = pane.open_move_dialog()
    assert all(tree.nodes[t].is_region or t == tree.organization_uuid for t in dialog.targets())
    assert dialog.select_target(central.uuid)
    dialog.accept()
    qloop.run_until_complete(
        wait_until(
            lambda: pane.tree.nodes[store.uuid].parent_uuid == central.uuid and not pane.model.is_pending(store.uuid)
        )
    )
    assert env.sim_node(store.uuid).parent_uuid == central.uuid
    index = proxy_index(pane, store.uuid)
    assert index.parent() == proxy_index(pane, central.uuid)
    assert pane.selected_uuid() == store.uuid  # the selection followed


def test_move_by_drop_on_the_model(env, qloop):
    pane = env.pane
    plaza, loop_store = env.node_named("Caspar City Plaza"), env.node_named("Chicago Loop")
    table = next(u for u in pane.tree.children_of(plaza.uuid) if pane.tree.nodes[u].name == "Front Table")
    source = proxy_index(pane, table)
    data = pane.proxy.mimeData([source])
    assert data.hasFormat(MIME_TYPE)
    target = proxy_index(pane, loop_store.uuid)
    # Not allowed: a sublocation onto a region, or a region into its own child.
    assert not pane.proxy.canDropMimeData(
        data, Qt.DropAction.MoveAction, -1, -1, proxy_index(pane, env.node_named("East").uuid)
    )
    west_data = pane.proxy.mimeData([proxy_index(pane, env.node_named("West").uuid)])
    assert not pane.proxy.canDropMimeData(
        west_data, Qt.DropAction.MoveAction, -1, -1, proxy_index(pane, env.node_named("Bay Area").uuid)
    )
    assert pane.proxy.canDropMimeData(data, Qt.DropAction.MoveAction, -1, -1, target)
    env.sim.faults.add(f"/v2/location/{table}", "delay", seconds=0.3)

    async def scenario():
        # False: the view must not delete the dragged row; the pane moves it.
        assert pane.proxy.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, target) is False
        pane.move_prompt.button(QMessageBox.StandardButton.Yes).click()  # "Move “Front Table” under …?"
        await wait_until(lambda: pane.model.is_pending(table))
        assert pane.tree.nodes[table].parent_uuid == loop_store.uuid  # shown moved at once
        assert MOVING in pane.model.index_of(table).data(Qt.ItemDataRole.DisplayRole)
        await wait_until(lambda: not pane.model.is_pending(table))

    qloop.run_until_complete(scenario())
    assert env.sim_node(table).parent_uuid == loop_store.uuid
    assert proxy_index(pane, table).parent() == proxy_index(pane, loop_store.uuid)


def test_refused_move_rolls_back(env, qloop):
    pane = env.pane
    store = env.node_named("Miami Brickell")
    east, europe = env.node_named("East"), env.node_named("Europe")
    env.sim.faults.add(f"/v2/location/{store.uuid}", "status", status=422, detail="store is locked by an audit")
    ok = qloop.run_until_complete(pane.controller.move_node(store.uuid, europe.uuid))
    assert not ok
    assert pane.tree.nodes[store.uuid].parent_uuid == east.uuid
    assert proxy_index(pane, store.uuid).parent() == proxy_index(pane, east.uuid)
    assert env.sim_node(store.uuid).parent_uuid == east.uuid
    assert "locked by an audit" in pane.banner.text()
    # A move the rules forbid is not even sent.
    before = env.sent("/v2/location/")
    plaza = env.node_named("Caspar City Plaza")
    assert not qloop.run_until_complete(pane.controller.move_node(plaza.uuid, store.uuid))
    assert "only go under a region" in pane.banner.text()
    assert env.sent("/v2/location/") == before


# ------------------------------------------------------------ refresh and network


def test_refresh_keeps_selection_and_expansion_and_sees_server_changes(env, qloop):
    pane = env.pane
    plaza = env.node_named("Caspar City Plaza")
    pane.select(plaza.uuid)
    pane.view.expand(proxy_index(pane, plaza.uuid))
    with env.sim.world.lock:
        env.sim.world.nodes[plaza.uuid].name = "Caspar City Plaza (renovated)"
    assert qloop.run_until_complete(pane.controller.reload())
    assert pane.tree.nodes[plaza.uuid].name == "Caspar City Plaza (renovated)"
    assert pane.selected_uuid() == plaza.uuid
    assert pane.view.isExpanded(proxy_index(pane, plaza.uuid))
    assert pane.form.name_edit.text() == "Caspar City Plaza (renovated)"


def test_network_error_gives_a_clear_message_and_keeps_the_edit(env, qloop):
    pane, form = env.pane, env.pane.form
    store = env.node_named("Boston Back Bay")
    pane.select(store.uuid)
    env.sim.stop()
    form.occupancy_edit.setText("66")
    form.save_button.click()
    qloop.run_until_complete(wait_until(lambda: "could not be reached" in form.banner.text(), timeout=20))
    assert not pane.model.is_pending(store.uuid)
    assert "could not be reached" in env.ctx.status.last_error
    assert pane.tree.nodes[store.uuid].occupancy_limit == 55
    assert form.occupancy_edit.text() == "66"
    assert not qloop.run_until_complete(pane.controller.reload())
    assert "Could not load the locations" in pane.banner.text()
    assert len(pane.tree) > 0  # the tree already shown stays


def test_follows_and_sets_the_shared_store(env):
    pane, stores = env.pane, env.ctx.stores
    live = [n for n in pane.tree.nodes.values() if n.is_store and not n.archived]
    stores.set_stores(live)
    chicago, boston = env.node_named("Chicago Loop"), env.node_named("Boston Back Bay")
    stores.set_current(chicago.uuid)
    assert pane.selected_uuid() == chicago.uuid and pane.form.uuid == chicago.uuid
    pane.select(boston.uuid)
    assert stores.current().uuid == boston.uuid
    # Areas and regions leave the shared store alone; an archived store is not offered.
    pane.select(pane.tree.children_of(boston.uuid)[0])
    pane.select(env.node_named("East").uuid)
    assert stores.current().uuid == boston.uuid
    pane.archived_toggle.setChecked(True)
    pane.select(env.node_named("Old Town (closed)").uuid)
    assert stores.current().uuid == boston.uuid


def test_wrong_keys_are_reported_plainly(env, qloop):
    from storeops.api.client import RetailNextClient
    from storeops.services.locations import LocationsService

    pane = env.pane
    bad = RetailNextClient(env.sim.url, "test-access-key", "not-the-secret")
    pane.controller.service = LocationsService(bad)
    try:
        assert not qloop.run_until_complete(pane.controller.reload())
    finally:
        qloop.run_until_complete(bad.aclose())
    assert "access key or secret key was refused" in pane.banner.text()
    assert "not-the-secret" not in pane.banner.text() and "not-the-secret" not in env.ctx.status.last_error
    assert len(pane.tree) > 0


def test_malformed_answer_keeps_the_tree_and_says_so(env, qloop):
    pane = env.pane
    shown = len(pane.tree)
    env.sim.faults.add("/v2/location", "malformed", count=5)
    assert not qloop.run_until_complete(pane.controller.reload())
    assert "Could not load the locations" in pane.banner.text()
    assert len(pane.tree) == shown and pane.proxy.rowCount() == 1
    env.sim.faults.clear()
    assert qloop.run_until_complete(pane.controller.reload())
    assert not pane.banner.isVisible()


# ------------------------------------------------------------ a pane dropped mid-request


@pytest.mark.parametrize("action", ["refresh", "rename", "create"])
def test_an_answer_for_a_dropped_pane_lands_nowhere(qtbot, qloop, fresh_sim, action):
    """A reconnect drops the pane (shutdown, then Qt deletes it) while an answer is on its
    way; the answer must not reach the deleted widgets (a chaos run saw the crash dialog
    after F5 then a reconnect)."""
    from shiboken6 import isValid

    from storeops.api.client import RetailNextClient
    from storeops.settings import Settings
    from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
    from storeops.ui.locations.pane import LocationsPane, create_pane
    from tests.conftest import ACCESS_KEY, SECRET_KEY

    client = RetailNextClient(fresh_sim.url, ACCESS_KEY, SECRET_KEY)
    ctx = PaneContext(client=client, stores=StoreSelection(), status=StatusReporter(), settings=Settings())
    window = QWidget()  # the window stays, as the main window does when a pane is dropped
    qtbot.addWidget(window)
    pane = create_pane(ctx)
    assert isinstance(pane, LocationsPane)
    pane.setParent(window)
    window.show()
    qloop.run_until_complete(wait_until(pane.loaded.is_set))
    store = next(n for n in pane.tree.nodes.values() if n.name == "Willow Glen")
    controller = pane.controller
    assert controller is not None
    fresh_sim.faults.add("/v2/location", "delay", seconds=2.0)
    errors: list[object] = []
    qloop.set_exception_handler(lambda _loop, context: errors.append(context))

    async def scenario():
        task: asyncio.Future[object]
        if action == "refresh":
            task = asyncio.ensure_future(controller.reload())
        elif action == "rename":
            task = asyncio.ensure_future(controller.rename_node(store.uuid, "Aardvark Row"))
        else:
            draft = LocationCreate(name="Kiosk 9", location_type="other", parent_uuid=store.uuid)
            task = asyncio.ensure_future(controller.create_node(draft))
        await asyncio.sleep(0.2)  # sent; the answer is 2 s away
        pane.shutdown()
        pane.deleteLater()
        await wait_until(lambda: not isValid(pane))
        try:
            return await task
        finally:
            await client.aclose()

    try:
        result = qloop.run_until_complete(scenario())
    finally:
        qloop.set_exception_handler(None)
    assert not errors
    with fresh_sim.world.lock:
        nodes = dict(fresh_sim.world.nodes)
    if action == "refresh":
        assert result is False
    elif action == "rename":
        assert result is True and nodes[store.uuid].name == "Aardvark Row"
    else:
        assert result is not None and nodes[result.uuid].name == "Kiosk 9"
