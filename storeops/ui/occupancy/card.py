"""One store's occupancy card: number, limit, percentage, today's traffic, a
last-hour sparkline, the colour state (with icon and word), and the manual
adjust controls. The card only lays out and emits `adjust_requested`; the
pane decides and talks to the service."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from storeops.ui.occupancy.glyphs import draw_glyph
from storeops.ui.occupancy.state import PALETTES, WORDS, Level, Thresholds, card_level, percent

MAX_MANUAL = 999


class Sparkline(QWidget):
    """The last hour as a line; redrawn in place (no widget per point)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._values: tuple[int, ...] = ()
        self._limit: int | None = None
        self._color = QColor("#55657a")
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Occupancy over the last hour")

    def sizeHint(self) -> QSize:
        return QSize(200, 34)

    def set_values(self, values: tuple[int, ...], limit: int | None, color: QColor) -> None:
        if values == self._values and limit == self._limit and color == self._color:
            return
        self._values, self._limit, self._color = tuple(values), limit, color
        self.update()

    def values(self) -> tuple[int, ...]:
        return self._values

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        caption = QRectF(self.rect()).adjusted(0, 0, 0, 0)
        caption.setWidth(58)
        p.setPen(QColor(0, 0, 0, 120))
        small = p.font()
        small.setPixelSize(10)
        p.setFont(small)
        p.drawText(caption, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "last hour")
        r = QRectF(self.rect()).adjusted(60, 3, -2, -3)
        top = max([*self._values, self._limit or 0, 1])
        if self._limit:
            y = r.bottom() - r.height() * self._limit / top
            p.setPen(QPen(QColor(0, 0, 0, 70), 1, Qt.PenStyle.DashLine))
            p.drawLine(int(r.left()), int(y), int(r.right()), int(y))
        if len(self._values) < 2:
            p.setPen(QColor(0, 0, 0, 110))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "appears after a few updates")
            return
        step = r.width() / (len(self._values) - 1)
        path = QPainterPath()
        for i, v in enumerate(self._values):
            pt = (r.left() + i * step, r.bottom() - r.height() * v / top)
            path.moveTo(*pt) if i == 0 else path.lineTo(*pt)
        p.setPen(QPen(self._color, 2))
        p.drawPath(path)


