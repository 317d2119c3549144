"""The main window against the real simulator: sidebar and shortcuts, the panes it
hosts, the store selector, F5 / F1 / Ctrl+,."""

from __future__ import annotations

import asyncio
import dataclasses
import functools

import pytest
from PySide6.QtGui import QKeySequence

from storeops.api.models import Location
from storeops.config import app_dirs
from storeops.settings import Settings
from storeops.ui.sidebar import PANES
from tests.helpers import wait_until
from tests.ui.shell_env import open_stores, profile_settings

pytestmark = pytest.mark.gui


def test_sidebar_and_shortcuts_switch_panes(run_app, sim, memory_keyring):
    from storeops.ui.placeholder import Placeholder

    async def body(app):
        w = app.window
        seen = {}
        for row, pane in enumerate(PANES):
            w.sidebar.setCurrentRow(row)
            widget = w.panes.currentWidget()
            assert widget is w.panes.pane(pane.key)
            assert w.panes.current_key == pane.key
            seen[pane.key] = widget
            await asyncio.sleep(0.05)
        assert len({id(v) for v in seen.values()}) == len(PANES)
        # Panes still to come say so in words (no blank page).
        for pane in PANES:
            if pane.module is None:
                assert "later release" in seen[pane.key].text.text(), pane.key
        # Pane modules that exist load for real (not a placeholder).
        for pane in PANES:
            if pane.module and w.panes.module(pane.key) is not None:
                assert not isinstance(seen[pane.key], Placeholder), pane.key
        # Ctrl+1..5 are bound to the panes, in sidebar order.
        for number, action in enumerate(w.pane_actions, start=1):
            assert action.shortcut() == QKeySequence(f"Ctrl+{number}")
        w.pane_actions[1].trigger()
        assert w.panes.current_key == "occupancy" and w.sidebar.currentRow() == 1
        assert w.refresh_action.shortcut() == QKeySequence("F5")
        assert w.accounts_action.shortcut() == QKeySequence("Ctrl+,")
        assert w.about_action.shortcut() == QKeySequence("F1")
        assert w.quit_action.shortcut() == QKeySequence("Ctrl+Q")
        # Panes are created once: going back shows the same widget.
        w.sidebar.setCurrentRow(0)
        assert w.panes.currentWidget() is seen["locations"]
        assert app.settings.last_pane == "locations"

    run_app(profile_settings(sim.url), body)


def test_view_menu_shows_each_pane_title_with_a_mnemonic(run_app, sim, memory_keyring):
    """A lone "&" in a title ("Video & exports") marked the space as the mnemonic and showed
    "Video _exports"; and most items had no mnemonic at all."""
    import re

    from storeops.ui.main_window import menu_text

    async def body(app):
        w = app.window
        view_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&View")
        items = [a for a in view_menu.actions() if not a.isSeparator()]
        assert items[: len(PANES)] == w.pane_actions
        for action, pane in zip(w.pane_actions, PANES, strict=True):
            text = action.text()
            assert "_" not in text
            assert re.sub("&(.)", r"\1", text) == pane.title  # "&&" is a literal "&"
            assert not QKeySequence.mnemonic(text).isEmpty(), text
        assert menu_text("Video & exports", set()) == "&Video && exports"
        # Alt+letter picks one item of the menu each.
        keys = [QKeySequence.mnemonic(a.text()).toString() for a in items]
        assert all(keys) and len(set(keys)) == len(keys), keys
        # The rail shows the plain titles.
        assert [w.sidebar.item(row).text() for row in range(w.sidebar.count())] == [p.title for p in PANES]

    run_app(profile_settings(sim.url), body)


def test_locations_and_occupancy_panes_load(run_app, sim, memory_keyring):
    """Once the pane modules exist they must load: a broken import fails here."""
    import importlib

    for pane in PANES:
        if pane.module:
            importlib.import_module(pane.module)

    async def body(app):
        for key in ("locations", "occupancy"):
            widget = app.window.show_pane(key)
            assert app.window.panes.module(key) is not None
            assert widget.objectName() != "Placeholder"
        assert app.reporter.last_error is None

    run_app(profile_settings(sim.url), body)


def test_store_selector_loads_stores_and_remembers_the_choice(run_app, sim, memory_keyring):
    expected = sorted(open_stores(sim), key=lambda n: n.name.casefold())
    settings_file = app_dirs().settings_file

    async def choose(app):
        selector = app.window.store_selector
        assert [selector.itemText(i).split("  ·  ")[0] for i in range(selector.count())] == [n.name for n in expected]
        changes: list[Location] = []
        app.selection.changed.connect(changes.append)
        selector.setCurrentIndex(2)
        assert app.selection.current().uuid == expected[2].uuid
        assert changes and changes[-1].uuid == expected[2].uuid
        await wait_until(lambda: expected[2].uuid in settings_file.read_text())

    run_app(profile_settings(sim.url), choose)

    async def check(app):
        assert app.selection.current().uuid == expected[2].uuid
        assert app.window.store_selector.currentIndex() == 2

    run_app(Settings.load(), check)


