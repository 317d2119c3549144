"""Keep a window covering its whole screen.

`showFullScreen()` is only a request to the window manager. On a bare X server
with no window manager (common for an entrance screen) nobody answers it and
the window opens at its default size in a corner. ScreenCover asks for full
screen, then checks a moment later — and whenever the window moves or resizes,
or the screen's resolution changes — that the window covers the screen's
geometry, and sets that geometry itself if not. A window manager that keeps
refusing is given up on after a few tries (no fight), until the screen changes.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QRect, QTimer
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

#: How long a window manager gets to answer the full-screen request (or to settle
#: after a move) before the window covers the screen itself.
SETTLE_MS = 250
#: Corrections in a row that did not stick before giving up until the screen changes.
MAX_TRIES = 5


class ScreenCover(QObject):
    """`ScreenCover(widget).show()` in place of `widget.showFullScreen()`."""

    def __init__(self, widget: QWidget, settle_ms: int = SETTLE_MS) -> None:
        super().__init__(widget)
        self.widget = widget
        self.checks = 0  # looks at the geometry (tests)
        self.corrections = 0  # geometries set by hand (tests, logs)
        self._tries = 0  # since the screen last changed
        self._screen: QScreen | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(settle_ms)
        self._timer.timeout.connect(self._check)
        widget.installEventFilter(self)

    def show(self) -> None:
        self.widget.showFullScreen()
        handle = self.widget.windowHandle()
        if handle is not None:
            handle.screenChanged.connect(self._watch)
        self._watch(self.widget.screen())

    def target(self) -> QRect:
        return self.widget.screen().geometry()

    def covers(self) -> bool:
        return self.widget.geometry() == self.target()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget and event.type() in (
            QEvent.Type.Move,
            QEvent.Type.Resize,
            QEvent.Type.WindowStateChange,
            QEvent.Type.Show,
        ):
            self._check_soon()
        return False

    def _watch(self, screen: QScreen | None) -> None:
        if screen is not self._screen:
            if self._screen is not None:
                self._screen.geometryChanged.disconnect(self._screen_changed)
            self._screen = screen
            if screen is not None:
                screen.geometryChanged.connect(self._screen_changed)
        self._screen_changed()

    def _screen_changed(self, *_: object) -> None:
        self._tries = 0
        self._check_soon()

    def _check_soon(self) -> None:
        if self.widget.isVisible() and not self._timer.isActive():
            self._timer.start()

    def _check(self) -> None:
        if not self.widget.isVisible():
            return
        self.checks += 1
        if self.covers() or self._tries >= MAX_TRIES:
            return
        self._tries += 1
        self.corrections += 1
        target = self.target()
        if self.corrections == 1:
            log.info(
                "kiosk: full screen not granted (no window manager?); covering the screen %dx%d itself",
                target.width(),
                target.height(),
            )
        self.widget.setGeometry(target)
        self.widget.raise_()
        self.widget.activateWindow()