class LevelBadge(QWidget):
    """Icon + word: the state without relying on colour."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._level = Level.UNKNOWN
        self.setFixedHeight(22)
        self.setMinimumWidth(120)

    def set_level(self, level: Level) -> None:
        if level != self._level:
            self._level = level
            self.update()

    def level(self) -> Level:
        return self._level

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        pal = PALETTES[self._level]
        draw_glyph(p, self._level, QRectF(0, 1, 20, 20), QColor(pal.accent), QColor("white"))
        font = p.font()
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor(pal.foreground))
        p.drawText(QRectF(26, 0, self.width() - 26, 22), Qt.AlignmentFlag.AlignVCenter, WORDS[self._level])


class StoreCard(QFrame):
    adjust_requested = Signal(str, int)  # store uuid, signed count

    def __init__(self, store_uuid: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.store_uuid = store_uuid
        self.setObjectName("occupancyCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.level = Level.UNKNOWN
        self._busy = False
        self._progress = ""
        self._block_reason: str | None = None

        self.name_label = QLabel()
        self.name_label.setStyleSheet("font-weight: 600; font-size: 15px;")
        self.name_label.setWordWrap(True)
        self.badge = LevelBadge()
        self.count_label = QLabel("—")
        self.count_label.setStyleSheet("font-size: 40px; font-weight: 700;")
        self.count_label.setAccessibleName("Current occupancy")
        self.limit_label = QLabel()
        self.limit_label.setStyleSheet("font-size: 15px;")
        self.percent_label = QLabel()
        self.percent_label.setStyleSheet("font-size: 22px; font-weight: 600;")
        self.traffic_label = QLabel()
        self.sparkline = Sparkline()
        self.updated_label = QLabel()
        self.updated_label.setStyleSheet("font-size: 11px;")

        self.minus_button = QPushButton("−1")
        self.plus_button = QPushButton("+1")
        for b in (self.minus_button, self.plus_button):
            b.setMinimumWidth(44)
        self.minus_button.setToolTip("One person left (not counted by the sensors)")
        self.plus_button.setToolTip("One person came in (not counted by the sensors)")
        self.amount = QSpinBox()
        self.amount.setRange(-MAX_MANUAL, MAX_MANUAL)
        self.amount.setValue(0)
        self.amount.setPrefix("± ")
        self.amount.setToolTip("Correct by several people: negative for people who left")
        self.apply_button = QPushButton("Apply")
        self.reason_label = QLabel()
        self.reason_label.setStyleSheet("font-size: 11px; font-style: italic;")
        self.reason_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("font-size: 12px;")
        self.message_label.hide()

        self.minus_button.clicked.connect(lambda: self._request(-1))
        self.plus_button.clicked.connect(lambda: self._request(1))
        self.apply_button.clicked.connect(lambda: self._request(self.amount.value()))
        self.amount.valueChanged.connect(lambda _v: self._sync_controls())

        head = QHBoxLayout()
        head.addWidget(self.name_label, 1)
        head.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        numbers = QHBoxLayout()
        numbers.addWidget(self.count_label)
        numbers.addWidget(self.limit_label, 0, Qt.AlignmentFlag.AlignBottom)
        numbers.addStretch(1)
        numbers.addWidget(self.percent_label, 0, Qt.AlignmentFlag.AlignBottom)
        controls = QHBoxLayout()
        controls.addWidget(self.minus_button)
        controls.addWidget(self.plus_button)
        controls.addStretch(1)
        controls.addWidget(self.amount)
        controls.addWidget(self.apply_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 10, 12, 10)
        box.setSpacing(4)
        box.addLayout(head)
        box.addLayout(numbers)
        box.addWidget(self.traffic_label)
        box.addWidget(self.sparkline)
        box.addWidget(self.updated_label)
        box.addLayout(controls)
        box.addWidget(self.reason_label)
        box.addWidget(self.message_label)
        self._sync_controls()

    # ------------------------------------------------------------ data in

    def set_snapshot(self, snap, thresholds: Thresholds, block_reason: str | None) -> None:
        ref = snap.store
        self.name_label.setText(ref.name + (f"  ·  #{ref.store_id}" if ref.store_id else ""))
        level = card_level(snap, thresholds)
        pal = PALETTES[level]
        if level != self.level or not self.styleSheet():  # re-styling every poll would be costly
            self.setStyleSheet(
                f"#occupancyCard {{ background: {pal.background}; border: 2px solid {pal.accent};"
                f" border-radius: 8px; }} #occupancyCard QLabel {{ color: {pal.foreground}; }}"
            )
        self.level = level
        self.badge.set_level(self.level)
        self.count_label.setText("—" if snap.occupancy is None else str(snap.occupancy))
        self.limit_label.setText(f"of {ref.limit}" if ref.limit is not None else "no limit set")
        pct = percent(snap.occupancy, ref.limit)
        self.percent_label.setText("" if pct is None else f"{pct:.0f} %")
        if snap.traffic_in is None:
            self.traffic_label.setText("Today: in — · out —")
        else:
            self.traffic_label.setText(f"Today: in {snap.traffic_in} · out {snap.traffic_out}")
        self.sparkline.set_values(snap.trend, ref.limit, QColor(pal.accent))
        self.updated_label.setText(updated_text(snap))
        self.updated_label.setToolTip(snap.error or "")
        self._block_reason = block_reason
        self._sync_controls()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._progress = "Sending…"
        self._sync_controls()

    def set_progress(self, text: str) -> None:
        """What an adjust in flight is doing (shown while busy)."""
        self._progress = text
        if self._busy:
            self.reason_label.setText(text)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(
            "font-size: 12px; font-weight: 600;" + (" color: #8c1d18;" if error else "")
        )
        self.message_label.setVisible(bool(text))

    # ------------------------------------------------------------ controls

    def block_reason(self) -> str | None:
        return self._block_reason

    def _request(self, count: int) -> None:
        if count and not self._busy and not self._block_reason:
            self.adjust_requested.emit(self.store_uuid, count)

    def _sync_controls(self) -> None:
        blocked = self._busy or self._block_reason is not None
        self.minus_button.setEnabled(not blocked)
        self.plus_button.setEnabled(not blocked)
        self.amount.setEnabled(not blocked)
        self.apply_button.setEnabled(not blocked and self.amount.value() != 0)
        reason = self._block_reason or ""
        if not reason and self.amount.value() == 0:
            self.apply_button.setToolTip("Enter a non-zero number first")
        else:
            self.apply_button.setToolTip(reason or "Send this correction once")
        for w in (self.minus_button, self.plus_button, self.amount):
            w.setToolTip(reason if reason else _default_tip(w, self))
        self.reason_label.setText(f"Adjust unavailable: {reason}" if reason else (self._progress if self._busy else ""))
        self.reason_label.setVisible(bool(reason) or self._busy)


def _default_tip(widget: QWidget, card: StoreCard) -> str:
    if widget is card.minus_button:
        return "One person left (not counted by the sensors)"
    if widget is card.plus_button:
        return "One person came in (not counted by the sensors)"
    return "Correct by several people: negative for people who left"


def updated_text(snap) -> str:
    if snap.updated_at is None:
        return "Not read yet" + (f" — {snap.error}" if snap.error else "")
    local = _local(snap.updated_at)
    if snap.stale:
        return f"As of {local:%H:%M} — not updating"
    return f"Updated {local:%H:%M:%S}"


def _local(moment: datetime) -> datetime:
    return moment.astimezone() if moment.tzinfo else moment
