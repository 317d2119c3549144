"""The Live video pane's view: the channel list (by store) beside a grid of 1, 2×2 or
3×3 tiles, grid buttons, a snapshot button and a summary line. It lays out and
reports what the user does; `VideoController` (controller.py) plays, saves the
layout and stops the players whenever the pane is hidden or dropped.

Without libvlc the pane is a page that says how to install VLC.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from storeops.media.availability import INSTALL_STEPS, LibVlcUnavailable, check_libvlc
from storeops.ui.placeholder import Placeholder
from storeops.ui.video.channels import ChannelList
from storeops.ui.video.grid import GRIDS, VideoGrid

if TYPE_CHECKING:
    from storeops.ui.context import PaneContext
    from storeops.ui.video.controller import VideoController

GRID_LABELS = {1: "1", 2: "2×2", 3: "3×3"}


class VideoPane(QWidget):
    # Attached by create_pane: the view lays out, the controller behaves.
    controller: VideoController

    grid_chosen = Signal(int)
    snapshot_clicked = Signal()
    back_clicked = Signal()
    retry_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VideoPane")

        title = QLabel("Live video")
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        self.grid_buttons: dict[int, QToolButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(16)
        for side in GRIDS:
            button = QToolButton()
            button.setText(GRID_LABELS[side])
            button.setCheckable(True)
            button.setToolTip(f"Show {'one tile' if side == 1 else GRID_LABELS[side] + ' tiles'}")
            button.setMinimumWidth(44)
            button.clicked.connect(lambda _c=False, s=side: self.grid_chosen.emit(s))
            group.addButton(button)
            self.grid_buttons[side] = button
            head.addWidget(button)
        self.back_button = QPushButton("Back to grid (Esc)")
        self.back_button.clicked.connect(self.back_clicked)
        self.back_button.hide()
        head.addSpacing(8)
        head.addWidget(self.back_button)
        self.snapshot_button = QPushButton("Snapshot")
        self.snapshot_button.setToolTip("Save the selected tile's picture as a PNG file")
        self.snapshot_button.clicked.connect(self.snapshot_clicked)
        head.addSpacing(8)
        head.addWidget(self.snapshot_button)
        head.addStretch(1)
        self.summary = QLabel("")
        head.addWidget(self.summary)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("background: #fff1d1; color: #4a3100; padding: 6px; border-radius: 4px;")
        self.message.hide()
        self.retry_button = QPushButton("Try again")
        self.retry_button.clicked.connect(self.retry_clicked)
        self.retry_button.hide()
        banner = QHBoxLayout()
        banner.addWidget(self.message, 1)
        banner.addWidget(self.retry_button)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Find a channel or store")
        self.filter.setClearButtonEnabled(True)
        self.channel_list = ChannelList()
        self.filter.textChanged.connect(self.channel_list.apply_filter)
        hint = QLabel("Drag a channel onto a tile. Double-click a tile for full screen (Esc: back).")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5b6770; font-size: 12px;")
        self.side_panel = QWidget()
        column = QVBoxLayout(self.side_panel)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.filter)
        column.addWidget(self.channel_list, 1)
        column.addWidget(hint)

        self.grid = VideoGrid()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.side_panel)
        self.splitter.addWidget(self.grid)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 900])
        self.splitter.setChildrenCollapsible(False)

        box = QVBoxLayout(self)
        box.addLayout(head)
        box.addLayout(banner)
        box.addWidget(self.splitter, 1)

        # Esc anywhere in the main window while a tile is full screen (on another
        # screen, say), and only then; the full-screen tile hears its own Esc.
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self.escape.setEnabled(False)
        self.escape.activated.connect(self._escape)

    def _escape(self) -> None:
        if self.grid.enlarged is not None:
            self.back_clicked.emit()

    # ------------------------------------------------------------ shown state

    def set_grid_choice(self, side: int, *, enlarged: bool) -> None:
        self.grid_buttons[side].setChecked(True)
        self.back_button.setVisible(enlarged)
        self.escape.setEnabled(enlarged)

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def set_snapshot_enabled(self, on: bool) -> None:
        self.snapshot_button.setEnabled(on)

    def show_message(self, text: str, *, retry: bool = False) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.retry_button.setVisible(bool(text) and retry)

    # ------------------------------------------------------------ pane contract

    def activate(self) -> None:
        self.controller.activate()

    def deactivate(self) -> None:
        self.controller.deactivate()

    def shutdown(self) -> None:
        self.controller.shutdown()

    def refresh(self) -> None:
        """F5 (the shell calls it): read the channel list again; the tiles play on."""
        self.controller.reload()

    def show_channel(self, channel_uuid: str) -> None:
        """Play this channel (another pane's "open in live view")."""
        self.controller.show_channel(channel_uuid)


class NoVlcPage(Placeholder):
    """What the pane is on a computer without VLC: how to get video, not a failure."""

    def __init__(self, detail: str, parent: QWidget | None = None) -> None:
        super().__init__("video", "Live video needs VLC", "\n\n".join(INSTALL_STEPS), detail, parent=parent)
        self.setObjectName("VideoNoVlc")

    def show_channel(self, _channel_uuid: str) -> None:
        pass


def create_pane(ctx: PaneContext, *, service=None, snapshot_dir=None, stream_factory=None) -> QWidget:
    """The shell's factory: the view with its controller (`pane.controller`), or the
    install page when libvlc cannot start. kwargs (tests): service, snapshot_dir,
    stream_factory."""
    try:
        check_libvlc()
    except LibVlcUnavailable as exc:
        return NoVlcPage(f"Details: {exc}")
    from storeops.ui.video.controller import VideoController

    view = VideoPane()
    kw = {"stream_factory": stream_factory} if stream_factory is not None else {}
    view.controller = VideoController(view, ctx, service=service, snapshot_dir=snapshot_dir, **kw)
    view.set_grid_choice(view.grid.side, enlarged=False)
    return view


async def prepare_screenshot(widget: QWidget, timeout: float = 25.0) -> None:
    """Wait until every tile in view that has a channel shows decoded pictures."""
    if not isinstance(widget, VideoPane):
        return
    controller = widget.controller
    controller.activate()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        tiles = [t for t in widget.grid.visible_tiles() if t.channel_uuid]
        if controller.loaded and tiles and all(t.frames_shown >= 3 and t.playing for t in tiles):
            break
        await asyncio.sleep(0.1)
