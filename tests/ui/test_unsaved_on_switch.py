"""Switching account (or reconnecting because the account in use was edited) replaces
every pane: unsaved Locations edits are asked about first, as on quit — Save, Discard
or Cancel — and Cancel keeps the connection, the account in use and the edits. Before
the fix the panes were dropped, edits and all, without a word."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QMessageBox

from storeops.settings import Settings
from storeops.ui.dialogs.accounts import AccountsDialog
from storeops.ui.locations.pane import LocationsPane
from tests.conftest import SECRET_KEY, pinned_clock
from tests.helpers import wait_until
from tests.ui.shell_env import profile_settings

pytestmark = pytest.mark.gui
Btn = QMessageBox.StandardButton
STORE = "Chicago Loop"


def settings_on(url: str) -> Settings:
    settings = profile_settings(url)
    settings.last_pane = "locations"
    settings.save()
    return settings


async def edit_area(app) -> tuple[LocationsPane, str]:
    """The Locations pane of the live connection, with the store's area typed, not saved."""
    await wait_until(app.connected.is_set, timeout=30)
    pane = app.window.panes.pane("locations")
    assert isinstance(pane, LocationsPane)
    await wait_until(pane.loaded.is_set, timeout=30)
    store = next(n for n in pane.tree.nodes.values() if n.name == STORE)
    pane.select(store.uuid)
    pane.form.area_edit.setText("7,000")
    assert pane.has_unsaved_changes()
    return pane, store.uuid


def prompt(app) -> QMessageBox:
    box = app.window.close_guard.prompt
    assert box is not None and box.isVisible(), "no question about the unsaved edit"
    assert STORE in box.informativeText()
    assert {box.standardButton(b) for b in box.buttons()} == {Btn.Save, Btn.Discard, Btn.Cancel}
    return box


def sim_area(sim, uuid: str):
    with sim.world.lock:
        return sim.world.nodes[uuid].area


def test_cancel_keeps_the_connection_the_account_and_the_edit(run_app, sim, memory_keyring):
    async def body(app):
        pane, uuid = await edit_area(app)
        client, in_use = app.client, app.settings.active_profile_id
        area = sim_area(sim, uuid)
        app.use_profile(None)  # Accounts › Use demo data
        box = prompt(app)
        assert "switching account" in box.text()
        assert app.client is client and app.window.panes.pane("locations") is pane  # nothing dropped yet
        box.button(Btn.Cancel).click()
        await asyncio.sleep(0.3)  # a reconnect, had one started, would have dropped the pane by now
        assert app.window.close_guard.prompt is None
        assert app.client is client and app.connected.is_set() and not app.demo
        assert app.window.panes.pane("locations") is pane
        assert pane.form.area_edit.text() == "7,000" and pane.has_unsaved_changes()
        assert app.settings.active_profile_id == in_use
        await wait_until(lambda: Settings.load().active_profile_id == in_use)  # and so starts the next run
        assert sim_area(sim, uuid) == area

    run_app(settings_on(sim.url), body)


def test_discard_switches_without_saving(run_app, sim, memory_keyring):
    async def body(app):
        pane, uuid = await edit_area(app)
        area = sim_area(sim, uuid)
        app.use_profile(None)
        prompt(app).button(Btn.Discard).click()
        await wait_until(lambda: app.connected.is_set() and app.demo, timeout=30)
        assert app.window.panes.created().get("locations") is not pane
        assert app.settings.active_profile_id is None
        assert sim_area(sim, uuid) == area

    run_app(settings_on(sim.url), body)


def test_save_saves_on_the_old_connection_then_switches(run_app, fresh_sim, memory_keyring):
    async def body(app):
        _pane, uuid = await edit_area(app)
        app.use_profile(None)
        prompt(app).button(Btn.Save).click()
        await wait_until(lambda: app.connected.is_set() and app.demo, timeout=30)
        assert sim_area(fresh_sim, uuid) == 7000

    run_app(settings_on(fresh_sim.url), body)


def test_accounts_dialog_cancel_shows_the_account_still_in_use(run_app, sim, memory_keyring):
    async def body(app):
        pane, _uuid = await edit_area(app)
        client = app.client
        notes: list[str] = []
        app.reporter.info_reported.connect(notes.append)
        app.window.accounts_action.trigger()
        dialog = app._dialogs[-1]
        assert isinstance(dialog, AccountsDialog)
        assert "(in use)" in dialog.list.item(0).text()
        dialog.demo_button.click()
        await wait_until(lambda: app.window.close_guard.prompt is not None)
        box = prompt(app)
        assert box.parentWidget() == dialog  # over the dialog, not hidden behind it
        box.button(Btn.Cancel).click()
        assert "(in use)" in dialog.list.item(0).text()
        assert app.settings.active_profile_id is not None
        assert app.client is client and pane.has_unsaved_changes()

        # The account in use edited (a new secret key): reconnecting asks the same way.
        dialog.edits["secret_key"].setText(SECRET_KEY)
        dialog.save_button.click()
        await wait_until(lambda: app.window.close_guard.prompt is not None)
        box = prompt(app)
        assert "reconnecting" in box.text()
        box.button(Btn.Cancel).click()
        await asyncio.sleep(0.3)
        assert app.client is client and pane.has_unsaved_changes()
        assert any("next connects" in note for note in notes)
        dialog.close()

    run_app(settings_on(sim.url), body)


def test_choosing_the_connection_already_in_use_drops_nothing(run_app, memory_keyring):
    """ "Use demo data" while on demo data: no reconnect, so no question and no lost edit."""

    async def body(app):
        pane, _uuid = await edit_area(app)
        assert app.demo
        client = app.client
        app.use_profile(None)
        await asyncio.sleep(0.3)
        assert app.window.close_guard.prompt is None
        assert app.client is client and app.window.panes.pane("locations") is pane and pane.has_unsaved_changes()

    settings = Settings.load()
    settings.last_pane = "locations"
    run_app(settings, body, demo_clock=pinned_clock())
