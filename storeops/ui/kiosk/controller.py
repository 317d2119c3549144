"""Drives the kiosk display from OccupancyService for one store.

A 1 s timer re-evaluates the view even when no answer arrives (a hung network
must turn the display grey, not leave it green). The widget repaints only when
the view changes. Staff +/− go through the same send-once adjust as the pane.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from shiboken6 import isValid

from storeops.api.errors import ApiError
from storeops.api.models import Location
from storeops.services.occupancy import (
    AdjustBlocked,
    AdjustOutcome,
    AdjustResult,
    OccupancyService,
    StoreOccupancy,
    StoreRef,
)
from storeops.ui.kiosk.memory import HeapTrimmer
from storeops.ui.kiosk.messages import Messages
from storeops.ui.kiosk.state import KioskView, kiosk_view
from storeops.ui.kiosk.widget import KioskWidget
from storeops.ui.occupancy.state import Thresholds

log = logging.getLogger(__name__)

TICK_MS = 1000


class KioskController(QObject):
    def __init__(
        self,
        widget: KioskWidget,
        service: OccupancyService,
        store: Location | StoreRef | str | None,
        *,
        messages: Messages,
        thresholds: Thresholds = Thresholds(),
        tick_ms: int = TICK_MS,
        pick_store: Callable[[list[Location]], Location | None] | None = None,
    ) -> None:
        super().__init__(widget)
        self.widget = widget
        self.service = service
        self.messages = messages
        self.thresholds = thresholds
        self._store_key = store
        self._pick_store = pick_store
        self.store_uuid: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._adjusting = False
        # Adjusts in flight, held until done: the event loop keeps only weak references.
        self._adjusts: set[asyncio.Task[AdjustOutcome | None]] = set()
        self.error: str | None = None
        self.trimmer = HeapTrimmer()
        if isinstance(store, (Location, StoreRef)):
            self.service.set_stores([store])
            self.store_uuid = store.uuid
        self._tick = QTimer(self)
        self._tick.setInterval(tick_ms)
        self._tick.timeout.connect(self.refresh_view)
        widget.staff_adjust.connect(self._on_staff_adjust)
        widget.exit_requested.connect(self.stop)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._stop = asyncio.Event()
        # Whoever deletes the display (the screenshot tool does) also ends the polling.
        self.widget.destroyed.connect(self._stop.set)
        self._task = asyncio.ensure_future(self._run(self._stop))
        self._tick.start()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if isValid(self._tick):
            self._tick.stop()

    async def wait_stopped(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self, stop: asyncio.Event) -> None:
        failures = 0
        while self.store_uuid is None and not stop.is_set():
            try:
                await self._resolve_store()
            except (ApiError, LookupError) as exc:
                failures += 1
                self.error = str(exc)
                log.warning("kiosk store not resolved: %s", exc)
                # Keep trying: the kiosk may boot before the network is up.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=min(2.0**failures, 60.0))
        if not stop.is_set():
            await self.service.run(self.polled, stop=stop)

    async def _resolve_store(self) -> None:
        from storeops.services.stores import find_store

        stores = await self.service.load_stores()
        if isinstance(self._store_key, str):
            chosen = find_store(stores, self._store_key)
            if chosen is None:
                raise LookupError(f"no store matches {self._store_key!r}")
        else:
            chosen = self._pick_store(stores) if self._pick_store else None
            chosen = await self._prefer_open(chosen, stores) or (stores[0] if stores else None)
            if chosen is None:
                raise LookupError("the subscription has no stores")
        self.service.set_stores([chosen])
        self.store_uuid = chosen.uuid
        self.error = None

    async def _prefer_open(self, chosen: Location | None, stores: list[Location]) -> Location | None:
        """No store named (a demo or screenshot): the picked one if open now, else
        the first open store with a limit, so the display shows a live count."""
        limited = [s for s in stores if s.occupancy_limit is not None]
        candidates = ([chosen] if chosen else []) + [s for s in limited if s is not chosen]
        if not candidates:
            return chosen
        try:
            await self.service.hours.refresh({s.uuid: s.time_zone for s in candidates})
        except ApiError:
            return chosen
        return next((s for s in candidates if self.service.hours.state(s.uuid, s.time_zone).open), chosen)

    def polled(self, _snapshots: list[StoreOccupancy] | None = None) -> None:
        """After each poll: show it, and now and then hand freed memory back."""
        self.refresh_view()
        self.trimmer.polled()

    # ------------------------------------------------------------ view

    def current_view(self) -> KioskView:
        snap = self.service.snapshot(self.store_uuid) if self.store_uuid else None
        return kiosk_view(
            snap,
            interval=self.service.interval,
            messages=self.messages,
            now=self.service.now(),
            thresholds=self.thresholds,
        )

    def refresh_view(self) -> None:
        if not isValid(self.widget):  # deleted under a poll in flight
            self.stop()
            return
        self.widget.set_view(self.current_view())
        if self.store_uuid:
            reason = self.service.adjust_block_reason(self.store_uuid)
            snap = self.service.snapshot(self.store_uuid)
            if reason is not None and snap is not None and snap.limit is None:
                reason = self.messages.get("staff_no_limit")  # shown on the display: its language
            self.widget.set_staff_enabled(reason is None and not self._adjusting, reason or "")

    # ------------------------------------------------------------ staff buttons

    def _on_staff_adjust(self, count: int) -> None:
        if not self._adjusting:
            task = asyncio.ensure_future(self.staff_adjust(count))
            self._adjusts.add(task)
            task.add_done_callback(self._adjusts.discard)

    async def staff_adjust(self, count: int) -> AdjustOutcome | None:
        if self.store_uuid is None or self._adjusting:
            return None
        self._adjusting = True
        self.widget.set_staff_enabled(False)
        try:
            outcome = await self.service.adjust(self.store_uuid, count)
        except AdjustBlocked as exc:
            self.widget.show_notice(str(exc))
            return None
        except Exception as exc:  # the display must keep running
            log.exception("kiosk adjust failed")
            self.widget.show_notice(f"Adjust failed: {exc}")
            return None
        finally:
            self._adjusting = False
            self.refresh_view()
        text = outcome.message if outcome.result is not AdjustResult.APPLIED else f"{count:+d} ✓"
        self.widget.show_notice(text, ms=8000 if outcome.result is not AdjustResult.APPLIED else 3000)
        return outcome
