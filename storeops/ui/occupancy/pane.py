"""The Occupancy pane: a card per store, fullest first, live.

Polling runs while the pane is shown (a hidden pane costs no requests). The
pane wires card buttons to OccupancyService.adjust, which sends each adjust
once; the outcome (including "timed out, but it took effect") is shown on the
card and in the status bar.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from storeops.api.errors import ApiError
from storeops.api.models import Location, LocationQuery
from storeops.services.occupancy import AdjustBlocked, AdjustOutcome, AdjustResult, OccupancyService, StoreOccupancy
from storeops.services.store_hours import utc_now
from storeops.settings import DEFAULT_POLL_INTERVAL_S
from storeops.ui.occupancy.card import StoreCard
from storeops.ui.occupancy.state import Level, Thresholds, card_level, fullness_key

log = logging.getLogger(__name__)

CARD_WIDTH = 340
ALL_STORES = "__all__"
SELECTED_STORE = "__selected__"


def poll_interval(settings, default: float = DEFAULT_POLL_INTERVAL_S) -> float:
    value = getattr(settings, "poll_interval_s", None)
    return float(value) if value else default


def profile_name(settings) -> str:
    try:
        profile = settings.active_profile()
    except AttributeError:
        return ""
    return profile.name if profile else ""


class OccupancyPane(QWidget):
    def __init__(self, ctx, *, service: OccupancyService | None = None, now=None,
                 interval: float | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.thresholds = Thresholds.from_settings(ctx.settings)
        self.service = service or OccupancyService(
            ctx.client,
            interval=interval or poll_interval(ctx.settings),
            now=now or utc_now,
            profile=profile_name(ctx.settings),
        )
        self.cards: dict[str, StoreCard] = {}
        self._all_stores: list[Location] = []
        self._regions: dict[str, Location] = {}
        self._order: list[str] = []
        self._columns = 0
        self._task: asyncio.Task | None = None
        self._stop: asyncio.Event | None = None
        self._adjusts: set[asyncio.Task] = set()
        self.polls = 0

        title = QLabel("Occupancy")
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        self.scope = QComboBox()
        self.scope.setToolTip("Which stores to show")
        self.scope.addItem("All stores", ALL_STORES)
        self.scope.addItem("Selected store", SELECTED_STORE)
        self.scope.currentIndexChanged.connect(lambda _i: self._apply_scope())
        self.summary = QLabel("Loading stores…")
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff1d1; color: #4a3100; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.scope)
        head.addStretch(1)
        head.addWidget(self.summary)

        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setSpacing(12)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._grid_host)

        box = QVBoxLayout(self)
        box.addLayout(head)
        box.addWidget(self.banner)
        box.addWidget(scroll, 1)

        ctx.stores.changed.connect(lambda _s: self._scope_follows_selection())
        ctx.stores.stores_changed.connect(self._on_stores_changed)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._stop = asyncio.Event()
        self._task = asyncio.ensure_future(self._run(self._stop))

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.start()

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        self.stop()

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
                self.summary.setText("Stores not loaded")
                self._show_banner(f"Could not load the stores: {exc}. Retrying…")
                try:
                    await asyncio.wait_for(stop.wait(), timeout=min(2.0 ** failures, 60.0))
                except TimeoutError:
                    pass
        if stop.is_set():
            return
        try:
            await self.service.run(self._on_update, stop=stop)
        except Exception:  # keep the pane alive; the crash path logs it
            log.exception("occupancy polling stopped")
            self._show_banner("Occupancy updates stopped because of an internal error; press F5 to restart.")

    async def _load_stores(self) -> None:
        stores = await self.service.load_stores()
        try:
            regions = await self.ctx.client.query_locations(LocationQuery(location_types=["region"]))
        except ApiError as exc:  # scope by region is a convenience
            log.info("regions not loaded: %s", exc)
            regions = []
        self._regions = {r.uuid: r for r in regions if r.is_region}
        self._all_stores = stores
        self._fill_scope()
        self._apply_scope()

    # ------------------------------------------------------------ scope

    def _fill_scope(self) -> None:
        keep = self.scope.currentData()
        self.scope.blockSignals(True)
        while self.scope.count() > 2:
            self.scope.removeItem(2)
        used = {self._region_of(s) for s in self._all_stores} - {None}
        for region in sorted((self._regions[u] for u in used), key=lambda r: r.name.casefold()):
            self.scope.addItem(f"Region: {region.name}", region.uuid)
        index = self.scope.findData(keep)
        self.scope.setCurrentIndex(max(index, 0))
        self.scope.blockSignals(False)

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
        key = self.scope.currentData()
        if key == SELECTED_STORE:
            current = self.ctx.stores.current()
            return [s for s in self._all_stores if current is not None and s.uuid == current.uuid]
        if key not in (None, ALL_STORES):
            return [s for s in self._all_stores if self._in_region(s, key)]
        return list(self._all_stores)

    def _scope_follows_selection(self) -> None:
        if self.scope.currentData() == SELECTED_STORE:
            self._apply_scope()

    def _on_stores_changed(self, stores: list[Location]) -> None:
        """The shell re-read the chain (limits may have changed in the Locations pane)."""
        if stores and self._all_stores:
            fresh = {s.uuid: s for s in stores}
            self._all_stores = [fresh.get(s.uuid, s) for s in self._all_stores]
            self._apply_scope()

    def _apply_scope(self) -> None:
        stores = self.visible_stores()
        self.service.set_stores(stores)
        wanted = {s.uuid for s in stores}
        for uuid in list(self.cards):
            if uuid not in wanted:
                card = self.cards.pop(uuid)
                self._grid.removeWidget(card)
                card.deleteLater()
        for store in stores:
            if store.uuid not in self.cards:
                card = StoreCard(store.uuid)
                card.adjust_requested.connect(self._on_adjust_requested)
                self.cards[store.uuid] = card
        self._render(self.service.snapshots())

    # ------------------------------------------------------------ updates

    def _on_update(self, snapshots: list[StoreOccupancy]) -> None:
        self.polls += 1
        self._render(snapshots)
        failures = self.service.consecutive_failures
        if failures >= self.service.stale_after:
            self._show_banner(f"Occupancy is not updating: {self.service.last_error}. Retrying automatically…")
        else:
            self.banner.hide()

    def _render(self, snapshots: list[StoreOccupancy]) -> None:
        for snap in snapshots:
            card = self.cards.get(snap.store.uuid)
            if card is not None:
                card.set_snapshot(snap, self.thresholds, self.service.adjust_block_reason(snap.store.uuid))
        order = [s.store.uuid for s in sorted(snapshots, key=fullness_key) if s.store.uuid in self.cards]
        self._relayout(order)
        self._summarise(snapshots)

    def _relayout(self, order: list[str], force: bool = False) -> None:
        columns = max(1, self._grid_host.width() // CARD_WIDTH) if self.isVisible() else 3
        if order == self._order and columns == self._columns and not force:
            return  # moving widgets every poll would flicker
        for uuid in self._order:
            card = self.cards.get(uuid)
            if card is not None:
                self._grid.removeWidget(card)
        for i, uuid in enumerate(order):
            self._grid.addWidget(self.cards[uuid], i // columns, i % columns)
        self._order, self._columns = order, columns

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._relayout(self._order)

    def _summarise(self, snapshots: list[StoreOccupancy]) -> None:
        levels = [card_level(s, self.thresholds) for s in snapshots]
        parts = [f"{len(snapshots)} store{'s' if len(snapshots) != 1 else ''}"]
        for level, word in ((Level.RED, "full"), (Level.AMBER, "nearly full"), (Level.CLOSED, "closed"),
                            (Level.STALE, "not updating")):
            n = levels.count(level)
            if n:
                parts.append(f"{n} {word}")
        newest = max((s.updated_at for s in snapshots if s.updated_at), default=None)
        if newest is not None:
            word = "as of" if Level.STALE in levels else "updated"
            parts.append(f"{word} {newest.astimezone():%H:%M:%S}")
        self.summary.setText(" · ".join(parts))

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    # ------------------------------------------------------------ adjust

    def _on_adjust_requested(self, store_uuid: str, count: int) -> None:
        card = self.cards.get(store_uuid)
        if card is not None:
            card.set_busy(True)  # at once: a second click before the task runs must not send twice
        task = asyncio.ensure_future(self.adjust(store_uuid, count))
        self._adjusts.add(task)
        task.add_done_callback(self._adjusts.discard)

    async def adjust(self, store_uuid: str, count: int) -> AdjustOutcome | None:
        """Send one adjust for a card and show what happened. None if refused before sending."""
        card = self.cards.get(store_uuid)
        if card is None:
            return None
        card.set_busy(True)
        card.show_message("")
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
            card.set_busy(False)
        name = card.name_label.text()
        if outcome.result is AdjustResult.APPLIED:
            card.show_message(f"{outcome.message} at {datetime.now():%H:%M:%S}")
            self.ctx.status.info(f"{name}: {outcome.message}")
            card.amount.setValue(0)
        else:
            card.show_message(outcome.message, error=True)
            self.ctx.status.error(f"{name}: {outcome.message}")
        snap = self.service.snapshot(store_uuid)
        if snap is not None:
            card.set_snapshot(snap, self.thresholds, self.service.adjust_block_reason(store_uuid))
        return outcome


def create_pane(ctx, **kwargs) -> QWidget:
    """The shell's factory. kwargs (tests, kiosk): service, now, interval."""
    return OccupancyPane(ctx, **kwargs)


async def prepare_screenshot(widget: OccupancyPane, timeout: float = 15.0) -> None:
    """Start polling and wait until every card shows data (or the timeout)."""
    widget.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if widget.polls and widget.cards and all(
            (s := widget.service.snapshot(u)) is not None and s.updated_at is not None for u in widget.cards
        ):
            break
        await asyncio.sleep(0.05)
    widget._relayout(widget._order, force=True)
