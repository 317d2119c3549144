"""Traffic of a store or a region, for the Traffic pane: the chosen range at its
granularity with validity, a comparison period and the change, the busiest hour,
predicted traffic for the rest of today and coming days, and today's actual against
expected so far. Regions: each store's figures side by side, ranked.

Results are cached per query for the session (the CACHE_SIZE most recently used; F5
forgets them). Failures come out as the client's typed errors (ApiError); a failing
extra (forecast, comparison, busiest hour) does not fail the chart: its note says what
is missing and why. No Qt.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from storeops.api.datamine import DatamineRequest, DateRange, GroupBy
from storeops.api.errors import ApiError, NotFound, ValidationError
from storeops.api.models import DatamineResult, Location, LocationQuery
from storeops.services import wording
from storeops.services.store_hours import local_now, utc_now
from storeops.services.stores import STORE_FIELDS
from storeops.services.traffic_query import (
    EXPECTED_WEEKS,
    MAX_FORECAST_DAYS,
    Granularity,
    Period,
    TrafficQuery,
    comparison_period,
    datamine_request,
    date_range,
    granularity_of,
    resolve_period,
)
from storeops.services.traffic_series import (
    Change,
    CsvPart,
    Intraday,
    PeakHour,
    Series,
    Totals,
    align,
    change,
    csv_text,
    expected_rest_of_day,
    hour_profile,
    intraday,
    peak_hour,
    prediction_series,
    regroup,
    series_by_location,
    series_from_result,
    totals,
    wall_seconds,
)

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Results kept for the session, least recently used dropped first.
CACHE_SIZE = 24

UNIT_WORDS = {
    Granularity.MIN15: "15-minute intervals",
    Granularity.HOUR: "hours",
    Granularity.DAY: "days",
    Granularity.WEEK: "weeks",
    Granularity.MONTH: "months",
}


@dataclass(frozen=True)
class Region:
    uuid: str
    name: str
    stores: tuple[Location, ...]


@dataclass(frozen=True)
class Places:
    """The stores (with their time zones) and the regions with the stores under them."""

    stores: tuple[Location, ...]
    regions: tuple[Region, ...]

    def store(self, uuid: str) -> Location | None:
        return next((s for s in self.stores if s.uuid == uuid), None)

    def region(self, uuid: str) -> Region | None:
        return next((r for r in self.regions if r.uuid == uuid), None)


@dataclass
class StoreTraffic:
    query: TrafficQuery
    store: Location
    period: Period
    granularity: Granularity
    now_local: datetime
    series: Series
    totals: Totals
    comparison_period: Period | None = None
    comparison: Series | None = None  # moved onto the current period's axis
    comparison_original: Series | None = None  # at its own dates (CSV)
    comparison_totals: Totals | None = None
    change: Change | None = None
    peak: PeakHour | None = None
    forecast: Series = field(default_factory=Series.empty)
    intraday: Intraday | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def unit_words(self) -> str:
        return UNIT_WORDS[self.granularity]

    def csv(self) -> str:
        parts = [CsvPart("actual", self.series)]
        if self.comparison is not None and self.comparison_original is not None:
            parts.append(CsvPart("comparison", self.comparison, original_start=self.comparison_original.start))
        if len(self.forecast):
            parts.append(CsvPart("predicted", self.forecast, validity_override="predicted"))
        return csv_text(parts)


@dataclass
class StoreRank:
    store: Location
    series: Series
    totals: Totals
    change: Change | None
    peak: PeakHour | None

    @property
    def change_percent(self) -> float | None:
        return self.change.percent if self.change is not None else None


@dataclass
class RegionTraffic:
    query: TrafficQuery
    region: Region
    period: Period  # as the first time zone reads it (all zones read the same days)
    granularity: Granularity
    ranks: list[StoreRank]
    notes: list[str] = field(default_factory=list)

    def csv(self) -> str:
        return csv_text([CsvPart(r.store.name, r.series) for r in self.ranks])


Result = StoreTraffic | RegionTraffic


class TrafficService:
    """`now`: the clock the ranges are computed from (the app's, pinned in demo and tests)."""

    def __init__(self, client: RetailNextClient, *, now: Callable[[], datetime] = utc_now) -> None:
        self.client = client
        self.now = now
        self._places: Places | None = None
        # Least recently used last out: a year of 15-minute traffic is megabytes, and an
        # afternoon of browsing (or "today" moving on) would otherwise keep every answer.
        self._cache: OrderedDict[tuple[TrafficQuery, Period], Result] = OrderedDict()
        self.requests = 0  # datamine and prediction calls made (tests read the cache through it)

    # ------------------------------------------------------------ places

    async def places(self, *, reload: bool = False) -> Places:
        if self._places is None or reload:
            stores = await self.client.query_locations(
                LocationQuery(location_types=["store"], extra_fields=list(STORE_FIELDS))
            )
            regions = await self.client.query_locations(LocationQuery(location_types=["region"]))
            self._places = _places(stores, regions)
        return self._places

    # ------------------------------------------------------------ queries

    def period_of(self, query: TrafficQuery, time_zone: str | None) -> Period:
        return resolve_period(query, local_now(self.now(), time_zone))

    def cached(self, query: TrafficQuery) -> Result | None:
        """A result already in hand for this query (today's range resolves afresh)."""
        if self._places is None:
            return None
        zone = self._zone_of(query)
        try:
            period = self.period_of(query, zone)
        except ApiError:
            return None
        return self._recall((query, period))

    def forget(self, query: TrafficQuery | None = None) -> None:
        """F5: read again (one query, or everything)."""
        if query is None:
            self._cache.clear()
        else:
            for key in [k for k in self._cache if k[0] == query]:
                del self._cache[key]

    async def load(self, query: TrafficQuery) -> Result:
        places = await self.places()
        if query.region:
            region = places.region(query.scope)
            if region is None:
                raise NotFound("that region is no longer in the location list")
            if not region.stores:
                raise ValidationError(f"the region {region.name} has no stores")
            period = self.period_of(query, region.stores[0].time_zone)
            key = (query, period)
            if (hit := self._recall(key)) is None:
                hit = self._keep(key, await self._region(query, region))
            return hit
        store = places.store(query.scope)
        if store is None:
            raise NotFound("that store is no longer in the store list")
        period = self.period_of(query, store.time_zone)
        key = (query, period)
        if (hit := self._recall(key)) is None:
            hit = self._keep(key, await self._store(query, store, period))
        return hit

    def _recall(self, key: tuple[TrafficQuery, Period]) -> Result | None:
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
        return hit

    def _keep(self, key: tuple[TrafficQuery, Period], result: Result) -> Result:
        self._cache[key] = result
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    def _zone_of(self, query: TrafficQuery) -> str | None:
        assert self._places is not None
        if query.region:
            region = self._places.region(query.scope)
            return region.stores[0].time_zone if region and region.stores else None
        store = self._places.store(query.scope)
        return store.time_zone if store else None

    async def _datamine(self, request: DatamineRequest) -> DatamineResult:
        self.requests += 1
        return await self.client.datamine(request)

    # ------------------------------------------------------------ one store

    async def _store(self, query: TrafficQuery, store: Location, period: Period) -> StoreTraffic:
        tz = store.time_zone
        now_local = local_now(self.now(), tz)
        granularity = granularity_of(query, period)
        main = datamine_request(
            [store.uuid], period, granularity.group_bys(), time_zone=tz, store_hours_only=query.store_hours_only
        )
        cmp_period = comparison_period(query, period)
        today = now_local.date()
        has_today = period.includes(today)

        extras: dict[str, Awaitable[object]] = {
            "peak": self._datamine(
                datamine_request(
                    [store.uuid],
                    period,
                    [GroupBy.time("hours", 1)],
                    time_zone=tz,
                    store_hours_only=query.store_hours_only,
                )
            ),
        }
        if cmp_period is not None:
            extras["comparison"] = self._datamine(
                datamine_request(
                    [store.uuid],
                    cmp_period,
                    granularity.group_bys(),
                    time_zone=tz,
                    store_hours_only=query.store_hours_only,
                )
            )
        if has_today:
            extras["history"] = self._datamine(_same_weekdays(store.uuid, today, tz, query.store_hours_only))
            if granularity is not Granularity.MIN15:
                extras["today"] = self._datamine(
                    datamine_request(
                        [store.uuid],
                        Period(datetime.combine(today, time()), datetime.combine(today + timedelta(days=1), time())),
                        Granularity.MIN15.group_bys(),
                        time_zone=tz,
                        store_hours_only=query.store_hours_only,
                    )
                )
        forecast_days = min(max(query.forecast_days, 0), MAX_FORECAST_DAYS)
        if has_today and forecast_days and granularity in (Granularity.MIN15, Granularity.HOUR, Granularity.DAY):
            self.requests += 1
            extras["predicted"] = self.client.predicted_traffic(
                store.uuid, today + timedelta(days=1), today + timedelta(days=forecast_days), today=today
            )

        # The chart's own data fails the whole load; the extras only their part.
        names = list(extras)
        answers = await asyncio.gather(self._datamine(main), *extras.values(), return_exceptions=True)
        first = answers[0]
        if not isinstance(first, DatamineResult):
            assert isinstance(first, BaseException)
            for other in answers[1:]:
                if isinstance(other, BaseException) and not isinstance(other, ApiError):
                    log.warning("traffic extra failed too", exc_info=other)
            raise first
        extra = dict(zip(names, answers[1:], strict=True))
        series = await asyncio.to_thread(series_from_result, first, granularity)
        result = StoreTraffic(
            query=query,
            store=store,
            period=period,
            granularity=granularity,
            now_local=now_local,
            series=series,
            totals=totals(series),
        )
        notes = result.notes

        peak_answer = _ok(extra.get("peak"), DatamineResult, "busiest hour", notes)
        if peak_answer is not None:
            result.peak = peak_hour(hour_profile(peak_answer).get(None))

        if cmp_period is not None:
            cmp_answer = _ok(extra.get("comparison"), DatamineResult, "comparison", notes)
            if cmp_answer is not None:
                original = await asyncio.to_thread(series_from_result, cmp_answer, granularity)
                result.comparison_period = cmp_period
                result.comparison_original = original
                result.comparison = align(original, period, cmp_period, granularity)
                result.comparison_totals = totals(original)
                result.change = change(series, result.comparison, until=wall_seconds(now_local))

        if has_today:
            history_answer = _ok(extra.get("history"), DatamineResult, "expected traffic of today", notes)
            if "today" in extra:
                today_answer = _ok(extra.get("today"), DatamineResult, "today's traffic", notes)
                today_series = series_from_result(today_answer, Granularity.MIN15) if today_answer else None
            else:
                today_series = series
            if history_answer is not None and today_series is not None:
                history = series_from_result(history_answer, Granularity.MIN15)
                midnight = wall_seconds(datetime.combine(today, time()))
                today_only = today_series.take(
                    (today_series.start >= midnight) & (today_series.start < midnight + 86400.0)
                )
                result.intraday = intraday(today, history, today_only)
            rest = expected_rest_of_day(result.intraday, _next_slot(result.intraday, now_local))
            # By day, today's point is the count so far: the rest of today would stand
            # on the same day as a second, smaller point; only coming days are drawn.
            parts = [regroup(rest, granularity)] if granularity.intraday else []
            if "predicted" in extra:
                predicted = _ok(extra.get("predicted"), list, "predicted traffic", notes)
                if predicted is not None:
                    parts.append(regroup(prediction_series(predicted), granularity))
            parts = [p for p in parts if len(p)]
            if parts:
                result.forecast = _concat(parts)
        elif query.forecast_days and not has_today:
            notes.append("No forecast: the range does not include today.")
        if has_today and query.forecast_days and granularity in (Granularity.WEEK, Granularity.MONTH):
            notes.append("Forecast is shown by 15 minutes, hour or day.")
        return result

    # ------------------------------------------------------------ region

    async def _region(self, query: TrafficQuery, region: Region) -> RegionTraffic:
        # One request per time zone: each store reads the same days as its own local days.
        zones: dict[str | None, list[Location]] = {}
        for store in region.stores:
            zones.setdefault(store.time_zone, []).append(store)
        first_period = self.period_of(query, region.stores[0].time_zone)
        # Side by side, stores compare by day unless weeks or months are asked for: a
        # store's share of incomplete data is then a share of days, not of whole weeks.
        granularity = query.granularity or Granularity.DAY
        if granularity.intraday:
            granularity = Granularity.DAY
        notes: list[str] = []
        parts = await asyncio.gather(
            *(self._zone(query, tz, stores, granularity, notes, len(region.stores)) for tz, stores in zones.items())
        )
        ranks = [rank for part in parts for rank in part]
        ranks.sort(key=lambda r: (-r.totals.traffic_in, r.store.name.casefold()))
        return RegionTraffic(query, region, first_period, granularity, ranks, notes)

    async def _zone(
        self,
        query: TrafficQuery,
        tz: str | None,
        stores: list[Location],
        granularity: Granularity,
        notes: list[str],
        region_stores: int,
    ) -> list[StoreRank]:
        now_local = local_now(self.now(), tz)
        period = resolve_period(query, now_local)
        uuids = [s.uuid for s in stores]
        by_location = [GroupBy.location(), *granularity.group_bys()]
        cmp_period = comparison_period(query, period)
        calls: list[Awaitable[DatamineResult]] = [
            self._datamine(
                datamine_request(
                    uuids,
                    period,
                    by_location,
                    time_zone=tz,
                    store_hours_only=query.store_hours_only,
                    store_count=region_stores,
                )
            ),
            self._datamine(
                datamine_request(
                    uuids,
                    period,
                    [GroupBy.location(), GroupBy.time("hours", 1)],
                    time_zone=tz,
                    store_hours_only=query.store_hours_only,
                    store_count=region_stores,
                )
            ),
        ]
        if cmp_period is not None:
            calls.append(
                self._datamine(
                    datamine_request(
                        uuids,
                        cmp_period,
                        by_location,
                        time_zone=tz,
                        store_hours_only=query.store_hours_only,
                        store_count=region_stores,
                    )
                )
            )
        answers = await asyncio.gather(*calls, return_exceptions=True)
        if isinstance(answers[0], BaseException):
            raise answers[0]
        series = await asyncio.to_thread(series_by_location, answers[0], granularity)
        peak_answer = _ok(answers[1], DatamineResult, "busiest hour", notes)
        profiles = hour_profile(peak_answer) if peak_answer is not None else {}
        comparison: dict[str | None, Series] = {}
        if cmp_period is not None:
            cmp_answer = _ok(answers[2], DatamineResult, "comparison", notes)
            if cmp_answer is not None:
                comparison = await asyncio.to_thread(series_by_location, cmp_answer, granularity)
        out = []
        for store in stores:
            s = series.get(store.uuid, Series.empty())
            cmp_change = None
            if cmp_period is not None and store.uuid in comparison:
                cmp_change = change(
                    s, align(comparison[store.uuid], period, cmp_period, granularity), until=wall_seconds(now_local)
                )
            out.append(StoreRank(store, s, totals(s), cmp_change, peak_hour(profiles.get(store.uuid))))
        return out


# ---------------------------------------------------------------- helpers


def _places(stores: list[Location], regions: list[Location]) -> Places:
    live = sorted((s for s in stores if s.is_store and not s.archived), key=lambda s: s.name.casefold())
    region_nodes = {r.uuid: r for r in regions if r.is_region and not r.archived}

    def regions_above(uuid: str | None) -> list[str]:
        chain: list[str] = []
        while uuid in region_nodes and uuid not in chain and len(chain) < 32:
            chain.append(uuid)
            uuid = region_nodes[uuid].parent_uuid
        return chain

    members: dict[str, list[Location]] = {u: [] for u in region_nodes}
    for store in live:
        for uuid in regions_above(store.parent_uuid):
            members[uuid].append(store)
    out = [Region(uuid, region_nodes[uuid].name, tuple(members[uuid])) for uuid in region_nodes if members[uuid]]
    out.sort(key=lambda r: r.name.casefold())
    return Places(tuple(live), tuple(out))


def _same_weekdays(store_uuid: str, today: date, tz: str | None, store_hours_only: bool) -> DatamineRequest:
    """The same weekday in each of the last EXPECTED_WEEKS weeks, by 15 minutes."""
    days = [today - timedelta(days=7 * w) for w in range(1, EXPECTED_WEEKS + 1)]
    request = datamine_request(
        [store_uuid],
        Period(datetime.combine(days[0], time()), datetime.combine(days[0] + timedelta(days=1), time())),
        Granularity.MIN15.group_bys(),
        time_zone=tz,
        store_hours_only=store_hours_only,
    )
    ranges: list[DateRange] = [
        date_range(Period(datetime.combine(d, time()), datetime.combine(d + timedelta(days=1), time())), tz)
        for d in days
    ]
    request.date_ranges = ranges
    return request


def _next_slot(today: Intraday | None, now_local: datetime) -> float:
    """Where the rest of today starts: after the last counted interval, or now."""
    now_s = wall_seconds(now_local)
    slot = np.floor(now_s / 900.0) * 900.0
    if today is not None and len(today.actual):
        return float(today.slots[len(today.actual) - 1])
    return float(slot)


def _concat(parts: list[Series]) -> Series:
    return Series.of(
        np.concatenate([p.start for p in parts]),
        np.concatenate([p.end for p in parts]),
        np.concatenate([p.ins for p in parts]),
        np.concatenate([p.outs for p in parts]),
        np.concatenate([p.validity for p in parts]),
    )


def _ok(answer: object, kind: type[T], what: str, notes: list[str]) -> T | None:
    """The answer if it is one; a failure becomes a note in words (the chart stays)."""
    if isinstance(answer, kind):
        return answer
    if isinstance(answer, BaseException):
        if not isinstance(answer, ApiError):
            raise answer
        notes.append(f"No {what}: {wording.reason(answer)}.")
    return None
