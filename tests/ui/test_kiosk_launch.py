"""View › Start entrance display…: the kiosk display for the store selected in the
app, in-process on the app's connection, full screen, left the same way as
`storeops kiosk` (Ctrl+Shift+Q, then kiosk.json's PIN); leaving returns to the app."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from shiboken6 import isValid

from storeops.api.client import RetailNextClient
from storeops.services.stores import load_stores
from storeops.settings import Settings
from storeops.ui.kiosk import KioskWidget
from storeops.ui.kiosk.config import save_pin_hash
from storeops.ui.kiosk.pin import hash_pin
from storeops.ui.kiosk.state import KioskState
from tests.conftest import pinned_clock
from tests.helpers import wait_until

pytestmark = pytest.mark.gui

COMBO = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def kiosks(qapp) -> list[KioskWidget]:
    return [w for w in qapp.topLevelWidgets() if isinstance(w, KioskWidget) and w.isVisible()]


def test_the_app_starts_the_display_for_the_selected_store_and_gets_it_back(run_app, qapp, qtbot):
    save_pin_hash(hash_pin("80417326", iterations=1000))  # the same kiosk.json as `storeops kiosk`

    async def body(app):
        w = app.window
        await wait_until(lambda: app.ctx is not None, timeout=30)
        chosen = next(s for s in app.selection.stores() if s.name == "Chicago Loop")
        app.selection.set_current(chosen)
        assert w.kiosk_action.text() == "Start entrance &display…"
        assert w.kiosk_action in w.menuBar().actions()[1].menu().actions()  # View

        w.kiosk_action.trigger()
        [display] = kiosks(qapp)
        assert display.controller.store_uuid == chosen.uuid
        await wait_until(lambda: display.view().state is not KioskState.STARTING)
        assert display.view().footer.startswith("Chicago Loop")
        assert display.geometry() == display.screen().geometry()  # full screen
        w.kiosk_action.trigger()  # a second time: the same display, not another
        assert kiosks(qapp) == [display] and w.kiosk.widget is display

        qtbot.keyClick(display, Qt.Key.Key_Q, COMBO)  # the PIN is asked, as by `storeops kiosk`
        assert display.pin_panel.isVisible() and kiosks(qapp) == [display]
        qtbot.keyClicks(display.pin_edit, "80417326")
        qtbot.keyClick(display.pin_edit, Qt.Key.Key_Return)
        assert kiosks(qapp) == [] and w.kiosk.widget is None
        await display.controller.wait_stopped()

        # Back in the app, which still runs on its connection.
        assert w.isVisible() and app.ctx is not None
        assert [s.name for s in await load_stores(app.ctx.client)] == [s.name for s in app.selection.stores()]
        w.kiosk_action.trigger()  # and may start it again; quitting the app closes it
        [again] = kiosks(qapp)
        assert again is not display
        return again

    quit_on_close = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)  # as `storeops` sets it: the App decides when to stop
    try:
        again = run_app(Settings.load(), body, demo_clock=pinned_clock())
    finally:
        qapp.setQuitOnLastWindowClosed(quit_on_close)
    assert not isValid(again)  # closed and deleted with the app


def test_without_a_connection_it_says_what_is_missing(qapp):
    from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
    from storeops.ui.kiosk.launch import KioskLauncher
    from storeops.ui.main_window import MainWindow

    status = StatusReporter()
    window = MainWindow(Settings.load(), StoreSelection(), status)
    try:
        window.kiosk_action.trigger()  # not connected yet: nothing happens
        assert kiosks(qapp) == []
        launcher: KioskLauncher = window.kiosk
        unused = RetailNextClient("http://127.0.0.1:1", "key", "secret")  # refused before any request
        ctx = PaneContext(client=unused, stores=StoreSelection(), status=status, settings=Settings.load())
        assert launcher.start(ctx) is None and kiosks(qapp) == []
        assert status.last_error == "Choose a store first: the entrance display shows one store"
    finally:
        window.deleteLater()
