"""Defects seen while using the whole app as a store manager would, under Xvfb with and
without a window manager, each reproduced here against the real simulator."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from storeops.ui.video.pane import VideoPane
from tests.helpers import wait_until
from tests.ui.shell_env import profile_settings

pytestmark = pytest.mark.gui


@pytest.mark.video
def test_ctrl_number_from_a_full_screen_tile_switches_pane(qtbot, run_app, sim, memory_keyring):
    # Seen: a tile full screen, Ctrl+3 did nothing (the full-screen tile is a window of
    # its own, which the main window's shortcuts never reached); only Esc got out.
    async def body(app):
        w = app.window
        w.show()
        pane = w.show_pane("video")
        assert isinstance(pane, VideoPane)
        tiles = pane.grid.visible_tiles()
        await wait_until(lambda: all(t.playing for t in tiles), timeout=40)
        qtbot.mouseDClick(tiles[0], Qt.MouseButton.LeftButton)
        full = pane.grid.full_screen
        assert full is not None
        full.activateWindow()
        await wait_until(lambda: QApplication.activeWindow() is full, timeout=5)
        qtbot.keyClick(full, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
        assert w.panes.current_key == "traffic"
        assert pane.grid.full_screen is None and not full.isVisible()
        # Esc still brings the grid back.
        w.show_pane("video")
        await wait_until(lambda: all(t.playing for t in pane.grid.visible_tiles()), timeout=40)
        qtbot.mouseDClick(pane.grid.tiles[1], Qt.MouseButton.LeftButton)
        full = pane.grid.full_screen
        assert full is not None
        full.activateWindow()
        await wait_until(lambda: QApplication.activeWindow() is full, timeout=5)
        qtbot.keyClick(full, Qt.Key.Key_Escape)
        assert pane.grid.full_screen is None and pane.grid.enlarged is None
        w.hide()

    run_app(profile_settings(sim.url), body)
