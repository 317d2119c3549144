"""Defects seen while using the whole app as a store manager would, under Xvfb with and
without a window manager, each reproduced here against the real simulator."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from storeops.ui.video.pane import VideoPane
from tests.helpers import not_none, wait_until
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


@pytest.mark.video
def test_live_video_tiles_by_keyboard_alone(qtbot, run_app, sim, memory_keyring):
    # Seen: Tab went from the channel list to the store chooser, past every tile; with
    # the keyboard alone no tile could be chosen (for Snapshot) nor shown full screen.
    async def body(app):
        w = app.window
        w.show()
        pane = w.show_pane("video")
        assert isinstance(pane, VideoPane)
        tiles = pane.grid.visible_tiles()
        await wait_until(lambda: all(t.playing for t in tiles), timeout=40)
        pane.channel_list.setFocus()
        order: list[QWidget] = []
        widget: QWidget = pane.channel_list
        for _ in range(4):
            widget = not_none(widget.nextInFocusChain())
            while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible() and widget.isEnabled()):
                widget = not_none(widget.nextInFocusChain())
            order.append(widget)
        assert order == list[QWidget](tiles)  # Tab from the list walks the tiles
        tiles[0].setFocus(Qt.FocusReason.TabFocusReason)
        assert pane.controller.selected == 0
        qtbot.keyClick(tiles[0], Qt.Key.Key_Right)
        assert tiles[1].hasFocus() and pane.controller.selected == 1
        qtbot.keyClick(tiles[1], Qt.Key.Key_Down)
        assert tiles[3].hasFocus() and pane.controller.selected == 3
        qtbot.keyClick(tiles[3], Qt.Key.Key_Return)
        assert pane.grid.enlarged == 3 and pane.grid.full_screen is not None
        qtbot.keyClick(pane.grid.full_screen, Qt.Key.Key_Escape)
        assert pane.grid.enlarged is None and tiles[3].hasFocus()
        w.hide()

    run_app(profile_settings(sim.url), body)
