"""Drives the Cameras pane from CamerasService: reads the inventory and runs the
counting check when the pane is shown (again every REREAD_S while it stays in view,
so "last heard" and the check follow the clock; never while hidden), follows the
shared store selection, and opens a double-clicked channel in live view through
storeops.ui.live_view_request. A failed read keeps what the tables showed and says
why, beside the tables and in the status bar.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from qasync import asyncSlot
from shiboken6 import isValid

from storeops.api.errors import ApiError
from storeops.api.models import Location
from storeops.services.cameras import CamerasService, Inventory
from storeops.services.counting_check import CountingReport
from storeops.services.wording import reason
from storeops.ui.cameras.pane import ALL_STORES, SELECTED_STORE, CamerasPane
from storeops.ui.live_view_request import LiveViewRequest, request_live_view

if TYPE_CHECKING:
    from storeops.services.cameras import ChannelRow

log = logging.getLogger(__name__)

#: Read again while the pane stays in view.
REREAD_S = 300


class CamerasController(QObject):
    def __init__(self, view: CamerasPane, ctx: Any, *, service: CamerasService | None = None) -> None:
        super().__init__(view)
        self.view = view
        self.ctx = ctx
        self.service: CamerasService = service if service is not None else ctx.services.cameras
        self.inventory: Inventory | None = None
        self.report: CountingReport | None = None
        self.last_error: str | None = None
        self.loads = 0  # completed reads, for tests and the screenshot
        self._task: asyncio.Task[bool] | None = None
        self._active = False
        self._dead = False
        self._timer = QTimer(self)
        self._timer.setInterval(REREAD_S * 1000)
        self._timer.timeout.connect(self._reread)

        view.refresh_requested.connect(self._on_refresh)
        view.scope_changed.connect(self.apply_scope)
        view.channel_activated.connect(self.open_live)
        ctx.stores.changed.connect(self._selection_changed)
        ctx.stores.stores_changed.connect(self._stores_changed)
        view.set_store_choices(ctx.stores.stores(), ctx.stores.current())
        self.apply_scope()

    # ------------------------------------------------------------ life cycle
    def activate(self) -> None:
        if self._dead:
            return
        self._active = True
        self._timer.start()
        if self.inventory is None or self._stale():
            self._start_load()

    def deactivate(self) -> None:
        self._active = False
        self._timer.stop()

    def shutdown(self) -> None:
        if self._dead:
            return
        self._dead = True
        self.deactivate()
        with contextlib.suppress(RuntimeError, TypeError):
            self.ctx.stores.changed.disconnect(self._selection_changed)
        with contextlib.suppress(RuntimeError, TypeError):
            self.ctx.stores.stores_changed.disconnect(self._stores_changed)
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def _alive(self) -> bool:
        """Not shut down, and the view not deleted (a read may end after either)."""
        return not self._dead and isValid(self.view)

    def _stale(self) -> bool:
        return self.inventory is None or (self.service.now() - self.inventory.read_at).total_seconds() >= REREAD_S

    # ------------------------------------------------------------ scope
    def _selection_changed(self, _store: object) -> None:
        self.view.set_store_choices(self.ctx.stores.stores(), self.ctx.stores.current())
        self.apply_scope()

    def _stores_changed(self, stores: list[Location]) -> None:
        self.view.set_store_choices(stores, self.ctx.stores.current())
        self.apply_scope()

    def scope_stores(self) -> frozenset[str] | None:
        """Store uuids the tables show; None: all stores."""
        choice = self.view.scope_choice()
        if choice == ALL_STORES:
            return None
        if choice == SELECTED_STORE:
            current = self.ctx.stores.current()
            return frozenset({current.uuid}) if current is not None else None
        return frozenset({choice})

    def apply_scope(self) -> None:
        self.view.set_store_filter(self.scope_stores())

    # ------------------------------------------------------------ reading
    @asyncSlot()
    async def _on_refresh(self) -> None:
        await self.reload()

    def _reread(self) -> None:
        if self._active and not self._dead:
            self._start_load()

    def _start_load(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._load())

    async def reload(self) -> bool:
        """Read everything again (F5, the button); joins a read already under way.
        True when the inventory was read."""
        if self._dead:
            return False
        self._start_load()
        assert self._task is not None
        try:
            return await asyncio.shield(self._task)
        except asyncio.CancelledError:
            return False

    async def _load(self) -> bool:
        view = self.view
        view.set_loading(True)
        try:
            stores = self.ctx.stores.stores()
            try:
                async with self.ctx.status.busy("Reading the camera inventory"):
                    if not stores:  # shown before the shell's store list came: the check needs it
                        stores = await self.service.stores()
                    inventory = await self.service.load(stores)
            except ApiError as error:
                self._report(f"Could not read the camera inventory: {reason(error)}. The tables show the last read.")
                return False
            if not self._alive():
                return False
            self.inventory = inventory
            view.show_inventory(inventory)
            self.apply_scope()
            self._clear_report()
            try:
                async with self.ctx.status.busy("Checking people counting"):
                    report = await self.service.check_counting(inventory, stores)
            except ApiError as error:
                if self._alive():
                    view.show_check_failed(f"The counting check could not run: {reason(error)}.")
                return True
            if not self._alive():
                return True
            self.report = report
            view.show_report(report)
            return True
        finally:
            self.loads += 1
            if self._alive():
                view.set_loading(False)

    # ------------------------------------------------------------ live view
    def open_live(self, channel: ChannelRow) -> None:
        request = LiveViewRequest(channel.channel_uuid, channel.name, channel.store_uuid, channel.store_name)
        request_live_view(self.ctx, self.view, request)
        where = f" at {channel.store_name}" if channel.store_name else ""
        self.ctx.status.info(f"Opening “{channel.name}”{where} in Live video")

    # ------------------------------------------------------------ messages
    def _report(self, message: str) -> None:
        self.last_error = message
        if self._alive():
            self.view.show_message(message)
        self.ctx.status.error(message)

    def _clear_report(self) -> None:
        if self.last_error is not None:
            self.last_error = None
            self.view.show_message("")
