"""Predicted traffic for a store's coming local days, cached for the connection.

"Future days" are the store's local days: a Los Angeles store's tomorrow is still
tomorrow at 17:00 there, when UTC has already moved on. So "today" is the app's
clock (`now`) read in the store's zone, never the machine's UTC date.

Why a service and not the client: the client is a stateless protocol layer (no
clock of the app's, no cache, every call a request, as tests that count requests
expect); a cache needs an owner with a lifetime (the connection's Services) and a
clock to know when a forecast is stale. Ranges are cut into 7-day chunks (the
documented maximum per request) starting at the first day asked; each chunk is
cached on its own under (store, store-local today, first day, last day), so the
coming week and the coming month share their first week. Chunks run side by side
through the client, whose family limit keeps at most 3 in flight (documented);
two callers asking for the same chunk at once share one request.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storeops.api.client import PREDICTION_DAYS_PER_REQUEST, PREDICTION_HORIZON_DAYS, RetailNextClient
from storeops.api.errors import ValidationError
from storeops.api.models import Prediction
from storeops.services.store_hours import local_now, utc_now

#: A forecast read this long ago is read again (the cloud may refine it during the day).
DEFAULT_MAX_AGE = timedelta(hours=1)

_Key = tuple[str, date, date, date]  # store, store-local today, first day, last day


@dataclass(frozen=True)
class _Entry:
    read_at: datetime
    predictions: tuple[Prediction, ...]


class PredictionService:
    """`now`: the app's clock (UTC, aware); `max_age`: how long a chunk stays fresh."""

    def __init__(
        self,
        client: RetailNextClient,
        *,
        now: Callable[[], datetime] = utc_now,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        self._client = client
        self._now = now
        self._max_age = max_age
        self._cache: dict[_Key, _Entry] = {}
        self._pending: dict[_Key, asyncio.Task[list[Prediction]]] = {}

    def local_today(self, time_zone: str | None) -> date:
        """The store's date now (UTC for a store without a zone)."""
        return local_now(self._now(), time_zone).date()

    def horizon(self, time_zone: str | None) -> tuple[date, date]:
        """The first and last day predictions can be asked for: the store's local
        tomorrow, and 31 days after its today."""
        today = self.local_today(time_zone)
        return today + timedelta(days=1), today + timedelta(days=PREDICTION_HORIZON_DAYS)

    async def coming_days(self, store_uuid: str, time_zone: str | None, days: int = 7) -> list[Prediction]:
        """The store's next `days` local days from tomorrow (at most 31)."""
        if days < 1:
            raise ValidationError("ask for at least one day of predictions")
        first, last = self.horizon(time_zone)
        return await self.predicted(store_uuid, time_zone, first, min(last, first + timedelta(days=days - 1)))

    async def predicted(
        self, store_uuid: str, time_zone: str | None, first_day: date, last_day: date
    ) -> list[Prediction]:
        """15-minute predictions of the store's local days first_day..last_day
        (inclusive), in time order; times are store-local wall times. Raises
        ValidationError (nothing sent) for days that are not the store's future
        ones or lie past the horizon, ApiError when a request fails."""
        if not store_uuid:
            raise ValidationError("choose a store")
        today = self.local_today(time_zone)
        if last_day < first_day:
            raise ValidationError("the last day is before the first day")
        if first_day <= today:
            raise ValidationError(
                f"predictions start with the store's tomorrow ({(today + timedelta(days=1)).isoformat()}, "
                "its local date)"
            )
        if last_day > today + timedelta(days=PREDICTION_HORIZON_DAYS):
            raise ValidationError(f"predictions reach only {PREDICTION_HORIZON_DAYS} days ahead")
        self._forget_before(store_uuid, today)
        keys = [(store_uuid, today, a, b) for a, b in chunks(first_day, last_day)]
        parts = await asyncio.gather(*(self._chunk(key) for key in keys), return_exceptions=True)
        for part in parts:
            if isinstance(part, BaseException):
                raise part
        out = [p for part in parts if not isinstance(part, BaseException) for p in part]
        return sorted(out, key=lambda p: p.time)

    def clear(self) -> None:
        self._cache.clear()

    async def _chunk(self, key: _Key) -> list[Prediction]:
        entry = self._cache.get(key)
        if entry is not None and self._now() - entry.read_at <= self._max_age:
            return list(entry.predictions)
        task = self._pending.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key))
            self._pending[key] = task
            task.add_done_callback(functools.partial(self._settled, key))
        # Shielded: a caller that gives up does not cancel the request another shares.
        return list(await asyncio.shield(task))

    def _settled(self, key: _Key, task: asyncio.Task[list[Prediction]]) -> None:
        self._pending.pop(key, None)
        if not task.cancelled():
            task.exception()  # seen here too, should every caller have given up

    async def _fetch(self, key: _Key) -> list[Prediction]:
        store_uuid, today, first, last = key
        read_at = self._now()
        got = await self._client.predicted_traffic(store_uuid, first, last, today=today)
        self._cache[key] = _Entry(read_at, tuple(got))
        return got

    def _forget_before(self, store_uuid: str, today: date) -> None:
        """The store's chunks read on an earlier local day are stale (tomorrow became today)."""
        for key in [k for k in self._cache if k[0] == store_uuid and k[1] < today]:
            del self._cache[key]


def chunks(first: date, last: date, size: int = PREDICTION_DAYS_PER_REQUEST) -> Sequence[tuple[date, date]]:
    """first..last (inclusive) in runs of at most `size` days, from `first`."""
    out = []
    start = first
    while start <= last:
        end = min(last, start + timedelta(days=size - 1))
        out.append((start, end))
        start = end + timedelta(days=1)
    return out
