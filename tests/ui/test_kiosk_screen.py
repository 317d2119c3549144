"""The entrance display covers its screen even where nobody grants full screen:
on a bare X server with no window manager, showFullScreen() is a request nobody
answers and the window stays at its default size in a corner. Offscreen Qt does
grant it, so these tests make showFullScreen() a plain show(), as X does then."""

from __future__ import annotations

import argparse
import asyncio

import pytest
from PySide6.QtCore import QRect, Qt

from storeops.ui.kiosk import KioskWidget, Messages
from tests.helpers import wait_until

pytestmark = pytest.mark.gui

COMBO = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def no_window_manager(monkeypatch):
    monkeypatch.setattr(KioskWidget, "showFullScreen", KioskWidget.show)


def test_storeops_kiosk_covers_the_screen_without_a_window_manager(qapp, qtbot, qloop, no_window_manager):
    """`storeops kiosk --store 201 --demo`, through run_kiosk_async, as on an entrance screen."""
    from storeops.kiosk import run_kiosk_async

    quit_on_close = qapp.quitOnLastWindowClosed()
    seen: list[tuple[QRect, QRect]] = []
    watching: list[asyncio.Future[None]] = []

    async def cover_then_leave(widget: KioskWidget) -> None:
        try:
            await wait_until(lambda: widget.geometry() == widget.screen().geometry(), timeout=5)
        finally:
            seen.append((widget.geometry(), widget.screen().geometry()))
            qtbot.keyClick(widget, Qt.Key.Key_Q, COMBO)

    args = argparse.Namespace(store="201", demo=True)
    try:
        code = qloop.run_until_complete(
            run_kiosk_async(args, on_widget=lambda w: watching.append(asyncio.ensure_future(cover_then_leave(w))))
        )
        qloop.run_until_complete(asyncio.gather(*watching, return_exceptions=True))
    finally:
        qapp.setQuitOnLastWindowClosed(quit_on_close)
    assert code == 0
    [(geometry, screen)] = seen
    assert geometry == screen, f"the display is {geometry}, the screen {screen}"


@pytest.fixture
def display(qapp):
    widget = KioskWidget(Messages())
    yield widget
    widget.shutdown()
    widget.deleteLater()


def test_the_display_covers_the_screen_again_after_a_move_or_a_new_resolution(
    display, qloop, monkeypatch, no_window_manager
):
    display.show_full_screen()
    screen = display.screen()
    qloop.run_until_complete(wait_until(lambda: display.geometry() == screen.geometry(), timeout=5))
    assert display.screen_cover is not None and display.screen_cover.corrections == 1

    display.setGeometry(QRect(100, 100, 640, 480))  # moved and shrunk (a stray window manager, xrandr)
    qloop.run_until_complete(wait_until(lambda: display.geometry() == screen.geometry(), timeout=5))

    # The screen's resolution changes (offscreen Qt cannot change it: say the screen now
    # measures 1024x768, and tell the display as Qt would).
    bigger = QRect(0, 0, 1024, 768)
    monkeypatch.setattr(display.screen_cover, "target", lambda: bigger)
    screen.geometryChanged.emit(bigger)
    qloop.run_until_complete(wait_until(lambda: display.geometry() == bigger, timeout=5))


def test_a_granted_full_screen_is_left_alone(display, qloop):
    """Where the window manager (here offscreen Qt) grants full screen, nothing is corrected."""
    display.show_full_screen()
    cover = display.screen_cover
    assert cover is not None
    qloop.run_until_complete(wait_until(lambda: cover.checks >= 1, timeout=5))
    assert display.isFullScreen() and display.geometry() == display.screen().geometry()
    assert cover.corrections == 0
