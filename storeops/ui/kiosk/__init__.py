"""The kiosk entrance display: `create_kiosk_widget(...)` builds it (the
screenshot tool and `storeops kiosk` both use it), `prepare_screenshot` waits
for live content.

Qt is imported only when the widget is needed, so `storeops --help` and the
command line's language check (storeops.ui.kiosk.messages) stay fast and Qt-free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from storeops.ui.kiosk.config import KioskConfig
from storeops.ui.kiosk.messages import Messages
from storeops.ui.kiosk.state import KioskState

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient
    from storeops.api.models import Location
    from storeops.services.occupancy import StoreRef
    from storeops.settings import Settings
    from storeops.ui.context import PaneContext
    from storeops.ui.kiosk.widget import KioskWidget

__all__ = ["KioskConfig", "KioskWidget", "Messages", "create_kiosk_widget", "prepare_screenshot"]


def __getattr__(name: str) -> object:
    if name == "KioskWidget":
        from storeops.ui.kiosk.widget import KioskWidget

        return KioskWidget
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def create_kiosk_widget(
    ctx: PaneContext | None = None,
    *,
    client: RetailNextClient | None = None,
    store: Location | StoreRef | str | None = None,
    settings: Settings | None = None,
    config: KioskConfig | None = None,
    lang: str | None = None,
    pin_hash: str | None = None,
    staff_buttons: bool | None = None,
    interval: float | None = None,
    now: Callable[[], datetime] | None = None,
    start: bool = False,
) -> KioskWidget:
    """Build the display (not shown). `store`: a Location, StoreRef or a
    uuid / store id / name; None picks ctx's current store, else the first.
    The widget's `.controller` polls once `start=True` or `controller.start()`."""
    from storeops.services.bundle import Services
    from storeops.services.store_hours import utc_now
    from storeops.ui.kiosk.controller import KioskController
    from storeops.ui.kiosk.widget import KioskWidget
    from storeops.ui.occupancy.pane import poll_interval, profile_name
    from storeops.ui.occupancy.state import Thresholds

    if client is None and ctx is None:
        raise TypeError("create_kiosk_widget needs a client or a ctx")
    settings = settings if settings is not None else (ctx.settings if ctx is not None else None)
    config = config or KioskConfig.load()
    messages = Messages.load(lang or config.lang, config.messages_file)
    widget = KioskWidget(
        messages,
        pin_hash=pin_hash if pin_hash is not None else config.pin_hash,
        staff_buttons=config.staff_buttons if staff_buttons is None else staff_buttons,
        cursor_idle_ms=int(config.cursor_idle_s * 1000),
    )
    # The display polls its one store at its own pace: a poller of its own, from the
    # connection's services (the app's) or from the client it was given (storeops kiosk).
    if client is not None:
        services = Services(client)
    else:
        assert ctx is not None
        services = ctx.services
    service = services.occupancy_poller(
        interval=interval or poll_interval(settings),
        now=now or (ctx.now if ctx is not None else utc_now),
        profile=f"kiosk {profile_name(settings)}".strip(),
    )
    pick: Callable[[list[Location]], Location | None] | None = None
    if store is None and ctx is not None:
        current = ctx.stores.current()

        def pick_current(stores: list[Location]) -> Location | None:
            # The current store, unless it has no limit: then a store the display makes sense for.
            chosen = next((s for s in stores if current and s.uuid == current.uuid), None)
            if chosen is None or chosen.occupancy_limit is None:
                chosen = next((s for s in stores if s.occupancy_limit is not None), chosen)
            return chosen

        pick = pick_current
    widget.controller = KioskController(
        widget,
        service,
        store,
        messages=messages,
        thresholds=Thresholds.from_settings(settings),
        pick_store=pick,
    )
    if start:
        widget.controller.start()
    return widget


async def prepare_screenshot(widget: KioskWidget, timeout: float = 15.0) -> None:
    """Start polling and wait until the display shows live data (or the timeout)."""
    widget.controller.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        widget.controller.refresh_view()
        if widget.view().state is not KioskState.STARTING:
            break
        await asyncio.sleep(0.05)
