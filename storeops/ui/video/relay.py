"""Frames from libvlc's decoding threads to a tile on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from storeops.media.frames import VideoFrame
from storeops.ui.video.tile import VideoTile


class FrameRelay(QObject):
    """Hands frames from libvlc's thread to a tile on the GUI thread. libvlc may
    decode faster than the GUI paints: only the newest frame is kept, and one
    queued signal is in flight at a time."""

    arrived = Signal()

    def __init__(self, tile: VideoTile) -> None:
        super().__init__(tile)
        self._tile = tile
        self._lock = threading.Lock()
        self._latest: VideoFrame | None = None
        self._pending = False
        self.closed = False
        self.arrived.connect(self._deliver)

    def push(self, frame: VideoFrame) -> None:  # libvlc's thread
        if self.closed:
            return
        with self._lock:
            self._latest = frame
            pending, self._pending = self._pending, True
        if not pending:
            self.arrived.emit()

    def _deliver(self) -> None:
        with self._lock:
            frame, self._latest, self._pending = self._latest, None, False
        if frame is not None and not self.closed:
            self._tile.show_frame(frame)
