"""The entrance display started from the app, for the store selected there.

The display runs in-process on the app's connection, full screen, with the same
way out as `storeops kiosk` (Ctrl+Shift+Q, then the PIN from kiosk.json when one
is set); leaving it shows the app again. Quitting the app (which hides the main
window) closes it too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from storeops.ui.context import PaneContext
    from storeops.ui.kiosk.widget import KioskWidget

log = logging.getLogger(__name__)


class KioskLauncher(QObject):
    """Owned by the main window: `start(ctx)` shows the display; one at a time."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.widget: KioskWidget | None = None
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Hidden by the app, not minimised by the user: the app is quitting.
        if watched is self.window and event.type() == QEvent.Type.Hide and not event.spontaneous():
            self.stop()
        return False

    def start(self, ctx: PaneContext | None) -> KioskWidget | None:
        if self.widget is not None:  # already showing: bring it back to the front
            self.widget.raise_()
            self.widget.activateWindow()
            return self.widget
        store = ctx.stores.current() if ctx is not None else None
        if ctx is None or store is None:
            if ctx is not None:
                ctx.status.error("Choose a store first: the entrance display shows one store")
            return None
        from storeops.ui.kiosk import create_kiosk_widget

        widget = create_kiosk_widget(ctx=ctx, store=store)
        self.widget = widget
        widget.exit_requested.connect(self._left)
        log.info("kiosk started from the app: store %s", store.name)
        widget.show_full_screen()
        widget.controller.start()
        return widget

    def stop(self) -> None:
        """Close the display from code (the app is quitting or disconnecting)."""
        widget, self.widget = self.widget, None
        if widget is not None:
            widget.controller.stop()
            widget.shutdown()
            widget.deleteLater()

    def _left(self) -> None:
        """Staff left the display (the widget has closed itself): back to the app."""
        widget, self.widget = self.widget, None
        if widget is not None:
            widget.deleteLater()
        self.window.raise_()
        self.window.activateWindow()
