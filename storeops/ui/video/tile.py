"""One tile of the live grid: paints the latest decoded picture (kept to its aspect,
black bars around), names its channel and store, and says its state in words when
there is no live picture. A channel is dropped on it from the channel list or from
another tile; double-click asks for full screen. It only paints and reports: the
controller decides what plays."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QApplication, QMenu, QSizePolicy, QWidget

from storeops.media.frames import VideoFrame

CHANNEL_MIME = "application/x-storeops-channel"  # a channel UUID, UTF-8
TILE_MIME = "application/x-storeops-video-tile"  # the index of the tile it came from

BACKGROUND = QColor("#101418")
CAPTION_BG = QColor(0, 0, 0, 150)
INK = QColor("#f2f5f8")
MUTED = QColor("#aab6c2")
SELECTED = QColor("#3d8bfd")
DROP = QColor("#7cc4ff")
OFFLINE = QColor("#ffb3a8")


def frame_image(frame: VideoFrame) -> QImage:
    """The frame as a QImage sharing its bytes (RV32 is QImage's RGB32 on
    little-endian machines); the frame must outlive the image, or copy() it."""
    return QImage(frame.data, frame.width, frame.height, frame.pitch, QImage.Format.Format_RGB32)


class VideoTile(QWidget):
    channel_dropped = Signal(int, str, int)  # this tile, channel UUID, source tile (-1: the list)
    activated = Signal(int)  # double-click: full screen / back
    selected = Signal(int)
    snapshot_requested = Signal(int)
    clear_requested = Signal(int)
    step_requested = Signal(int, int, int)  # this tile, columns, rows (an arrow key)

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setObjectName(f"VideoTile{index}")
        self.setAcceptDrops(True)
        self.setMinimumSize(160, 100)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # Tab reaches the tiles, arrows move between them, Enter shows one full screen.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, BACKGROUND)
        self.setPalette(palette)
        self.channel_uuid: str | None = None
        self.title = ""
        self.store = ""
        self.state_text = "Drag a channel here"
        self.detail = ""
        self.playing = False
        self.is_selected = False
        self._frame: VideoFrame | None = None
        self._image: QImage | None = None
        self._drop_hover = False
        self._press: QPoint | None = None
        self.frames_shown = 0
        self._mirror: VideoTile | None = None

    # ------------------------------------------------------------ what it shows

    def set_channel(self, channel_uuid: str | None, title: str = "", store: str = "") -> None:
        same = channel_uuid is not None and channel_uuid == self.channel_uuid
        self.channel_uuid = channel_uuid
        self.title, self.store = title, store
        if not same:  # the same channel again (F5): its player plays on, picture and state stay
            self._frame = self._image = None
            self.playing = False
            self.state_text = "Drag a channel here" if channel_uuid is None else "stopped"
            self.detail = ""
        tip = f"{title} — {store}" if channel_uuid else "Drag a channel from the list onto this tile"
        self.setToolTip(tip + "\nDouble-click: full screen (Esc: back). Right-click: snapshot, remove.")
        self.update()

    def set_state(self, text: str, *, playing: bool, detail: str = "") -> None:
        self.state_text, self.playing, self.detail = text, playing, detail
        self.update()
        if self._mirror is not None:
            self._mirror.set_state(text, playing=playing, detail=detail)

    def show_frame(self, frame: VideoFrame) -> None:
        self._frame = frame
        self._image = frame_image(frame)
        self.frames_shown += 1
        self.update()
        if self._mirror is not None:
            self._mirror.show_frame(frame)

    @property
    def mirror(self) -> VideoTile | None:
        """Another tile (the full-screen window) showing what this one shows."""
        return self._mirror

    @mirror.setter
    def mirror(self, other: VideoTile | None) -> None:
        self._mirror = other
        if other is not None:
            other.set_channel(self.channel_uuid, self.title, self.store)
            other.set_state(self.state_text, playing=self.playing, detail=self.detail)
            if self._frame is not None:
                other.show_frame(self._frame)

    def image(self) -> QImage | None:
        """The picture shown now, as a copy of its own (for a snapshot)."""
        return None if self._image is None else self._image.copy()

    def set_selected(self, on: bool) -> None:
        if on != self.is_selected:
            self.is_selected = on
            self.update()

    # ------------------------------------------------------------ painting

    def picture_rect(self) -> QRect:
        """Where the picture goes: as large as fits, its aspect kept."""
        if self._image is None:
            return QRect()
        w, h = self.width(), self.height()
        iw, ih = self._image.width(), self._image.height()
        scale = min(w / iw, h / ih)
        pw, ph = int(iw * scale), int(ih * scale)
        return QRect((w - pw) // 2, (h - ph) // 2, pw, ph)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(self.picture_rect(), self._image)
        self._paint_caption(painter)
        if not self.playing or self._image is None:
            self._paint_state(painter)
        if self._drop_hover or self.is_selected:
            painter.setPen(QPen(DROP if self._drop_hover else SELECTED, 3))
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.end()

    def _paint_caption(self, painter: QPainter) -> None:
        if not self.channel_uuid:
            return
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        line = metrics.height()
        width = min(
            self.width() - 8, max(metrics.horizontalAdvance(self.title), metrics.horizontalAdvance(self.store)) + 28
        )
        painter.fillRect(QRect(4, 4, width, line * 2 + 8), CAPTION_BG)
        painter.setPen(INK)
        painter.drawText(
            QRect(12, 7, width - 12, line),
            Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(self.title, Qt.TextElideMode.ElideRight, width - 16),
        )
        font.setBold(False)
        painter.setFont(font)
        painter.setPen(MUTED)
        painter.drawText(
            QRect(12, 7 + line, width - 12, line),
            Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(self.store, Qt.TextElideMode.ElideRight, width - 16),
        )

    def _paint_state(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        painter.setFont(font)
        offline = self.state_text.startswith("offline")
        painter.setPen(OFFLINE if offline else INK)
        box = self.rect().adjusted(12, 0, -12, 0)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(box, int(flags), self.state_text)
        if self.detail:
            small = QFont(self.font())
            painter.setFont(small)
            painter.setPen(MUTED)
            below = box.adjusted(0, painter.fontMetrics().height() * 3, 0, 0)
            painter.drawText(below, int(flags), self.detail)

    # ------------------------------------------------------------ mouse

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self.selected.emit(self.index)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        # Dragging a playing tile onto another swaps the two.
        if self._press is None or not self.channel_uuid or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if (event.position().toPoint() - self._press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        mime = QMimeData()
        mime.setData(CHANNEL_MIME, self.channel_uuid.encode())
        mime.setData(TILE_MIME, str(self.index).encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        if self._image is not None:
            drag.setPixmap(QPixmap.fromImage(self._image.scaledToWidth(160, Qt.TransformationMode.FastTransformation)))
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.index)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if not self.isWindow():
            self.selected.emit(self.index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        # The full-screen window: Esc brings the grid back.
        if key == Qt.Key.Key_Escape and self.isWindow():
            self.activated.emit(self.index)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.channel_uuid:
            self.activated.emit(self.index)
            return
        steps = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        if key in steps and not self.isWindow():
            self.step_requested.emit(self.index, *steps[Qt.Key(key)])
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if not self.channel_uuid:
            return
        menu = QMenu(self)
        snap = menu.addAction("Save snapshot (PNG)")
        snap.setEnabled(self._image is not None)
        snap.triggered.connect(lambda: self.snapshot_requested.emit(self.index))
        menu.addAction("Full screen / back", lambda: self.activated.emit(self.index))
        menu.addAction("Remove from grid", lambda: self.clear_requested.emit(self.index))
        menu.popup(event.globalPos())

    # ------------------------------------------------------------ drops

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(CHANNEL_MIME):
            self._drop_hover = True
            self.update()
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(CHANNEL_MIME):
            event.acceptProposedAction()

    def dragLeaveEvent(self, _event: object) -> None:
        self._drop_hover = False
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        self._drop_hover = False
        self.update()
        mime = event.mimeData()
        if not mime.hasFormat(CHANNEL_MIME):
            return
        channel = bytes(mime.data(CHANNEL_MIME).data()).decode("utf-8", "replace").strip()
        source = -1
        if mime.hasFormat(TILE_MIME):
            try:
                source = int(bytes(mime.data(TILE_MIME).data()).decode())
            except ValueError:
                source = -1
        if channel:
            event.acceptProposedAction()
            self.channel_dropped.emit(self.index, channel, source)
