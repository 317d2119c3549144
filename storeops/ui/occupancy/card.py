"""One store's occupancy card: number, limit, percentage, today's traffic, a
last-hour sparkline, the colour state (with icon and word), and the manual
adjust controls. The card only lays out and emits `adjust_requested`; the
pane decides and talks to the service."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QFontMetrics, QPainter, QPainterPath, QPen
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

from storeops.services.store_hours import zone
from storeops.ui.occupancy.glyphs import draw_glyph
from storeops.ui.occupancy.state import PALETTES, WORDS, Level, Thresholds, card_level, percent

MAX_MANUAL = 999
BADGE_ICON = 26  # glyph and gap before the word
BUTTON_WIDTH = 64
BUTTON_HEIGHT = 26
NOT_READ_YET = "Not read yet: adjusting waits for the first count"
FOCUS_RING = "#1f6feb"  # the stylesheet's focus colour

# Focus that arrives this way means someone is walking the cards with the keyboard.
_KEYBOARD_REASONS = (
    Qt.FocusReason.TabFocusReason,
    Qt.FocusReason.BacktabFocusReason,
    Qt.FocusReason.ShortcutFocusReason,
)


class WheelGuardSpinBox(QSpinBox):
    """A spin box the wheel turns only once it has focus: scrolling the card
    grid over an unfocused one must scroll the grid, not change a correction."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not WheelFocus: the wheel never grabs focus

    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # goes on to the parents: the scroll area scrolls

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.hasFocus():
            # The stylesheet rings focused buttons and combos; a stylesheet border on a
            # spin box would drop its native arrows, so its ring is painted here.
            p = QPainter(self)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(QPen(QColor(FOCUS_RING), 2))
            p.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 3, 3)


