"""Live occupancy for many stores, and manual adjustments that are sent once.

Polling: one datamine query per time zone per poll (normally one or two for a
chain). Occupancy uses "name" date ranges (today -> now), and the reference
says those are resolved in the query's `time_zone`, to be the store's own zone
("use the local timezone of that store in your query"). A single query in one
zone would start "today" at the wrong midnight for stores elsewhere, so stores
are grouped by zone instead. Each query groups by location.

The last-hour trend comes from a second, rarer query (every `trend_refresh`)
grouped by location and 5-minute buckets, topped up with each poll's value.

Adjustments follow the documented rules before anything is sent (non-zero,
limit defined, store open now). An adjust is never retried: after a timeout
the outcome is unknown, so occupancy is re-read and compared with what the
adjust should have produced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from storeops.api.errors import ApiError, ConnectionFailed, ProtocolError
from storeops.api.models import EXTRA_FIELDS, DataGroup, DatamineResult, Location, LocationQuery
from storeops.services.audit import AuditEntry, AuditLog
from storeops.services.store_hours import OpenState, StoreHoursCache, local_now, utc_now

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient
    from storeops.api.datamine import DatamineRequest

log = logging.getLogger(__name__)

METRICS = ("traffic_in", "traffic_out", "total_occupancy")
DEFAULT_INTERVAL = 15.0
STALE_AFTER_FAILURES = 2
TREND_WINDOW = timedelta(hours=1)
TREND_BUCKET_MINUTES = 15  # the sensors count in 15-minute intervals
TREND_REFRESH = timedelta(minutes=5)
TREND_MAX_POINTS = 120  # bounds memory however long the kiosk runs
MAX_BACKOFF = 60.0


@dataclass(frozen=True)
class StoreRef:
    uuid: str
    name: str
    store_id: str | None = None
    limit: int | None = None
    time_zone: str | None = None
    parent_uuid: str | None = None

    @classmethod
    def from_location(cls, loc: Location) -> StoreRef:
        return cls(loc.uuid, loc.name, loc.store_id, loc.occupancy_limit, loc.time_zone, loc.parent_uuid)


@dataclass(frozen=True)
class StoreOccupancy:
    """What is known about one store after the latest poll."""

    store: StoreRef
    occupancy: int | None = None
    traffic_in: int | None = None
    traffic_out: int | None = None
    trend: tuple[int, ...] = ()
    updated_at: datetime | None = None  # aware UTC instant of the last good read
    # time.monotonic() of the last good read: the data's real age, even when the
    # world clock is frozen or shifted (simulator, NTP jumps).
    fresh_at: float | None = None
    failed_polls: int = 0
    stale_after: int = STALE_AFTER_FAILURES
    hours: OpenState = field(default_factory=lambda: OpenState(None))
    error: str | None = None

    @property
    def stale(self) -> bool:
        return self.failed_polls >= self.stale_after

    @property
    def limit(self) -> int | None:
        return self.store.limit

    @property
    def fullness(self) -> float | None:
        if self.occupancy is None or not self.limit:
            return None
        return self.occupancy / self.limit

    @property
    def remaining(self) -> int | None:
        if self.occupancy is None or self.limit is None:
            return None
        return max(0, self.limit - self.occupancy)


class AdjustResult(StrEnum):
    APPLIED = "applied"
    REFUSED = "refused"  # the server said no (its message is kept)
    NOT_APPLIED = "not-applied"  # timed out, and the re-read shows no change
    UNCONFIRMED = "unconfirmed"  # timed out, and the re-read could not tell


@dataclass(frozen=True)
class AdjustOutcome:
    result: AdjustResult
    message: str
    occupancy: int | None = None
    answered: bool = True  # False: the answer was lost; `result` is what a re-read showed
    before: int | None = None  # the count read just before sending, when it could be read

    @property
    def ok(self) -> bool:
        return self.result is AdjustResult.APPLIED

    @property
    def audit_result(self) -> str:
        """The audit log's word for it. An adjust whose answer was lost is told
        apart from a confirmed one ("timeout-applied": it took effect, but nobody
        saw the server say so), as storeops.services.audit documents."""
        if not self.answered and self.result in (AdjustResult.APPLIED, AdjustResult.NOT_APPLIED):
            return f"timeout-{self.result}"
        return str(self.result)


def applied_message(count: int, before: int | None, after: int | None) -> str:
    """What an accepted adjust did, from the counts read around it: the server
    clamps at zero, so "-100" on 25 people leaves 0, and saying only
    "Adjusted -100" would misreport it."""
    if after is None:
        return f"Adjusted {count:+d}"
    if before is None:
        return f"Adjusted {count:+d} — occupancy now {after}"
    note = "; it cannot go below 0" if before + count < 0 and after == 0 else ""
    return f"Adjusted {count:+d} — occupancy now {after} (was {before}{note})"


class AdjustBlocked(Exception):
    """A documented rule forbids the adjust; nothing was sent."""


def next_backoff(failures: int, interval: float, cap: float = MAX_BACKOFF) -> float:
    """Wait before the next poll after `failures` consecutive failed polls:
    the normal interval for the first retry (so staleness shows after two
    intervals), then doubling, capped, with jitter so kiosks don't stampede."""
    if failures <= 1:
        return interval
    delay = min(interval * 2.0 ** (failures - 1), max(cap, interval))
    return delay * random.uniform(0.85, 1.0)


