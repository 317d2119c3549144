"""The entrance display started from the app, for the store selected there.

The display runs in-process on the app's connection, full screen, with the same
way out as `storeops kiosk` (Ctrl+Shift+Q, then the PIN from kiosk.json when one
is set); leaving it shows the app again. Quitting the app (which hides the main
window) closes it too.

When the app's connection changes (another account, demo data, the account in use
edited), the display must not keep a client that is about to close: it stops polling
at once, stays on screen meanwhile, and then follows the new connection if that one
serves its store (the same account reconnected), or closes and the app says why.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from storeops.api.models import Location
    from storeops.ui.context import PaneContext
    from storeops.ui.kiosk.widget import KioskWidget

log = logging.getLogger(__name__)


class KioskLauncher(QObject):
    """Owned by the main window: `start(ctx)` shows the display; one at a time."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.widget: KioskWidget | None = None
        # The display's store while it waits for a new connection (its own stopped).
        self._waiting: tuple[str, str] | None = None  # uuid, name
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
        widget = self._show(ctx, store)
        log.info("kiosk started from the app: store %s", store.name)
        return widget

    def _show(self, ctx: PaneContext, store: Location) -> KioskWidget:
        from storeops.ui.kiosk import create_kiosk_widget

        widget = create_kiosk_widget(ctx=ctx, store=store)
        self.widget = widget
        widget.exit_requested.connect(self._left)
        widget.show_full_screen()
        widget.controller.start()
        return widget

    def stop(self) -> None:
        """Close the display from code (the app is quitting or disconnecting)."""
        widget, self.widget = self.widget, None
        self._waiting = None
        if widget is not None:
            widget.controller.stop()
            widget.shutdown()
            widget.deleteLater()

    # ------------------------------------------------------------ connection changes
    def connection_dropped(self) -> None:
        """The app lets go of its connection: stop polling on it now (its client closes
        soon); the display stays up until `connection_made` says what comes next."""
        widget = self.widget
        if widget is None or self._waiting is not None:
            return
        widget.controller.stop()
        uuid = widget.controller.store_uuid
        snap = widget.controller.service.snapshot(uuid) if uuid else None
        self._waiting = (uuid or "", snap.store.name if snap is not None else "its store")

    def connection_made(self, ctx: PaneContext | None) -> str | None:
        """The new connection (None: it failed). The waiting display follows it when it
        serves the same store; otherwise the display closes. Returns why it closed,
        for the status bar, or None."""
        widget, waiting = self.widget, self._waiting
        self._waiting = None
        if widget is None or waiting is None:
            return None
        uuid, name = waiting
        store = next((s for s in ctx.stores.stores() if s.uuid == uuid), None) if ctx is not None else None
        if ctx is None or store is None:
            self.stop()
            self._back_to_app()
            why = "StoreOps could not connect" if ctx is None else f"“{name}” is not in the account now in use"
            log.info("kiosk closed on a new connection: %s", why)
            return f"The entrance display closed: {why}. Start it again from View › Start entrance display…"
        screen = widget.screen()
        fresh = self._show(ctx, store)  # up before the old one goes: no glimpse of the app
        if fresh.screen() is not screen:
            fresh.setScreen(screen)
        widget.exit_requested.disconnect(self._left)
        widget.shutdown()
        widget.deleteLater()
        log.info("kiosk follows the new connection: store %s", store.name)
        return None

    def _left(self) -> None:
        """Staff left the display (the widget has closed itself): back to the app."""
        widget, self.widget = self.widget, None
        self._waiting = None
        if widget is not None:
            widget.deleteLater()
        self._back_to_app()

    def _back_to_app(self) -> None:
        self.window.raise_()
        self.window.activateWindow()
