"""The grid of tiles: 1, 2×2 or 3×3, or one tile enlarged to the whole grid. Nine
tiles are made once; a smaller grid shows the first n×n of them. Lays out only."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QWidget

from storeops.ui.video.tile import VideoTile

GRIDS = (1, 2, 3)  # tiles per side
MAX_TILES = 9


class VideoGrid(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VideoGrid")
        self.tiles = [VideoTile(i, self) for i in range(MAX_TILES)]
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.side = 0
        self.enlarged: int | None = None
        self.set_grid(2)

    @property
    def count(self) -> int:
        return self.side * self.side

    def visible_tiles(self) -> list[VideoTile]:
        """The tiles in view now: one when a tile is enlarged, else the grid's."""
        if self.enlarged is not None:
            return [self.tiles[self.enlarged]]
        return self.tiles[: self.count]

    def set_grid(self, side: int) -> None:
        if side not in GRIDS:
            raise ValueError(f"a grid is 1, 2 or 3 tiles wide, not {side}")
        self.side = side
        self.enlarged = None
        self._relayout()

    def enlarge(self, index: int | None) -> None:
        """Show tile `index` alone (None: the grid again)."""
        self.enlarged = index if index is not None and index < self.count else None
        self._relayout()

    def _relayout(self) -> None:
        for tile in self.tiles:
            self._layout.removeWidget(tile)
            tile.hide()
        for r in range(3):
            self._layout.setRowStretch(r, 0)
            self._layout.setColumnStretch(r, 0)
        if self.enlarged is not None:
            tile = self.tiles[self.enlarged]
            self._layout.addWidget(tile, 0, 0)
            self._layout.setRowStretch(0, 1)
            self._layout.setColumnStretch(0, 1)
            tile.show()
            return
        for i, tile in enumerate(self.tiles[: self.count]):
            self._layout.addWidget(tile, i // self.side, i % self.side)
            tile.show()
        for r in range(self.side):
            self._layout.setRowStretch(r, 1)
            self._layout.setColumnStretch(r, 1)
