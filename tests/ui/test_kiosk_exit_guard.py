"""The entrance display started from the app cannot be left, nor the app behind it
reached, without the configured key combination (Ctrl+Shift+Q) and then the PIN:
the main window's own shortcuts (Quit, the panes, Refresh, Accounts, About) do
nothing on the display, a PIN typed without the combination does nothing, and a
combination close to the configured one (Ctrl+Q, Shift+Q, Ctrl+Alt+Q) asks nothing.
tests/ui/test_kiosk.py covers the display alone (Esc, Alt+F4, wrong PINs, lock-out)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from storeops.settings import Settings
from storeops.ui.kiosk import KioskWidget
from storeops.ui.kiosk.config import save_pin_hash
from storeops.ui.kiosk.pin import hash_pin
from tests.conftest import pinned_clock
from tests.helpers import wait_until

pytestmark = pytest.mark.gui

PIN = "80417326"
Mod = Qt.KeyboardModifier
COMBO = Mod.ControlModifier | Mod.ShiftModifier


def _visible_kiosks() -> list[KioskWidget]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWidget) and w.isVisible()]


def _open_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def test_only_the_combination_and_the_pin_leave_the_display(run_app, qapp, qtbot) -> None:
    save_pin_hash(hash_pin(PIN, iterations=1000))

    async def body(app) -> None:
        w = app.window
        await wait_until(lambda: app.ctx is not None, timeout=30)
        app.selection.set_current(next(s for s in app.selection.stores() if s.name == "Chicago Loop"))
        w.kiosk_action.trigger()
        [display] = _visible_kiosks()
        display.activateWindow()
        await wait_until(lambda: QApplication.activeWindow() is display)
        pane_before = w.panes.current_key
        shown: list[str] = []
        w.panes.pane_shown.connect(shown.append)
        refreshes: list[int] = []
        w.refresh_requested.connect(lambda: refreshes.append(1))

        # Every shortcut of the main window, pressed on the display.
        for action in [w.quit_action, w.accounts_action, w.refresh_action, w.about_action, *w.pane_actions]:
            sequence = action.shortcut()
            assert not sequence.isEmpty(), action.text()
            combined = sequence[0]
            qtbot.keyClick(display, combined.key(), combined.keyboardModifiers())
        # Near misses of the combination, and a PIN typed with no prompt open.
        for mods in (Mod.ControlModifier, Mod.ShiftModifier, Mod.ControlModifier | Mod.AltModifier, Mod.AltModifier):
            qtbot.keyClick(display, Qt.Key.Key_Q, mods)
        qtbot.keyClick(display, Qt.Key.Key_Escape)
        qtbot.keyClicks(display, PIN)
        qtbot.keyClick(display, Qt.Key.Key_Return)
        assert display.close() is False  # the window manager's close

        assert _visible_kiosks() == [display] and not display.leaving
        assert not display.pin_panel.isVisible()
        assert w.isVisible() and app.ctx is not None  # the app did not quit behind it
        assert w.panes.current_key == pane_before and shown == [] and refreshes == []
        assert _open_dialogs() == []  # no Accounts (with its keys) nor About opened

        # The combination asks for the PIN; Enter with nothing typed, or Esc, stays.
        qtbot.keyClick(display, Qt.Key.Key_Q, COMBO)
        assert display.pin_panel.isVisible()
        qtbot.keyClick(display.pin_edit, Qt.Key.Key_Return)
        assert _visible_kiosks() == [display]
        qtbot.keyClick(display.pin_edit, Qt.Key.Key_Escape)
        assert not display.pin_panel.isVisible() and _visible_kiosks() == [display]

        # Combination, then the PIN: out, back to the app.
        qtbot.keyClick(display, Qt.Key.Key_Q, COMBO)
        qtbot.keyClicks(display.pin_edit, PIN)
        qtbot.keyClick(display.pin_edit, Qt.Key.Key_Return)
        assert _visible_kiosks() == [] and w.kiosk.widget is None
        await display.controller.wait_stopped()

    quit_on_close = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)  # as `storeops` sets it: the App decides when to stop
    try:
        run_app(Settings.load(), body, demo_clock=pinned_clock())
    finally:
        qapp.setQuitOnLastWindowClosed(quit_on_close)