def loading_stores_seen(app) -> list[bool]:
    """[True] once the app reloads the store list (F5's answer when a pane cannot refresh)."""
    seen: list[bool] = []
    app.reporter.activity_changed.connect(lambda labels: seen.append(True) if "Loading stores" in labels else None)
    return seen


def test_f5_refreshes_each_real_pane_itself_and_f1_ctrl_comma_open_dialogs(run_app, sim, memory_keyring, monkeypatch):
    async def body(app):
        w = app.window
        await wait_until(app.connected.is_set, timeout=30)
        reloads = loading_stores_seen(app)
        for pane in PANES:  # every pane has a module and a refresh(): F5 goes to it
            widget = w.show_pane(pane.key)
            refresh = getattr(widget, "refresh", None)
            assert callable(refresh), f"the {pane.key} pane has no refresh(): F5 would only re-read the store list"
            calls: list[str] = []

            def spy(_real=refresh, _key=pane.key, _calls=calls):
                _calls.append(_key)
                return _real()  # the pane's own refresh still runs, for real

            monkeypatch.setattr(widget, "refresh", spy)
            w.refresh_action.trigger()  # F5
            assert calls == [pane.key]
            await asyncio.sleep(0.05)
        assert reloads == []  # no pane fell back to re-reading the store list

        # The Locations pane's refresh really reads the chain again.
        pane = w.show_pane("locations")
        await wait_until(lambda: pane.loaded.is_set())
        before = sim.world.requests["/v2/location"]
        w.refresh_action.trigger()
        await wait_until(lambda: sim.world.requests["/v2/location"] > before)

        w.about_action.trigger()  # F1
        about = app._dialogs[-1]
        assert about.isVisible() and about.objectName() == "AboutDialog"
        for name in ("StoreOps", "Python", "Qt", "PySide6", "httpx", "libvlc"):
            assert about.values[name], name
        assert about.values["StoreOps"] == "0.1.0"
        about.close()

        w.accounts_action.trigger()  # Ctrl+,
        accounts = app._dialogs[-1]
        assert accounts.isVisible() and accounts.objectName() == "AccountsDialog"
        assert accounts.edits["name"].text() == "Test chain"  # the active profile is shown
        accounts.close()

    run_app(profile_settings(sim.url), body)


def test_f5_on_a_pane_without_refresh_reloads_the_store_list(run_app, sim, memory_keyring, monkeypatch):
    """No real pane lacks refresh() now: a pane module made for the test (it has the life
    cycle, no refresh) takes the Traffic slot, and F5 there re-reads the store list."""
    from storeops.ui import main_window
    from storeops.ui.pane_host import PaneHost
    from tests.ui import lifecycle_panes

    test_panes = tuple(
        dataclasses.replace(p, module="tests.ui.lifecycle_panes") if p.key == "traffic" else p for p in PANES
    )
    monkeypatch.setattr(main_window, "PaneHost", functools.partial(PaneHost, panes=test_panes))

    async def body(app):
        w = app.window
        await wait_until(app.connected.is_set, timeout=30)
        widget = w.show_pane("traffic")
        assert isinstance(widget, lifecycle_panes.RecordingPane) and not hasattr(widget, "refresh")
        reloads = loading_stores_seen(app)
        before = sim.world.requests["/v2/location"]
        w.refresh_action.trigger()  # F5
        await wait_until(lambda: sim.world.requests["/v2/location"] > before)
        await wait_until(lambda: reloads)
        assert [s.name for s in app.selection.stores()]  # the list is still there, read again
        assert app.reporter.last_error is None

    run_app(profile_settings(sim.url), body)


def test_the_window_takes_the_keyboard_back_when_a_dialog_closes(run_app, sim, memory_keyring):
    """Without a window manager nobody gives the focus back when a dialog closes (seen
    under Xvfb: Ctrl+3, F5 and F1 dead after New export… or About until a click)."""
    from PySide6.QtWidgets import QApplication, QDialog

    async def body(app):
        w = app.window
        w.activateWindow()
        await wait_until(lambda: QApplication.activeWindow() is w)
        dialog = QDialog(w)
        dialog.show()
        dialog.activateWindow()
        await wait_until(lambda: QApplication.activeWindow() is dialog)
        dialog.close()
        await wait_until(lambda: QApplication.activeWindow() is w, timeout=5)
        dialog.deleteLater()

    run_app(profile_settings(sim.url), body)
