"""The full-screen entrance display.

Everything is painted in one paintEvent, and only when the view changes, so an
idle kiosk costs next to no CPU. No menus, no context menu, Esc does nothing,
closing is refused: the only way out is Ctrl+Shift+Q, then the staff PIN when
one is configured (checked against its hash; five wrong tries lock for 30 s).
`show_full_screen()` covers the screen even with no window manager (screen.py).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QRegularExpressionValidator,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from storeops.ui.kiosk.messages import Messages
from storeops.ui.kiosk.pin import verify_pin
from storeops.ui.kiosk.screen import ScreenCover
from storeops.ui.kiosk.state import COLOURS, GLYPH, KioskState, KioskView
from storeops.ui.occupancy.glyphs import draw_glyph

if TYPE_CHECKING:
    from storeops.ui.kiosk.controller import KioskController

CURSOR_IDLE_MS = 3000
PIN_IDLE_MS = 20000
MAX_PIN_TRIES = 5
PIN_LOCKOUT_S = 30.0
NOTICE_MS = 5000


class KioskWidget(QWidget):
    exit_requested = Signal()
    staff_adjust = Signal(int)
    # Attached by create_kiosk_widget: the widget paints, the controller behaves.
    controller: KioskController

    def __init__(
        self,
        messages: Messages | None = None,
        *,
        pin_hash: str | None = None,
        staff_buttons: bool = False,
        cursor_idle_ms: int = CURSOR_IDLE_MS,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.messages = messages or Messages()
        self._pin_hash = pin_hash or None
        self._allow_close = False
        self._view = KioskView(KioskState.STARTING, self.messages.get("starting"))
        self._notice = ""
        self._staff_reason = ""  # why the staff buttons are off, in the display's language
        self._wrong_pins = 0
        self._locked_until = 0.0
        self.paints = 0
        self.screen_cover: ScreenCover | None = None

        self.setWindowTitle("StoreOps kiosk")
        self.setWindowFlags(
            Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

        self._cursor_timer = QTimer(self)
        self._cursor_timer.setSingleShot(True)
        self._cursor_timer.setInterval(cursor_idle_ms)
        self._cursor_timer.timeout.connect(self._hide_cursor)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(lambda: self.show_notice(""))
        self._pin_timer = QTimer(self)
        self._pin_timer.setSingleShot(True)
        self._pin_timer.setInterval(PIN_IDLE_MS)
        self._pin_timer.timeout.connect(self.cancel_pin)

        self.pin_panel = QFrame(self)
        self.pin_panel.setObjectName("pinPanel")
        self.pin_panel.setStyleSheet(
            "#pinPanel { background: #202124; border: 2px solid #ffffff; border-radius: 12px; }"
            " QLabel { color: #ffffff; font-size: 22px; } QLineEdit { font-size: 28px; padding: 6px; }"
        )
        self.pin_prompt = QLabel(self.messages.get("pin_prompt"))
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setMaxLength(16)
        self.pin_edit.setValidator(QRegularExpressionValidator(r"[0-9]{0,16}"))
        self.pin_edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.pin_edit.returnPressed.connect(self.submit_pin)
        self.pin_error = QLabel("")
        panel_box = QVBoxLayout(self.pin_panel)
        panel_box.setContentsMargins(24, 20, 24, 20)
        panel_box.addWidget(self.pin_prompt)
        panel_box.addWidget(self.pin_edit)
        panel_box.addWidget(self.pin_error)
        self.pin_panel.hide()

        self.minus_button: QPushButton | None = None
        self.plus_button: QPushButton | None = None
        if staff_buttons:
            self.minus_button = self._staff_button("−1", -1)
            self.plus_button = self._staff_button("+1", 1)

        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # mouse moves over any child show the cursor
        self._cursor_timer.start()

    def show_full_screen(self) -> None:
        """Full screen; where no window manager grants it (a bare X server), the
        display covers its screen's geometry itself, and follows resolution changes."""
        if self.screen_cover is None:
            self.screen_cover = ScreenCover(self)
        self.screen_cover.show()

    # ------------------------------------------------------------ view

    def view(self) -> KioskView:
        return self._view

    def set_view(self, view: KioskView) -> None:
        if view != self._view:
            self._view = view
            self._sync_staff_buttons()
            self.update()

    def set_messages(self, messages: Messages) -> None:
        self.messages = messages
        self.pin_prompt.setText(messages.get("pin_prompt"))
        self.update()

    def show_notice(self, text: str, ms: int = NOTICE_MS) -> None:
        """A short line for staff (e.g. the result of a +/− press)."""
        if text == self._notice:
            return
        self._notice = text
        if text:
            self._notice_timer.start(ms)
        self.update()

    def notice(self) -> str:
        return self._notice

    def set_staff_enabled(self, enabled: bool, reason: str = "") -> None:
        """`reason`: why they are off, for staff: their tooltip, and a line on the
        display while they show (a touch screen has no hover)."""
        for b in (self.minus_button, self.plus_button):
            if b is not None:
                b.setEnabled(enabled)
                b.setToolTip(reason)
        reason = "" if enabled else reason
        if reason != self._staff_reason:
            self._staff_reason = reason
            self.update()

    def staff_note(self) -> str:
        """The line the display shows for staff about the ± buttons ("" for none)."""
        return self._staff_reason if self._staff_usable() else ""

    def _staff_button(self, text: str, count: int) -> QPushButton:
        b = QPushButton(text, self)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        b.setStyleSheet(
            "QPushButton { background: rgba(0,0,0,60); color: white; border: 3px solid rgba(255,255,255,170);"
            " border-radius: 16px; font-weight: 700; }"
            " QPushButton:disabled { color: rgba(255,255,255,60); border-color: rgba(255,255,255,60); }"
        )
        b.clicked.connect(lambda: self.staff_adjust.emit(count))
        return b

    def _staff_usable(self) -> bool:
        """The staff buttons are there and shown: there is a live count to adjust."""
        return self.plus_button is not None and self._view.state in (
            KioskState.WELCOME,
            KioskState.NEARLY_FULL,
            KioskState.WAIT,
        )

    def _sync_staff_buttons(self) -> None:
        if self.minus_button is None or self.plus_button is None:
            return
        usable = self._staff_usable()
        self.minus_button.setVisible(usable)
        self.plus_button.setVisible(usable)

    # ------------------------------------------------------------ exit protection

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers()
        if (
            event.key() == Qt.Key.Key_Q
            and mods & Qt.KeyboardModifier.ControlModifier
            and mods & Qt.KeyboardModifier.ShiftModifier
        ):
            self.request_exit()
        elif event.key() == Qt.Key.Key_Escape and self.pin_panel.isVisible():
            self.cancel_pin()
        event.accept()  # swallow everything else: Esc, F11, Alt+keys do nothing

    def request_exit(self) -> None:
        if not self._pin_hash:
            self._leave()
            return
        self.pin_error.setText("")
        self.pin_edit.clear()
        self._place_overlays()
        self.pin_panel.show()
        self.pin_panel.raise_()
        self.pin_edit.setFocus()
        self._pin_timer.start()

    def submit_pin(self) -> bool:
        remaining = self._locked_until - time.monotonic()
        if remaining > 0:
            self.pin_error.setText(self.messages.get("pin_locked", seconds=int(remaining) + 1))
            self.pin_edit.clear()
            return False
        entered = self.pin_edit.text()
        self.pin_edit.clear()
        if self._pin_hash and verify_pin(entered, self._pin_hash):
            self._leave()
            return True
        self._wrong_pins += 1
        if self._wrong_pins >= MAX_PIN_TRIES:
            self._wrong_pins = 0
            self._locked_until = time.monotonic() + PIN_LOCKOUT_S
            self.pin_error.setText(self.messages.get("pin_locked", seconds=int(PIN_LOCKOUT_S)))
        else:
            self.pin_error.setText(self.messages.get("pin_wrong"))
        self._pin_timer.start()
        return False

    def cancel_pin(self) -> None:
        self.pin_panel.hide()
        self.pin_edit.clear()
        self.setFocus()

    def _leave(self) -> None:
        self._allow_close = True
        self.pin_panel.hide()
        self.exit_requested.emit()
        self.close()

    def shutdown(self) -> None:
        """Close from code (not from a user): the app is quitting."""
        self._allow_close = True
        self.close()

    @property
    def leaving(self) -> bool:
        return self._allow_close

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._allow_close:
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            event.accept()
        else:
            event.ignore()  # Alt+F4 and window-manager close do nothing

    # ------------------------------------------------------------ cursor

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            if self.cursor().shape() == Qt.CursorShape.BlankCursor:
                self.unsetCursor()
            self._cursor_timer.start()
        return False

    def _hide_cursor(self) -> None:
        self.setCursor(Qt.CursorShape.BlankCursor)

    @property
    def cursor_hidden(self) -> bool:
        return self.cursor().shape() == Qt.CursorShape.BlankCursor

    # ------------------------------------------------------------ layout & paint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_overlays()

    def _place_overlays(self) -> None:
        w, h = self.width(), self.height()
        pw, ph = min(w - 40, 640), 200
        self.pin_panel.setGeometry(int((w - pw) / 2), int((h - ph) / 2), int(pw), ph)
        if self.minus_button is not None and self.plus_button is not None:
            side = max(64, int(h * 0.11))
            margin = int(h * 0.03)
            self.minus_button.setGeometry(margin, h - side - margin, side, side)
            self.plus_button.setGeometry(w - side - margin, h - side - margin, side, side)
            # The label grows with the button and stays inside its border (a fixed 40 px
            # spilled over the edges of the smallest, 64 px, button).
            font = self.plus_button.font()
            font.setPixelSize(max(12, int(side * 0.4)))
            for b in (self.minus_button, self.plus_button):
                b.setFont(font)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        view = self._view
        bg, fg = COLOURS[view.state]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        p.fillRect(self.rect(), QColor(bg))
        w, h = float(self.width()), float(self.height())
        landscape = w >= h * 1.1
        margin = h * 0.05
        footer_h = min(w, h) * 0.08
        body = QRectF(margin, margin, w - 2 * margin, h - 2 * margin - footer_h)
        if landscape:
            icon_side = min(body.width() * 0.3, body.height() * 0.62)
            icon = QRectF(body.left(), body.center().y() - icon_side / 2, icon_side, icon_side)
            text = QRectF(icon.right() + margin, body.top(), body.right() - icon.right() - margin, body.height())
        else:
            icon_side = min(body.width() * 0.45, body.height() * 0.25)
            icon = QRectF(body.center().x() - icon_side / 2, body.top(), icon_side, icon_side)
            text = QRectF(body.left(), icon.bottom() + margin / 2, body.width(), body.bottom() - icon.bottom())
        glyph_on = QColor(bg) if view.state is not KioskState.NEARLY_FULL else QColor("#f2b705")
        draw_glyph(p, GLYPH[view.state], icon, QColor(fg), glyph_on)

        fgc = QColor(fg)
        align = Qt.AlignmentFlag.AlignLeft if landscape else Qt.AlignmentFlag.AlignHCenter
        if view.number:
            rows = [
                (view.title, 0.16, True),
                (view.number, 0.40, True),
                (view.number_caption, 0.07, False),
                (view.detail, 0.11, True),
            ]
        else:
            rows = [(view.title, 0.22, True), (view.detail, 0.10, False)]
        total = sum(share for text_, share, _ in rows if text_)
        # Shares are of the screen height, shrunk when the text area is shorter (portrait).
        scale = min(0.95 * h, text.height() / total) if total else 0.0
        y = text.top() + (text.height() - total * scale) / 2
        for content, share, bold in rows:
            if not content:
                continue
            line_h = share * scale
            font = _fit(content, line_h * 0.82, text.width(), bold)
            p.setFont(font)
            p.setPen(fgc)
            p.drawText(QRectF(text.left(), y, text.width(), line_h), align | Qt.AlignmentFlag.AlignVCenter, content)
            y += line_h
        footer = "   ·   ".join(part for part in (view.footer, self.staff_note(), self._notice) if part)
        if footer:
            p.setFont(
                _fit(footer, footer_h * 0.45, w - 2 * margin - (2.5 * h * 0.11 if self.minus_button else 0), False)
            )
            p.setPen(fgc)
            p.drawText(
                QRectF(margin, h - margin - footer_h, w - 2 * margin, footer_h),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                footer,
            )
        p.end()


def _fit(text: str, pixel_height: float, width: float, bold: bool) -> QFont:
    """A font as tall as allowed, shrunk until the text fits the width."""
    font = QFont()
    font.setBold(bold)
    size = max(8, int(pixel_height))
    font.setPixelSize(size)
    advance = QFontMetricsF(font).horizontalAdvance(text)
    if advance > width > 0:
        font.setPixelSize(max(8, int(size * width / advance * 0.98)))
    return font