class ElidedLabel(QLabel):
    """One line that shortens with "…" when narrow (full text in the tooltip),
    instead of wrapping and pushing what follows onto a second line."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        if text != self._full:
            self._full = text
            self.setToolTip(text)
            self.updateGeometry()
            self._elide()

    def full_text(self) -> str:
        return self._full

    def is_elided(self) -> bool:
        return self.text() != self._full

    def minimumSizeHint(self) -> QSize:
        return QSize(48, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 4, super().sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the stylesheet's font arrives on polish
            self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width()))
        if shown != self.text():
            self.setText(shown)


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

    def paintEvent(self, event) -> None:
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
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_level(self, level: Level) -> None:
        if level != self._level:
            self._level = level
            self.updateGeometry()  # the word's width decides the badge's
            self.update()

    def _word_font(self):
        font = self.font()
        font.setBold(True)
        return font

    def text_width(self) -> int:
        return QFontMetrics(self._word_font()).horizontalAdvance(WORDS[self._level])

    def sizeHint(self) -> QSize:
        return QSize(BADGE_ICON + self.text_width() + 4, 22)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def level(self) -> Level:
        return self._level

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = PALETTES[self._level]
        draw_glyph(p, self._level, QRectF(0, 1, 20, 20), QColor(pal.accent), QColor("white"))
        p.setFont(self._word_font())
        p.setPen(QColor(pal.foreground))
        p.drawText(
            QRectF(BADGE_ICON, 0, self.width() - BADGE_ICON, 22), Qt.AlignmentFlag.AlignVCenter, WORDS[self._level]
        )


class StoreCard(QFrame):
    adjust_requested = Signal(str, int)  # store uuid, signed count
    hold_changed = Signal()  # holds_order() may have changed

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
        self._keyboard_focus = False
        self._refocus: tuple[QWidget, bool] | None = None

        self.name_label = ElidedLabel()
        self.name_label.setStyleSheet("font-weight: 600; font-size: 15px;")
        # The store id stays whole and on the name's line; the name gives way.
        self.id_label = QLabel()
        self.id_label.setStyleSheet("font-weight: 600; font-size: 15px;")
        self.id_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
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
            # Fixed: the stylesheet's focus look has its own padding, and a focused −1
            # that shrank would move +1 under the pointer for the next click.
            b.setFixedSize(BUTTON_WIDTH, BUTTON_HEIGHT)
        self.minus_button.setToolTip("One person left (not counted by the sensors)")
        self.plus_button.setToolTip("One person came in (not counted by the sensors)")
        self.amount = WheelGuardSpinBox()
        self.amount.setRange(-MAX_MANUAL, MAX_MANUAL)
        self.amount.setValue(0)
        self.amount.setPrefix("± ")
        self.amount.setToolTip("Correct by several people: negative for people who left")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setFixedSize(BUTTON_WIDTH, BUTTON_HEIGHT)
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

        for control in (*self.controls(), self.amount.lineEdit()):  # the spin box's focus lives in its editor
            control.installEventFilter(self)

        head = QHBoxLayout()
        head.addWidget(self.name_label)
        head.addWidget(self.id_label)
        head.addStretch(1)  # gives way first; then the name shortens
        head.addSpacing(8)
        head.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
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
        self.name_label.set_full_text(ref.name)
        self.id_label.setText(f"·  #{ref.store_id}" if ref.store_id else "")
        self.id_label.setVisible(bool(ref.store_id))
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
        if busy and not self._busy:
            self._park_focus()
        self._busy = busy
        self._progress = "Sending…"
        self._sync_controls()
        if not busy:
            self._restore_focus()
        self.hold_changed.emit()

    def _park_focus(self) -> None:
        """Disabling the focused button would make Qt pass focus on, as if by Tab,
        to the next card's −1 (Space would then adjust another store): keep focus
        on this card while its controls are off, and give it back afterwards."""
        focused = next((c for c in self.controls() if c.hasFocus()), None)
        self._refocus = (focused, self._keyboard_focus) if focused is not None else None
        if focused is not None:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _restore_focus(self) -> None:
        refocus, self._refocus = self._refocus, None
        if refocus is None or not self.hasFocus():
            return  # the user has moved on meanwhile
        control, keyboard = refocus
        if control.isEnabled():
            control.setFocus(Qt.FocusReason.TabFocusReason if keyboard else Qt.FocusReason.MouseFocusReason)

    def set_progress(self, text: str) -> None:
        """What an adjust in flight is doing (shown while busy)."""
        self._progress = text
        if self._busy:
            self.reason_label.setText(text)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet("font-size: 12px; font-weight: 600;" + (" color: #8c1d18;" if error else ""))
        self.message_label.setVisible(bool(text))

    # ------------------------------------------------------------ controls

    def controls(self) -> list[QWidget]:
        """The card's focusable controls, in Tab order."""
        return [self.minus_button, self.plus_button, self.amount, self.apply_button]

    def block_reason(self) -> str | None:
        return self._block_reason

    def holds_order(self) -> bool:
        """The user is working in this card: the grid must not move it.
        A mouse click leaves focus on a button too, but then the pointer over
        the grid is what holds the order; keyboard focus holds it by itself."""
        return self._busy or self.amount.hasFocus() or self._keyboard_focus

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusIn and isinstance(event, QFocusEvent):
            self._keyboard_focus = event.reason() in _KEYBOARD_REASONS
            self.hold_changed.emit()
        elif kind == QEvent.Type.FocusOut:
            self._keyboard_focus = False
            self.hold_changed.emit()
        return False

    def _request(self, count: int) -> None:
        if count and not self._busy and not self._block_reason:
            self.adjust_requested.emit(self.store_uuid, count)

    def _sync_controls(self) -> None:
        blocked = self._busy or self._block_reason is not None
        focused = next((c for c in self.controls() if c.hasFocus()), None)
        if focused is not None and (blocked or (focused is self.apply_button and self.amount.value() == 0)):
            # Disabling the focused control would make Qt pass focus on to the next
            # card; it stays here: on the number field after an Apply, else on the card.
            target = self.amount if not blocked else self
            target.setFocus(Qt.FocusReason.TabFocusReason if self._keyboard_focus else Qt.FocusReason.OtherFocusReason)
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
    """When the count was read, in the store's own time (as every time in the pane):
    the manager may be in another zone, and the machine's zone is nobody's."""
    if snap.updated_at is None:
        return "Not read yet" + (f" — {snap.error}" if snap.error else "")
    local = store_time(snap.updated_at, snap.store.time_zone)
    # The zone named: cards of stores in several zones side by side show different hours.
    if snap.stale:
        return f"As of {local:%H:%M %Z} — not updating"
    return f"Updated {local:%H:%M:%S %Z}"


def store_time(moment: datetime, time_zone: str | None) -> datetime:
    """An instant on the store's wall clock (aware, for %Z); a naive one is taken as UTC,
    as the service's clock gives it."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone(time_zone))
