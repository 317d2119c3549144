"""The main window takes the keyboard back when one of its dialogs closes.

Without a window manager (an entrance PC, a kiosk box, a bare X server) nobody gives
the focus back when a dialog goes away: X leaves it on the root window, and every
shortcut (Ctrl+1..6, F5, F1, Ctrl+Q) is dead until a click. A window manager usually
does this itself; asking again then changes nothing.

Only a window of ours that had the focus and is then hidden counts: when the person
switches to another program, nothing is hidden and the focus stays where they put it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication, QWidget


class RefocusAfterDialogs(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._watched: set[int] = set()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._focus_changed)

    def _focus_changed(self, now: QWindow | None) -> None:
        # Watch each other window of ours that takes the focus, for its Hide (a filter on
        # that one object: the application's every event never passes through Python).
        if now is None or now is self.window.windowHandle() or id(now) in self._watched:
            return
        self._watched.add(id(now))
        now.installEventFilter(self)
        now.destroyed.connect(lambda *_: self._watched.discard(id(now)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Hide:
            QTimer.singleShot(0, self.refocus)
        return False

    def refocus(self) -> None:
        window = self.window
        if not window.isVisible() or window.isMinimized():
            return
        if QApplication.activeWindow() is None and QApplication.activeModalWidget() is None:
            window.activateWindow()
