"""Defects a first-time walkthrough of the Locations pane found: quitting with
unsaved edits, drag-moves without a word, no undo, a highlight on the wrong
row, archived nodes that looked editable, numbers written two ways, a filter
box that squeezed to nothing, keys that did not reach the results, a focus
ring one could not see. Each test failed before its fix."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from storeops import resources
from storeops.api.client import RetailNextClient
from storeops.api.models import LocationCreate, LocationUpdate
from storeops.settings import Settings
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from storeops.ui.locations.pane import LocationsPane
from storeops.ui.main_window import MainWindow
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import not_none, wait_until
from tests.ui.locations_env import FAST_RETRY, close_env, make_env

pytestmark = pytest.mark.gui
_ROOT = QModelIndex()
Btn = QMessageBox.StandardButton


@pytest.fixture
def env(qtbot, qloop, fresh_sim):
    e = make_env(qtbot, qloop, fresh_sim)
    try:
        yield e
    finally:
        close_env(qloop, e)


class WindowEnv:
    def __init__(self, window: MainWindow, pane: LocationsPane, client, sim):
        self.window, self.pane, self.client, self.sim = window, pane, client, sim
        self.closed: list[int] = []
        window.closing.connect(lambda: self.closed.append(1))

    def node_named(self, name: str):
        return next(n for n in self.pane.tree.nodes.values() if n.name == name)

    def sim_node(self, uuid: str):
        with self.sim.world.lock:
            return self.sim.world.nodes.get(uuid)


@pytest.fixture
def win(qtbot, qloop, fresh_sim):
    """The real main window with the Locations pane as the shell creates it."""
    client = RetailNextClient(fresh_sim.url, ACCESS_KEY, SECRET_KEY, retry=FAST_RETRY)
    settings = Settings()
    settings.last_pane = "locations"
    ctx = PaneContext(client=client, stores=StoreSelection(), status=StatusReporter(), settings=settings)
    window = MainWindow(settings, ctx.stores, ctx.status)
    qtbot.addWidget(window)
    window.panes.set_context(ctx)
    pane = window.panes.pane("locations")
    assert isinstance(pane, LocationsPane)
    # As the app: closing the window must not stop the loop a save runs in.
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    quit_on_close = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    window.show()
    qloop.run_until_complete(wait_until(pane.loaded.is_set))
    try:
        yield WindowEnv(window, pane, client, fresh_sim)
    finally:
        qapp.setQuitOnLastWindowClosed(quit_on_close)
        window.panes.set_context(None)
        qloop.run_until_complete(client.aclose())


def proxy_index(pane, uuid):
    return pane.proxy.mapFromSource(pane.model.index_of(uuid))


def prompt_text(box: QMessageBox) -> str:
    return f"{box.text()} {box.informativeText()}"


# ------------------------------------------------------------ 4: quitting with unsaved edits


def test_quit_with_an_unsaved_edit_asks_and_cancel_keeps_the_app_and_the_edit(win):
    pane, form = win.pane, win.pane.form
    store = win.node_named("Chicago Loop")
    pane.select(store.uuid)
    form.area_edit.setText("7,000")
    assert pane.has_unsaved_changes()
    win.window.quit_action.trigger()  # Ctrl+Q
    box = win.window.close_guard.prompt
    assert box is not None and box.isVisible()
    assert "Chicago Loop" in prompt_text(box)
    assert {box.standardButton(b) for b in box.buttons()} == {Btn.Save, Btn.Discard, Btn.Cancel}
    assert win.window.isVisible() and not win.closed
    box.button(Btn.Cancel).click()
    assert win.window.close_guard.prompt is None
    assert win.window.isVisible() and not win.closed
    assert form.area_edit.text() == "7,000" and pane.has_unsaved_changes()


def test_quit_save_saves_then_quits(win, qloop):
    pane, form = win.pane, win.pane.form
    store = win.node_named("Chicago Loop")
    pane.select(store.uuid)
    form.area_edit.setText("7,000")
    win.window.close()
    win.window.close_guard.prompt.button(Btn.Save).click()
    qloop.run_until_complete(wait_until(lambda: win.closed))
    assert win.sim_node(store.uuid).area == 7000


def test_quit_save_refused_keeps_the_app_open_with_the_message(win, qloop):
    pane, form = win.pane, win.pane.form
    store = win.node_named("Brooklyn Heights")
    pane.select(store.uuid)
    win.sim.faults.add(f"/v2/location/{store.uuid}", "status", status=400, detail="locked by an audit")
    form.occupancy_edit.setText("44")
    win.window.close()
    win.window.close_guard.prompt.button(Btn.Save).click()
    qloop.run_until_complete(wait_until(lambda: "locked by an audit" in form.banner.text()))
    assert win.window.isVisible() and not win.closed
    assert form.occupancy_edit.text() == "44" and pane.has_unsaved_changes()
    assert win.sim_node(store.uuid).occupancy_limit == 30


def test_quit_asks_about_an_edit_left_on_another_node_and_discard_quits(win, qloop):
    pane, form = win.pane, win.pane.form
    a, b = win.node_named("Chicago Loop"), win.node_named("Fifth Avenue")
    pane.select(a.uuid)
    form.occupancy_edit.setText("77")
    pane.select(b.uuid)  # the edit of Chicago Loop is kept aside, not lost
    assert pane.has_unsaved_changes()
    win.window.close()
    box = win.window.close_guard.prompt
    assert "Chicago Loop" in prompt_text(box)
    box.button(Btn.Discard).click()
    assert win.closed
    assert win.sim_node(a.uuid).occupancy_limit == a.occupancy_limit


def test_quit_save_saves_edits_left_on_other_nodes(win, qloop):
    pane, form = win.pane, win.pane.form
    a, b = win.node_named("Chicago Loop"), win.node_named("Fifth Avenue")
    pane.select(a.uuid)
    form.occupancy_edit.setText("77")
    pane.select(b.uuid)
    form.occupancy_edit.setText("1,500")
    win.window.close()
    win.window.close_guard.prompt.button(Btn.Save).click()
    qloop.run_until_complete(wait_until(lambda: win.closed))
    assert win.sim_node(a.uuid).occupancy_limit == 77
    assert win.sim_node(b.uuid).occupancy_limit == 1500


def test_quit_without_edits_does_not_ask(win):
    win.window.close()
    assert win.window.close_guard.prompt is None and win.closed


# ------------------------------------------------------------ 6: drag-move confirmation, undo


def drop(pane, uuid, target):
    data = pane.proxy.mimeData([proxy_index(pane, uuid)])
    return pane.proxy.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, proxy_index(pane, target))


def test_drag_move_asks_first_and_can_be_undone(env, qloop):
    pane = env.pane
    store = env.node_named("Portland Pearl")
    central = env.node_named("Central")
    assert store.parent_uuid != central.uuid
    before = env.sent("/v2/location/")
    drop(pane, store.uuid, central.uuid)
    box = pane.move_prompt
    assert box is not None and box.isVisible()
    assert "Move “Portland Pearl” under “Central”?" in box.text()
    box.button(Btn.Cancel).click()
    qloop.run_until_complete(wait_until(lambda: True))
    assert env.sent("/v2/location/") == before
    assert pane.tree.nodes[store.uuid].parent_uuid == store.parent_uuid

    drop(pane, store.uuid, central.uuid)
    pane.move_prompt.button(Btn.Yes).click()
    qloop.run_until_complete(
        wait_until(
            lambda: env.sim_node(store.uuid).parent_uuid == central.uuid and not pane.model.is_pending(store.uuid)
        )
    )
    assert pane.banner.action_button.text() == "Undo" and pane.banner.action_button.isVisible()

    # Ctrl+Z in the pane sends the inverse move.
    pane.view.setFocus()
    pane.undo_action.trigger()
    qloop.run_until_complete(
        wait_until(
            lambda: env.sim_node(store.uuid).parent_uuid == store.parent_uuid and not pane.model.is_pending(store.uuid)
        )
    )
    assert pane.tree.nodes[store.uuid].parent_uuid == store.parent_uuid
    assert proxy_index(pane, store.uuid).parent() == proxy_index(pane, store.parent_uuid)


def test_undo_button_after_an_area_edit_puts_the_old_value_back(env, qloop):
    pane, form = env.pane, env.pane.form
    store = env.node_named("Chicago Loop")
    pane.select(store.uuid)
    old_area = store.area
    form.area_edit.setText("9,999")
    form.save_button.click()
    qloop.run_until_complete(wait_until(lambda: form.state_label.text() == "Saved"))
    assert env.sim_node(store.uuid).area == 9999
    assert pane.banner.action_button.isVisible()
    pane.banner.action_button.click()
    qloop.run_until_complete(wait_until(lambda: env.sim_node(store.uuid).area == old_area))
    qloop.run_until_complete(wait_until(lambda: not pane.model.is_pending(store.uuid)))
    assert pane.tree.nodes[store.uuid].area == old_area
    assert form.area_edit.text() == f"{old_area:,.10g}"
    assert "Undone" in pane.banner.text()


def test_undo_takes_back_the_newest_edit_only(env, qloop):
    pane = env.pane
    store = env.node_named("Chicago Loop")
    qloop.run_until_complete(pane.controller.rename_node(store.uuid, "Chicago Loop East"))
    qloop.run_until_complete(pane.controller.rename_node(store.uuid, "Chicago Loop West"))  # the newest edit wins
    qloop.run_until_complete(pane.controller.undo_last())
    assert env.sim_node(store.uuid).name == "Chicago Loop East"


# ------------------------------------------------------------ 8: selection, archived, numbers, size


def test_after_create_under_a_filter_the_tree_selects_the_node_the_form_shows(env, qloop):
    pane = env.pane
    store = env.node_named("Chicago Loop")
    pane.filter_edit.setText("chicago")
    pane.apply_filter()
    pane.select(store.uuid)
    created = qloop.run_until_complete(
        pane.controller.create_node(LocationCreate(name="Zeta Door", parent_uuid=store.uuid, location_type="entrance"))
    )
    assert created is not None
    assert pane.form.uuid == created.uuid
    assert pane.selected_uuid() == created.uuid
    rows = [pane.model.uuid(pane.proxy.mapToSource(i)) for i in pane.view.selectionModel().selectedRows()]
    assert rows == [created.uuid]
    rect = pane.view.visualRect(proxy_index(pane, created.uuid))
    assert pane.view.viewport().rect().intersects(rect)


def test_after_a_move_the_moved_node_stays_selected_and_in_view(env, qloop):
    pane = env.pane
    store = env.node_named("Willow Glen")
    pane.filter_edit.setText("willow")
    pane.apply_filter()
    pane.select(store.uuid)
    assert qloop.run_until_complete(pane.controller.move_node(store.uuid, env.node_named("Central").uuid))
    qloop.run_until_complete(wait_until(lambda: True))
    assert pane.selected_uuid() == store.uuid == pane.form.uuid
    rect = pane.view.visualRect(proxy_index(pane, store.uuid))
    assert rect.isValid() and pane.view.viewport().rect().intersects(rect)


def test_archived_nodes_are_read_only_and_say_so(env, qloop):
    pane, form = env.pane, env.pane.form
    pane.archived_toggle.setChecked(True)
    old_town = env.node_named("Old Town (closed)")
    area = next(iter(pane.tree.children_of(old_town.uuid)))
    for uuid in (old_town.uuid, area):
        assert pane.select(uuid)
        assert form.archived_note.isVisible() and "Archived — read only" in form.archived_note.text()
        assert form.name_edit.isReadOnly() or not form.name_edit.isEnabled()
        assert not form.save_button.isEnabled()
    before = env.sent("/v2/location/")
    form.name_edit.setText("Sneaky")
    form.submit()
    qloop.run_until_complete(wait_until(lambda: True))
    assert env.sent("/v2/location/") == before
    pane.select(env.node_named("Chicago Loop").uuid)
    assert not form.archived_note.isVisible() and form.save_button.isEnabled()


def test_numbers_have_thousands_separators_and_are_accepted_typed_so(env, qloop):
    pane, form = env.pane, env.pane.form
    store = env.node_named("Chicago Loop")
    with env.sim.world.lock:
        env.sim.world.nodes[store.uuid].occupancy_limit = 1000
        env.sim.world.nodes[store.uuid].area = 6427.0
    assert qloop.run_until_complete(pane.controller.reload())
    pane.select(store.uuid)
    assert form.area_edit.text() == "6,427"
    assert form.occupancy_edit.text() == "1,000"
    assert not form.is_dirty()
    tip = pane.model.index_of(store.uuid).data(Qt.ItemDataRole.ToolTipRole)
    assert "6,427 sq ft" in tip and "limit 1,000" in tip
    form.occupancy_edit.setText("1,250")
    form.save_button.click()
    qloop.run_until_complete(wait_until(lambda: form.state_label.text() == "Saved"))
    assert env.sim_node(store.uuid).occupancy_limit == 1250
    assert form.occupancy_edit.text() == "1,250"


def test_window_and_pane_have_a_minimum_size_that_keeps_the_filter_usable(win, qtbot):
    win.window.resize(300, 200)
    qtbot.waitUntil(lambda: win.window.width() >= 900)
    assert win.window.minimumWidth() >= 900 and win.window.minimumHeight() >= 560
    assert win.pane.filter_edit.width() >= 240


# ------------------------------------------------------------ 9: keyboard


def activate(qtbot, widget):
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window())


def test_down_in_the_filter_moves_to_the_first_match_and_enter_selects_it(env, qtbot):
    pane = env.pane
    activate(qtbot, pane)
    pane.filter_edit.setFocus()
    qtbot.keyClicks(pane.filter_edit, "willow")
    qtbot.keyClick(pane.filter_edit, Qt.Key.Key_Down)
    assert pane.view.hasFocus()
    assert pane.selected_uuid() == env.node_named("Willow Glen").uuid

    pane.filter_edit.setFocus()
    pane.filter_edit.clear()
    qtbot.keyClicks(pane.filter_edit, "brooklyn")
    qtbot.keyClick(pane.filter_edit, Qt.Key.Key_Return)
    assert pane.selected_uuid() == env.node_named("Brooklyn Heights").uuid
    assert pane.form.name_edit.text() == "Brooklyn Heights"


def test_enter_in_the_move_picker_takes_a_single_match(env, qloop, qtbot):
    pane = env.pane
    store = env.node_named("Portland Pearl")
    dialog = pane.open_move_dialog(store.uuid)
    needle = "europe"
    qtbot.keyClicks(dialog.filter_edit, needle)
    shown = [dialog.list.item(i) for i in range(dialog.list.count()) if not dialog.list.item(i).isHidden()]
    assert len(shown) == 1
    target = shown[0].data(Qt.ItemDataRole.UserRole)
    qtbot.keyClick(dialog.filter_edit, Qt.Key.Key_Return)
    qloop.run_until_complete(
        wait_until(lambda: env.sim_node(store.uuid).parent_uuid == target and not pane.model.is_pending(store.uuid))
    )


def test_the_stylesheet_gives_focused_controls_a_clear_ring():
    qss = resources.read_text("style.qss")
    rules = re.findall(r"([^{}]*:focus[^{}]*)\{([^}]*)\}", qss)
    focused = " ".join(selector for selector, _ in rules)
    for widget in ("QLineEdit", "QTreeView", "QPushButton", "QComboBox"):
        assert f"{widget}:focus" in focused
    assert all(re.search(r"border:\s*2px solid", body) for _, body in rules if "QLineEdit:focus" in _)


def test_saving_keeps_keyboard_focus_in_the_form(env, qloop, qtbot):
    """Disabling the focused field while saving pushed focus to the next control
    of the window (in the app: the store selector, where typing changes the store)."""
    pane, form = env.pane, env.pane.form
    store = env.node_named("Chicago Loop")
    pane.select(store.uuid)
    activate(qtbot, pane)
    form.area_edit.setFocus()
    form.area_edit.selectAll()
    qtbot.keyClicks(form.area_edit, "5,000")
    env.sim.faults.add(f"/v2/location/{store.uuid}", "delay", seconds=0.3)
    seen = []

    async def scenario():
        qtbot.keyClick(form.area_edit, Qt.Key.Key_Return)  # Enter saves
        await wait_until(lambda: pane.model.is_pending(store.uuid))
        seen.append(QApplication.focusWidget())
        await wait_until(lambda: form.state_label.text() == "Saved")

    qloop.run_until_complete(scenario())
    assert QApplication.focusWidget() is form.area_edit
    assert seen[0] is form  # parked on the form, not on another control


def test_undo_message_says_what_is_back(env, qloop):
    pane = env.pane
    store = env.node_named("Portland Pearl")
    old_parent = pane.tree.nodes[store.parent_uuid].name
    assert qloop.run_until_complete(pane.controller.move_node(store.uuid, env.node_named("Europe").uuid))
    assert "under “Europe”" in pane.banner.text()
    assert qloop.run_until_complete(pane.controller.undo_last())
    assert f"back under “{old_parent}”" in pane.banner.text()


def test_edits_set_aside_on_another_node_are_marked_in_the_tree(env):
    """Selecting another node keeps the edit (asked about on quit); the tree says
    which nodes hold one, so it is not forgotten."""
    pane, form = env.pane, env.pane.form
    a, b = env.node_named("Chicago Loop"), env.node_named("Fifth Avenue")
    pane.select(a.uuid)
    form.occupancy_edit.setText("77")
    pane.select(b.uuid)
    shown = pane.model.index_of(a.uuid).data(Qt.ItemDataRole.DisplayRole)
    assert shown == "Chicago Loop  — unsaved changes"
    assert "not saved" in pane.model.index_of(a.uuid).data(Qt.ItemDataRole.ToolTipRole)
    pane.select(a.uuid)  # back in the form: the form says "Unsaved changes" itself
    assert pane.model.index_of(a.uuid).data(Qt.ItemDataRole.DisplayRole) == "Chicago Loop"
    assert form.state_label.text() == "Unsaved changes"


def test_move_picker_says_when_the_filter_matches_nothing(env, qtbot):
    pane = env.pane
    dialog = pane.open_move_dialog(env.node_named("Europe").uuid)  # cannot go under itself
    qtbot.keyClicks(dialog.filter_edit, "europe")
    assert not dialog.shown_items()
    assert dialog.empty_label.isVisible() and "No destination matches “europe”" in dialog.empty_label.text()
    dialog.filter_edit.clear()
    assert not dialog.empty_label.isVisible()
    dialog.reject()


def test_shutdown_stops_listening_to_the_shared_store_and_status(env, qloop):
    """The pane host drops panes on a new connection (storeops/ui/pane.py contract)."""
    from storeops.ui.pane import Pane

    pane: LocationsPane = env.pane
    stores, status = env.ctx.stores, env.ctx.status
    assert isinstance(pane, Pane)
    live = [n for n in pane.tree.nodes.values() if n.is_store and not n.archived]
    stores.set_stores(live)
    chicago, boston = env.node_named("Chicago Loop"), env.node_named("Boston Back Bay")
    pane.select(chicago.uuid)
    store = env.node_named("Fifth Avenue")
    env.sim.faults.add(f"/v2/location/{store.uuid}", "status", status=400, detail="refused late")
    task = qloop.create_task(not_none(pane.controller).save_node(store.uuid, LocationUpdate(area=10.0)))
    pane.deactivate()
    pane.shutdown()
    stores.set_current(boston.uuid)
    assert pane.selected_uuid() == chicago.uuid  # no longer follows
    assert qloop.run_until_complete(task) is False
    assert "refused late" in pane.banner.text()  # said in the dropped view only
    assert not (status.last_error or "").count("refused late")
    pane.activate()
