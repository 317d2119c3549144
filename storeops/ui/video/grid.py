"""The grid of tiles: 1, 2×2 or 3×3, and one tile full screen. Nine tiles are made
once; a smaller grid shows the first n×n of them. Full screen is a window of its own
covering the screen (its geometry set by hand as well: without a window manager, full
screen is only a hint) that mirrors one tile: the tile keeps its place, its player and
its frames, so nothing is re-parented or re-opened. Lays out only."""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QGridLayout, QWidget

from storeops.ui.video.tile import VideoTile

GRIDS = (1, 2, 3)  # tiles per side
MAX_TILES = 9


class VideoGrid(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VideoGrid")
        self.tiles = [VideoTile(i, self) for i in range(MAX_TILES)]
        for tile in self.tiles:
            tile.step_requested.connect(self._step)
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.side = 0
        self.enlarged: int | None = None
        self.full_screen: VideoTile | None = None  # the full-screen window, while there is one
        self.set_grid(2)

    @property
    def count(self) -> int:
        return self.side * self.side

    def visible_tiles(self) -> list[VideoTile]:
        """The tiles in view now: the full-screen one alone, else the grid's."""
        if self.enlarged is not None:
            return [self.tiles[self.enlarged]]
        return self.tiles[: self.count]

    def set_grid(self, side: int) -> None:
        if side not in GRIDS:
            raise ValueError(f"a grid is 1, 2 or 3 tiles wide, not {side}")
        self.side = side
        self.enlarge(None)
        self._relayout()

    def enlarge(self, index: int | None) -> None:
        """Tile `index` full screen (None: the grid alone again)."""
        index = index if index is not None and index < self.count else None
        if index == self.enlarged:
            return
        if self.full_screen is not None:
            self.tiles[self.enlarged or 0].mirror = None
            self.full_screen.hide()
            self.full_screen.deleteLater()
            self.full_screen = None
            # Without a window manager nobody hands the keyboard back to the main
            # window: its shortcuts were dead until a click.
            self.window().activateWindow()
        self.enlarged = index
        if index is None:
            return
        tile = self.tiles[index]
        view = VideoTile(index)
        view.setWindowTitle(f"{tile.title} — {tile.store}")
        view.activated.connect(tile.activated)  # double-click or Esc: back, as on the tile
        view.snapshot_requested.connect(tile.snapshot_requested)
        view.clear_requested.connect(tile.clear_requested)
        view.setAcceptDrops(False)
        self._forward_shortcuts(view)
        tile.mirror = view  # sets what the tile shows now, and then every frame and state
        screen = self.screen()
        if screen is not None:
            view.setGeometry(screen.geometry())
        view.showFullScreen()
        view.activateWindow()
        view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.full_screen = view

    def _step(self, index: int, columns: int, rows: int) -> None:
        """An arrow key on tile `index`: the keyboard goes to its neighbour in the grid."""
        if self.enlarged is not None or index >= self.count:
            return
        row, column = divmod(index, self.side)
        row, column = row + rows, column + columns
        if 0 <= row < self.side and 0 <= column < self.side:
            self.tiles[row * self.side + column].setFocus(Qt.FocusReason.TabFocusReason)

    def _forward_shortcuts(self, view: VideoTile) -> None:
        """The main window's shortcuts (Ctrl+1..6, F1, F5, Ctrl+Q...) work from the
        full-screen window too, which as a window of its own they never reached. The grid
        comes back first, so nothing they open sits hidden behind the full screen."""
        for action in self.window().actions():
            if action.shortcut().isEmpty():
                continue
            proxy = QAction(view)
            proxy.setShortcuts(action.shortcuts())
            proxy.triggered.connect(functools.partial(self._leave_then_trigger, view, action))
            view.addAction(proxy)

    @staticmethod
    def _leave_then_trigger(view: VideoTile, action: QAction) -> None:
        view.activated.emit(view.index)  # back to the grid, as Esc does
        action.trigger()

    def _relayout(self) -> None:
        for tile in self.tiles:
            self._layout.removeWidget(tile)
            tile.hide()
        for r in range(3):
            self._layout.setRowStretch(r, 0)
            self._layout.setColumnStretch(r, 0)
        for i, tile in enumerate(self.tiles[: self.count]):
            self._layout.addWidget(tile, i // self.side, i % self.side)
            tile.show()
        for r in range(self.side):
            self._layout.setRowStretch(r, 1)
            self._layout.setColumnStretch(r, 1)
