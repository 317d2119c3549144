"""Drives the Occupancy pane from OccupancyService: polling while the pane is
shown (a hidden pane costs no requests), the scope, the fullest-first order,
and manual adjusts, each sent once; the outcome (including "timed out, but it
took effect") is shown on the card and in the status bar.

The view (pane.py) never talks to the client; this controller owns the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject
from shiboken6 import isValid

from storeops.api.errors import ApiError
from storeops.api.models import Location
from storeops.services.occupancy import (
    AdjustBlocked,
    AdjustOutcome,
    AdjustResult,
    OccupancyService,
    StoreOccupancy,
)
from storeops.services.store_hours import local_now, zone
from storeops.ui.occupancy.card import NOT_READ_YET, store_time
from storeops.ui.occupancy.pane import ALL_STORES, SELECTED_STORE, OccupancyPane
from storeops.ui.occupancy.state import Level, Thresholds, card_level, fullness_key, unusual_adjust
from storeops.ui.question import Confirm, ask

log = logging.getLogger(__name__)

NO_LIMIT = "No occupancy limit set"
NO_LIMIT_HELP = f"{NO_LIMIT} — adjusting needs one; set it in Locations"


class OccupancyController(QObject):
    def __init__(
        self,
        view: OccupancyPane,
        ctx,
        *,
        service: OccupancyService | None = None,
        now=None,
        interval: float | None = None,
        confirm: Confirm | None = None,
    ):
        super().__init__(view)
        self.view = view
        self.ctx = ctx
        self.thresholds = Thresholds.from_settings(ctx.settings)
        # A poller from the connection's services (the composition root's); a test may
        # set its pace or clock.
        self.service = service or ctx.services.occupancy_poller(interval=interval, now=now)
        self.confirm: Confirm = confirm or ask
        self._all_stores: list[Location] = []
        self._regions: dict[str, Location] = {}
        self._task: asyncio.Task | None = None
        self._stop: asyncio.Event | None = None
        self._adjusts: set[asyncio.Task] = set()
        self._adjusting: set[str] = set()  # stores with an adjust asked, confirming or in flight
        self._pending_order: list[str] | None = None
        self._deferred = False  # a new order waited for the user
        self._order_counted = False  # the order shown was sorted on counts
        self.polls = 0
        self._shut = False

        view.visibility_changed.connect(self._on_visibility)
        view.shutdown_requested.connect(self.shutdown)
        view.refresh_requested.connect(self.refresh)
        view.scope_changed.connect(self.apply_scope)
        view.adjust_requested.connect(self._on_adjust_requested)
        view.order_released.connect(self._apply_pending_order)
        ctx.stores.changed.connect(self._scope_follows_selection)
        ctx.stores.stores_changed.connect(self._on_stores_changed)

    # ------------------------------------------------------------ lifecycle

    def _on_visibility(self, shown: bool) -> None:
        if shown:
            self.start()
        else:
            self.stop()

    def shutdown(self) -> None:
        """Dropped by the shell: stop for good and stop listening to the shared store list."""
        if self._shut:
            return
        self._shut = True
        self.stop()
        for signal, slot in (
            (self.ctx.stores.changed, self._scope_follows_selection),
            (self.ctx.stores.stores_changed, self._on_stores_changed),
        ):
            with contextlib.suppress(RuntimeError, TypeError):  # already gone with its sender
                signal.disconnect(slot)

    def start(self) -> None:
        if self._shut or (self._task is not None and not self._task.done()):
            return
        self._stop = asyncio.Event()
        self._task = asyncio.ensure_future(self._run(self._stop))

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def wait_stopped(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def refresh(self) -> None:
        """F5: poll now (restart the loop so the next poll is immediate)."""
        self.stop()
        self._task = None
        self.start()

    async def _run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not self._all_stores and not stop.is_set():
            try:
                await self._load_stores()
            except ApiError as exc:
                failures += 1
                if not self._alive():
                    return
                self.view.set_summary("Stores not loaded")
                self.view.show_banner(f"Could not load the stores: {exc}. Retrying…")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=min(2.0**failures, 60.0))
        if stop.is_set():
            return
        try:
            await self.service.run(self._on_update, stop=stop)
        except Exception:  # keep the pane alive; the crash path logs it
            log.exception("occupancy polling stopped")
            if self._alive():
                self.view.show_banner("Occupancy updates stopped because of an internal error; press F5 to restart.")

    def _alive(self) -> bool:
        if isValid(self.view):
            return True
        self.stop()  # the pane was deleted under a request in flight
        return False

    async def _load_stores(self) -> None:
        stores = await self.service.load_stores()
        try:
            regions = await self.service.load_regions()
        except ApiError as exc:  # scope by region is a convenience
            log.info("regions not loaded: %s", exc)
            regions = []
        if not self._alive():
            return
        self._regions = {r.uuid: r for r in regions}
        self._all_stores = stores
        used = {u for s in stores if (u := self._region_of(s)) is not None}
        self.view.set_regions(
            [(r.uuid, r.name) for r in sorted((self._regions[u] for u in used), key=lambda r: r.name.casefold())]
        )
        self.apply_scope()

    # ------------------------------------------------------------ scope

    def _region_of(self, store: Location) -> str | None:
        parent = store.parent_uuid
        return parent if parent in self._regions else None

    def _in_region(self, store: Location, region_uuid: str) -> bool:
        seen = set()
        parent = store.parent_uuid
        while parent and parent not in seen:
            if parent == region_uuid:
                return True
            seen.add(parent)
            parent = self._regions[parent].parent_uuid if parent in self._regions else None
        return False

    def visible_stores(self) -> list[Location]:
        key = self.view.scope_key()
        if key == SELECTED_STORE:
            current = self.ctx.stores.current()
            return [s for s in self._all_stores if current is not None and s.uuid == current.uuid]
        if key is not None and key != ALL_STORES:
            return [s for s in self._all_stores if self._in_region(s, key)]
        return list(self._all_stores)

    def _scope_follows_selection(self, _store=None) -> None:
        if self.view.scope_key() == SELECTED_STORE:
            self.apply_scope()

    def _on_stores_changed(self, stores: list[Location]) -> None:
        """The shell re-read the chain (limits may have changed in the Locations pane)."""
        if stores and self._all_stores:
            fresh = {s.uuid: s for s in stores}
            self._all_stores = [fresh.get(s.uuid, s) for s in self._all_stores]
            self.apply_scope()

    def apply_scope(self) -> None:
        stores = self.visible_stores()
        self.service.set_stores(stores)
        self.view.set_cards([s.uuid for s in stores])
        self._render(self.service.snapshots())

    # ------------------------------------------------------------ updates

    def _on_update(self, snapshots: list[StoreOccupancy]) -> None:
        if not self._alive():
            return
        self.polls += 1
        self._render(snapshots)
        if self.service.consecutive_failures >= self.service.stale_after:
            self.view.show_banner(f"Occupancy is not updating: {self.service.last_error}. Retrying automatically…")
        else:
            self.view.hide_banner()

    def block_reason(self, snap: StoreOccupancy) -> str | None:
        """Why the card's adjust controls are off, in words for the card."""
        reason = self.service.adjust_block_reason(snap.store.uuid)
        if reason == NO_LIMIT:
            return NO_LIMIT_HELP
        if reason is None and snap.occupancy is None:
            # An adjust is checked against the count the user sees; there is none yet.
            return NOT_READ_YET
        return reason

    def _show(self, snap: StoreOccupancy) -> None:
        card = self.view.card(snap.store.uuid)
        if card is not None:
            card.set_snapshot(snap, self.thresholds, self.block_reason(snap))

    def _render(self, snapshots: list[StoreOccupancy]) -> None:
        for snap in snapshots:
            self._show(snap)
        self._pending_order = [s.store.uuid for s in sorted(snapshots, key=fullness_key)]
        self._apply_pending_order()
        self.view.set_summary(summary_text(snapshots, self.thresholds))

    def _apply_pending_order(self) -> None:
        order = self._pending_order
        if order is None or not self._alive():
            return
        # Only an order the user has seen with counts is held: new cards (scope) and
        # the first counts (before them the cards stand in name order) sort at once.
        same_cards = set(order) == set(self.view.order())
        if same_cards and self._order_counted and (self._adjusting or self.view.order_held()):
            self._deferred = True
            return
        self._pending_order = None
        self._order_counted = all(self._counted(u) for u in order)
        moved = self.view.set_order(order)
        if moved and self._deferred:
            self.view.announce_order_change()
        self._deferred = False

    def _counted(self, uuid: str) -> bool:
        """The card has had its count, or has given up waiting for one (stale)."""
        snap = self.service.snapshot(uuid)
        return snap is not None and (snap.updated_at is not None or snap.stale)

    # ------------------------------------------------------------ adjust

    def _on_adjust_requested(self, store_uuid: str, count: int) -> None:
        if store_uuid in self._adjusting:
            return
        card = self.view.card(store_uuid)
        if card is not None:
            card.set_busy(True)  # at once: a second click before the task runs must not send twice
        task = asyncio.ensure_future(self.adjust(store_uuid, count))
        self._adjusts.add(task)
        task.add_done_callback(self._adjusts.discard)

    async def adjust(self, store_uuid: str, count: int) -> AdjustOutcome | None:
        """Send one adjust for a card and show what happened. None if refused
        or cancelled before sending."""
        card = self.view.card(store_uuid)
        snap = self.service.snapshot(store_uuid)
        if card is None or snap is None:
            return None
        name = snap.store.name
        self._adjusting.add(store_uuid)
        card.set_busy(True)
        card.show_message("")
        try:
            doubt = unusual_adjust(count, snap.occupancy)
            if doubt:
                card.set_progress("Waiting for your answer…")
                question = f"{doubt}\n\nAdjust {name} by {count:+d}?"
                if not await self.confirm(self.view, "Check this adjustment", question, f"Adjust {count:+d}"):
                    card.show_message(f"Not sent: {count:+d} cancelled")
                    return None
            try:
                async with self.ctx.status.busy("Adjusting occupancy"):
                    outcome = await self.service.adjust(store_uuid, count, progress=card.set_progress)
            except AdjustBlocked as exc:
                card.show_message(f"Not sent: {exc}", error=True)
                return None
            except Exception as exc:  # never lose the user's correction silently
                log.exception("adjust failed")
                card.show_message(f"Adjust failed: {exc}", error=True)
                self.ctx.status.error(f"Occupancy adjust failed: {exc}")
                return None
        finally:
            self._adjusting.discard(store_uuid)
            if isValid(card):
                card.set_busy(False)
        if not isValid(card):
            return outcome
        if outcome.result is AdjustResult.APPLIED:
            # The injected clock, in the store's own time: the manager may be elsewhere.
            at = local_now(self.service.now(), snap.store.time_zone)
            card.show_message(f"{outcome.message} · {at:%H:%M:%S} store time")
            self.ctx.status.info(f"{name}: {outcome.message}")
            card.amount.setValue(0)
        else:
            card.show_message(outcome.message, error=True)
            self.ctx.status.error(f"{name}: {outcome.message}")
        fresh = self.service.snapshot(store_uuid)
        if fresh is not None:
            self._render(self.service.snapshots())
        return outcome


def summary_text(snapshots: list[StoreOccupancy], thresholds: Thresholds) -> str:
    levels = [card_level(s, thresholds) for s in snapshots]
    parts = [f"{len(snapshots)} store{'s' if len(snapshots) != 1 else ''}"]
    for level, word in (
        (Level.RED, "full"),
        (Level.AMBER, "nearly full"),
        (Level.CLOSED, "closed"),
        (Level.STALE, "not updating"),
    ):
        n = levels.count(level)
        if n:
            parts.append(f"{n} {word}")
    read = [(s.updated_at, s.store.time_zone) for s in snapshots if s.updated_at is not None]
    if read:
        # In the newest read's store time, as on its card; with stores in several
        # zones the zone is named, for it is not every card's.
        newest, time_zone = max(read, key=lambda r: r[0])
        at = store_time(newest, time_zone)
        several = len({zone(s.store.time_zone).key for s in snapshots}) > 1
        word = "as of" if Level.STALE in levels else "updated"
        parts.append(f"{word} {at:%H:%M:%S}" + (f" {at:%Z}" if several else ""))
    return " · ".join(parts)
