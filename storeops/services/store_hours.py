"""Store opening hours, in each store's own wall-clock time.

The API presents open/close as store-local times with a meaningless trailing Z
(the model already drops it), so every comparison here is made between naive
store-local datetimes: "now" is converted into the store's zone first.
Hours are re-read once a day per store (when the store-local date changes), so
a kiosk running for weeks follows holiday hours without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storeops.api.errors import ApiError
from storeops.api.models import StoreHours

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient

log = logging.getLogger(__name__)

# How far ahead to read: enough to name the next opening after a long weekend.
LOOKAHEAD_DAYS = 7


def utc_now() -> datetime:
    return datetime.now(UTC)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; using UTC", name)
        return ZoneInfo("UTC")


def local_now(now_utc: datetime, time_zone: str | None) -> datetime:
    """Naive store-local wall time for an aware instant."""
    return now_utc.astimezone(zone(time_zone)).replace(tzinfo=None)


@dataclass(frozen=True)
class OpenState:
    """Whether a store is open at one instant, and when that changes."""

    open: bool | None  # None: hours unknown (never read, or not configured)
    opens_at: datetime | None = None  # store-local, next opening when closed
    closes_at: datetime | None = None  # store-local, when open

    def closed_reason(self, now_local: datetime) -> str:
        if self.opens_at is None:
            return "Closed now"
        if self.opens_at.date() == now_local.date():
            return f"Closed now — opens {self.opens_at:%H:%M}"
        if self.opens_at.date() == now_local.date() + timedelta(days=1):
            return f"Closed now — opens tomorrow {self.opens_at:%H:%M}"
        return f"Closed now — opens {self.opens_at:%a %H:%M}"


def open_state(days: Iterable[StoreHours], now_local: datetime) -> OpenState:
    """Open if now falls in [open, close) of any day (days may cross midnight)."""
    known = False
    next_open: datetime | None = None
    for day in days:
        if day.open is None or day.close is None:
            known = True  # a configured closed day
            continue
        known = True
        opens, closes = _naive(day.open), _naive(day.close)
        if opens <= now_local < closes:
            return OpenState(True, closes_at=closes)
        if opens > now_local and (next_open is None or opens < next_open):
            next_open = opens
    if not known:
        return OpenState(None)
    return OpenState(False, opens_at=next_open)


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


class StoreHoursCache:
    """Reads hours for many stores in one request and re-reads them when a
    store's local date rolls over (or after `max_age`)."""

    def __init__(
        self,
        client: RetailNextClient,
        *,
        now: Callable[[], datetime] = utc_now,
        max_age: timedelta = timedelta(hours=6),
    ) -> None:
        self._client = client
        self._now = now
        self._max_age = max_age
        self._hours: dict[str, list[StoreHours]] = {}
        self._zones: dict[str, str | None] = {}
        self._read_local_date: dict[str, date] = {}
        self._read_at: datetime | None = None

    def forget(self) -> None:
        self._hours.clear()
        self._read_local_date.clear()
        self._read_at = None

    def needs_refresh(self, stores: dict[str, str | None]) -> bool:
        now = self._now()
        if self._read_at is None or now - self._read_at > self._max_age:
            return True
        return any(self._read_local_date.get(uuid) != local_now(now, tz).date() for uuid, tz in stores.items())

    async def refresh(self, stores: dict[str, str | None]) -> None:
        """`stores`: uuid -> time zone. Raises ApiError when the read fails."""
        if not stores:
            return
        now = self._now()
        local_dates = {uuid: local_now(now, tz).date() for uuid, tz in stores.items()}
        start = min(local_dates.values()) - timedelta(days=1)  # yesterday's late hours
        end = max(local_dates.values()) + timedelta(days=LOOKAHEAD_DAYS)
        result = await self._client.store_hours(list(stores), start, end)
        for uuid in stores:
            self._hours[uuid] = list(result.get(uuid, []))
        self._zones.update(stores)
        self._read_local_date.update(local_dates)
        self._read_at = now

    async def ensure(self, stores: dict[str, str | None]) -> None:
        """Refresh when due; a failed read keeps the last hours (logged)."""
        if not self.needs_refresh(stores):
            return
        try:
            await self.refresh(stores)
        except ApiError as exc:
            log.warning("store hours not read: %s", exc)

    def state(self, store_uuid: str, time_zone: str | None) -> OpenState:
        if store_uuid not in self._hours:
            return OpenState(None)
        return open_state(self._hours[store_uuid], local_now(self._now(), time_zone))
