"""Asking the Live video pane to show a channel, from any other pane.

One `LiveViewRequests` hub per connection (a child of the connection's shared
`StoreSelection`, so it lives and dies with the panes of that connection):

    # the asking pane (e.g. the Cameras pane, on a double-clicked channel):
    request_live_view(ctx, widget, LiveViewRequest(channel_uuid, "Registration Desk", store_uuid, "Fifth Avenue"))

    # the Video pane (consumer), in create_pane / activate:
    hub = live_view_requests(ctx)
    hub.requested.connect(self.open_channel)        # requests while it exists
    if (pending := hub.take_pending()) is not None:  # the request that created it
        self.open_channel(pending)
    # and in shutdown(): hub.requested.disconnect(self.open_channel)

`request_live_view` keeps the request as pending, emits `requested`, then asks the
window to bring the "video" pane forward (`window.show_pane("video")`, the main
window's method; a widget outside a main window only emits). The Video pane may be
created by that very call, after the signal: it then finds the request pending.
A consumer that handled a request calls `take_pending()` so it is not replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from storeops.ui.context import PaneContext

VIDEO_PANE = "video"
_HUB_NAME = "live_view_requests"


@dataclass(frozen=True)
class LiveViewRequest:
    channel_uuid: str
    channel_name: str = ""
    store_uuid: str = ""  # the store whose HLS token opens the channel
    store_name: str = ""


class LiveViewRequests(QObject):
    """`requested(LiveViewRequest)`: a pane asks for a channel in live view."""

    requested = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(_HUB_NAME)
        self._pending: LiveViewRequest | None = None

    def request(self, request: LiveViewRequest) -> None:
        self._pending = request
        self.requested.emit(request)

    def pending(self) -> LiveViewRequest | None:
        return self._pending

    def take_pending(self) -> LiveViewRequest | None:
        """The last request not yet taken (None when there is none); taking it clears it."""
        request, self._pending = self._pending, None
        return request


def live_view_requests(ctx: PaneContext) -> LiveViewRequests:
    """The hub of the connection `ctx` belongs to (made on first use)."""
    hub = ctx.stores.findChild(LiveViewRequests, _HUB_NAME)
    if isinstance(hub, LiveViewRequests):
        return hub
    return LiveViewRequests(ctx.stores)


def request_live_view(ctx: PaneContext, widget: QWidget, request: LiveViewRequest) -> bool:
    """Ask for `request` and bring the Live video pane forward. True when a window
    took the pane switch (False: only the signal went out)."""
    live_view_requests(ctx).request(request)
    show_pane = getattr(widget.window(), "show_pane", None)
    if not callable(show_pane):
        return False
    show_pane(VIDEO_PANE)
    return True