async def _pause_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


class OccupancyService:
    def __init__(
        self,
        client: RetailNextClient,
        *,
        interval: float = DEFAULT_INTERVAL,
        stale_after: int = STALE_AFTER_FAILURES,
        now: Callable[[], datetime] = utc_now,
        audit: AuditLog | None = None,
        user: str | None = None,
        profile: str = "",
        max_backoff: float = MAX_BACKOFF,
        trend_refresh: timedelta = TREND_REFRESH,
        verify_attempts: int = 3,
        verify_delay: float = 1.0,
        store_refresh: float | None = 900.0,
        pause: Callable[[asyncio.Event, float], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        self.interval = interval
        self.stale_after = stale_after
        self.now = now
        self.audit = audit or AuditLog()
        self.user = user
        self.profile = profile
        self.max_backoff = max_backoff
        self.trend_refresh = trend_refresh
        self.verify_attempts = verify_attempts
        self.verify_delay = verify_delay
        self.store_refresh = store_refresh
        # How run() waits between polls; tests replace it to step through the
        # back-off schedule without waiting for it.
        self.pause = pause or _pause_unless_stopped
        self.hours = StoreHoursCache(client, now=now)
        self._stores: dict[str, StoreRef] = {}
        self._state: dict[str, StoreOccupancy] = {}
        self._trend: dict[str, deque[tuple[datetime, int]]] = {}
        self._trend_read_at: datetime | None = None
        self.consecutive_failures = 0
        self.last_error: str | None = None

    # ------------------------------------------------------------ stores

    @property
    def stores(self) -> list[StoreRef]:
        return list(self._stores.values())

    def set_stores(self, stores: Iterable[StoreRef | Location]) -> None:
        refs = [s if isinstance(s, StoreRef) else StoreRef.from_location(s) for s in stores]
        self._stores = {r.uuid: r for r in refs}
        for uuid in list(self._state):
            if uuid not in self._stores:
                del self._state[uuid]
                self._trend.pop(uuid, None)
        for ref in refs:
            old = self._state.get(ref.uuid)
            self._state[ref.uuid] = (
                replace(old, store=ref) if old else StoreOccupancy(ref, stale_after=self.stale_after)
            )
        self._trend_read_at = None

    async def load_stores(self) -> list[Location]:
        """Every non-archived store with its limit and time zone (one request)."""
        locations = await self.client.query_locations(
            LocationQuery(extra_fields=list(EXTRA_FIELDS), location_types=["store"])
        )
        return [loc for loc in locations if loc.is_store and not loc.archived]

    async def load_regions(self) -> list[Location]:
        """The chain's regions (one request), for choosing stores by region."""
        regions = await self.client.query_locations(LocationQuery(location_types=["region"]))
        return [r for r in regions if r.is_region]

    async def refresh_stores(self) -> None:
        """Re-read limits and zones of the stores being watched (limits change)."""
        fresh = {loc.uuid: loc for loc in await self.load_stores()}
        self.set_stores(StoreRef.from_location(fresh[u]) if u in fresh else r for u, r in self._stores.items())

    # ------------------------------------------------------------ snapshots

    def snapshot(self, store_uuid: str) -> StoreOccupancy | None:
        return self._state.get(store_uuid)

    def snapshots(self) -> list[StoreOccupancy]:
        return [self._state[u] for u in self._stores if u in self._state]

    # ------------------------------------------------------------ polling

    def _zones(self, uuids: Iterable[str] | None = None) -> dict[str, list[str]]:
        zones: dict[str, list[str]] = {}
        for uuid in uuids if uuids is not None else self._stores:
            ref = self._stores[uuid]
            zones.setdefault(ref.time_zone or "UTC", []).append(uuid)
        return zones

    async def read_current(self, uuids: Iterable[str]) -> dict[str, dict[str, int]]:
        """One datamine query per time zone: {uuid: {metric: value}}. Raises ApiError."""
        out: dict[str, dict[str, int]] = {}
        for tz, group in self._zones(uuids).items():
            result = await self.client.datamine(_current_request(group, tz))
            values = _values_by_location(result)
            for uuid in group:
                out[uuid] = values.get(uuid, {})
        return out

    async def poll_once(self) -> list[StoreOccupancy]:
        """Read every watched store; failures are recorded per store, never raised."""
        if not self._stores:
            return []
        zone_of = {u: r.time_zone for u, r in self._stores.items()}
        await self.hours.ensure(zone_of)
        now = self.now()
        any_ok = False
        for tz, group in self._zones().items():
            try:
                result = await self.client.datamine(_current_request(group, tz))
                values = _values_by_location(result)
            except ApiError as exc:
                self.last_error = str(exc)
                log.info("occupancy poll failed for %d store(s) in %s: %s", len(group), tz, exc)
                for uuid in group:
                    old = self._state[uuid]
                    self._state[uuid] = replace(
                        old, failed_polls=old.failed_polls + 1, error=str(exc), hours=self._hours(uuid)
                    )
                continue
            any_ok = True
            for uuid in group:
                self._apply(uuid, values.get(uuid, {}), now)
        if any_ok:
            self.consecutive_failures = 0
            self.last_error = None
            await self._maybe_refresh_trend(now)
        else:
            self.consecutive_failures += 1
        return self.snapshots()

    def _hours(self, uuid: str) -> OpenState:
        return self.hours.state(uuid, self._stores[uuid].time_zone)

    def _apply(self, uuid: str, values: dict[str, int], now: datetime) -> None:
        occupancy = int(values.get("total_occupancy", 0))
        history = self._trend.setdefault(uuid, deque(maxlen=TREND_MAX_POINTS))
        history.append((now, occupancy))
        while history and now - history[0][0] > TREND_WINDOW:
            history.popleft()
        self._state[uuid] = replace(
            self._state[uuid],
            occupancy=occupancy,
            traffic_in=int(values.get("traffic_in", 0)),
            traffic_out=int(values.get("traffic_out", 0)),
            trend=tuple(v for _, v in history),
            updated_at=now,
            fresh_at=time.monotonic(),
            failed_polls=0,
            error=None,
            hours=self._hours(uuid),
        )

    async def _maybe_refresh_trend(self, now: datetime) -> None:
        if self._trend_read_at is not None and now - self._trend_read_at < self.trend_refresh:
            return
        self._trend_read_at = now
        for tz, group in self._zones().items():
            try:
                result = await self.client.datamine(_trend_request(group, tz))
            except ApiError as exc:  # the trend is decoration: keep the live one
                log.info("trend not read for %s: %s", tz, exc)
                continue
            series = _series_by_location(result, "total_occupancy")
            points_wanted = int(TREND_WINDOW / timedelta(minutes=TREND_BUCKET_MINUTES))
            for uuid in group:
                past = series.get(uuid, [])[-points_wanted:]
                if not past:
                    continue
                history = self._trend.setdefault(uuid, deque(maxlen=TREND_MAX_POINTS))
                live = history[-1] if history else None
                history.clear()
                step = timedelta(minutes=TREND_BUCKET_MINUTES)
                for i, value in enumerate(past):
                    history.append((now - step * (len(past) - i), int(value)))
                if live is not None:
                    history.append(live)
                self._state[uuid] = replace(self._state[uuid], trend=tuple(v for _, v in history))

    async def run(
        self, on_update: Callable[[list[StoreOccupancy]], None], *, stop: asyncio.Event | None = None
    ) -> None:
        """Poll forever (until `stop` is set or the task is cancelled).

        After a failed poll the next comes one interval later, then backs off
        so a kiosk without network does not hammer it; it recovers by itself
        on the first good answer."""
        stop = stop or asyncio.Event()
        stores_read = time.monotonic()
        while not stop.is_set():
            if self.store_refresh and time.monotonic() - stores_read > self.store_refresh:
                try:  # limits and zones change in the admin UI; a kiosk runs for weeks
                    await self.refresh_stores()
                    stores_read = time.monotonic()
                except ApiError as exc:
                    log.info("store details not re-read: %s", exc)
            on_update(await self.poll_once())
            await self.pause(stop, next_backoff(self.consecutive_failures, self.interval, self.max_backoff))

    # ------------------------------------------------------------ adjust

    def adjust_block_reason(self, store_uuid: str, count: int = 1) -> str | None:
        """Why the documented rules forbid an adjust now, or None if allowed."""
        ref = self._stores.get(store_uuid)
        if ref is None:
            return "Unknown store"
        if ref.limit is None:
            return "No occupancy limit set"
        state = self._hours(store_uuid)
        if state.open is False:
            return state.closed_reason(local_now(self.now(), ref.time_zone))
        if count == 0:
            return "Enter a non-zero number"
        return None

    async def adjust(
        self, store_uuid: str, count: int, *, progress: Callable[[str], None] | None = None
    ) -> AdjustOutcome:
        """Send one adjust; never retried. Raises AdjustBlocked before sending
        when a documented rule forbids it. `progress(text)` hears what is going on."""
        reason = self.adjust_block_reason(store_uuid, count)
        if reason:
            raise AdjustBlocked(reason)
        say = progress or (lambda _text: None)
        ref = self._stores[store_uuid]
        say("Reading the current count…")
        before = await self._read_occupancy(store_uuid)
        say(f"Sending {count:+d}…")
        try:
            await self.client.adjust_occupancy(store_uuid, count)
        except (ConnectionFailed, ProtocolError) as exc:
            # A lost answer, or a broken one (a 2xx that is no success answer): either
            # way the adjust may or may not have been applied. Look; never resend.
            unreadable = isinstance(exc, ProtocolError)
            say(
                ("The server's answer could not be read" if unreadable else "No answer from the server")
                + " — checking whether the adjust took effect…"
            )
            outcome = await self._verify_after_timeout(store_uuid, count, before, exc, unreadable=unreadable)
            outcome = replace(outcome, answered=False)
        except ApiError as exc:
            outcome = AdjustOutcome(AdjustResult.REFUSED, f"Not adjusted: {exc}")
        else:
            after = await self._read_occupancy(store_uuid)
            outcome = AdjustOutcome(AdjustResult.APPLIED, applied_message(count, before, after), after)
        outcome = replace(outcome, before=before)
        if outcome.occupancy is not None:
            self._set_occupancy(store_uuid, outcome.occupancy)
        await self.audit.record(
            AuditEntry(
                store_uuid=store_uuid,
                store_name=ref.name,
                count=count,
                result=outcome.audit_result,
                detail=outcome.message,
                profile=self.profile,
                **({"user": self.user} if self.user else {}),
            )
        )
        return outcome

    async def _read_occupancy(self, store_uuid: str) -> int | None:
        try:
            values = await self.read_current([store_uuid])
        except ApiError:
            return None
        return int(values.get(store_uuid, {}).get("total_occupancy", 0))

    def _set_occupancy(self, store_uuid: str, occupancy: int) -> None:
        now = self.now()
        old = self._state[store_uuid]
        self._state[store_uuid] = replace(
            old, occupancy=occupancy, updated_at=now, fresh_at=time.monotonic(), failed_polls=0, error=None
        )

    async def _verify_after_timeout(
        self, store_uuid: str, count: int, before: int | None, exc: ApiError, *, unreadable: bool = False
    ) -> AdjustOutcome:
        """The request may or may not have reached the server: look, don't resend.
        `unreadable`: the server answered, but not with a success answer."""
        lost = "The server's answer could not be read" if unreadable else "No answer in time"
        late = "The server's answer could not be read" if unreadable else "The server was slow to answer"
        silent = "Unreadable answer" if unreadable else "No answer"
        after: int | None = None
        for attempt in range(self.verify_attempts):
            if attempt:
                await asyncio.sleep(self.verify_delay)
            after = await self._read_occupancy(store_uuid)
            if after is not None and before is not None and after == before + count:
                return AdjustOutcome(
                    AdjustResult.APPLIED,
                    f"{late}, but the adjust {count:+d} took effect (occupancy now {after}).",
                    after,
                )
        if after is None or before is None:
            return AdjustOutcome(
                AdjustResult.UNCONFIRMED,
                f"{silent} ({exc.message}); occupancy could not be re-read, so it is not known "
                f"whether the adjust {count:+d} took effect. Check before trying again.",
                after,
            )
        if after == before:
            return AdjustOutcome(
                AdjustResult.NOT_APPLIED,
                f"{lost}; occupancy is still {after}, so the adjust {count:+d} did not take effect. You can try again.",
                after,
            )
        return AdjustOutcome(
            AdjustResult.UNCONFIRMED,
            f"{lost}; occupancy went from {before} to {after} (expected {before + count}). "
            f"People may have come or gone meanwhile: check before trying again.",
            after,
        )


# ---------------------------------------------------------------- queries


def _current_request(uuids: list[str], tz: str) -> DatamineRequest:
    # The reference's own "Query Occupancy" body (today, store hours, by location).
    from storeops.api.datamine import current_occupancy_request

    return current_occupancy_request(uuids, tz)


def _trend_request(uuids: list[str], tz: str) -> DatamineRequest:
    from storeops.api.datamine import DatamineRequest, DateRange, DateSpec, GroupBy

    return DatamineRequest(
        locations=list(uuids),
        metrics=["total_occupancy"],
        date_ranges=[DateRange(DateSpec.named("today"), DateSpec.named("now"))],
        group_bys=[GroupBy.location(), GroupBy.time("minutes", TREND_BUCKET_MINUTES)],
        time_zone=tz,
    )


def _groups(group: DataGroup | None) -> Iterator[DataGroup]:
    while group is not None:
        yield group
        group = group.group


def _location_of(group: DataGroup | None) -> str | None:
    for g in _groups(group):
        if g.type == "location" and g.uuid:
            return g.uuid
    return None


def _values_by_location(result: DatamineResult) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for metric in result.metrics:
        if metric.name not in METRICS or not metric.ok:
            continue
        for point in metric.data:
            uuid = _location_of(point.group)
            if uuid is None or point.value is None:
                continue
            out.setdefault(uuid, {})[metric.name] = round(point.value)
    return out


def _series_by_location(result: DatamineResult, metric_name: str) -> dict[str, list[float]]:
    """Per store, the metric's values in time order (store days that overlap
    midnight carry a day offset, which sorts them correctly)."""
    from storeops.api.datamine import metric_rows

    try:
        found = metric_rows(result, metric_name)
    except (KeyError, ApiError):
        return {}
    ordered = sorted(
        (r for r in found if r.location_uuid and r.value is not None),
        key=lambda r: (r.day_offset, r.day or datetime.min.date(), r.time or "", r.index or 0),
    )
    out: dict[str, list[float]] = {}
    for row in ordered:
        if row.location_uuid is not None and row.value is not None:  # as filtered above; for the checker
            out.setdefault(row.location_uuid, []).append(row.value)
    return out
