"""TrafficService against the real simulator over HTTP, at the pinned instant
(Wednesday 22 April 2026, 13:07 in Los Angeles): series equal the simulator's own
intervals in each time zone, totals leave out incomplete and imputed intervals, the
change pairs like with like, the forecast starts on the store's local tomorrow, the
region ranking, the cache, range limits and a refused request."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from storeops.api.client import RetailNextClient
from storeops.api.errors import ServerError, ValidationError
from storeops.services.traffic import RegionTraffic, StoreTraffic, TrafficService
from storeops.services.traffic_query import Comparison, Granularity, RangePreset, TrafficQuery
from storeops.services.traffic_series import COMPLETE, IMPUTED, INCOMPLETE, wall_seconds
from storeops.simulator import traffic as sim_traffic
from tests.conftest import ACCESS_KEY, SECRET_KEY, TEST_NOW, start_pinned_simulator
from tests.services.occupancy_env import FAST_RETRY

STORES_BY_ZONE = {
    "America/Los_Angeles": "Caspar City Plaza",
    "America/Chicago": "Chicago Loop",
    "America/New_York": "Fifth Avenue",
    "Europe/London": "London Covent Garden",
}


@pytest.fixture(scope="module")
def sim():
    """This module's simulator, its clock stopped at TEST_NOW: a query and its comparison
    (two requests) and the test's own reading of the simulator see the same instant, so
    an interval cannot complete between them (a running clock paired one day more once)."""
    from storeops.simulator.clock import Clock
    from storeops.simulator.server import start_simulator

    running = start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=7, clock=Clock(TEST_NOW, speed=0))
    try:
        yield running
    finally:
        running.stop()


def run(coro):
    return asyncio.run(coro)


async def _service(sim) -> tuple[RetailNextClient, TrafficService]:
    client = RetailNextClient(sim.url, ACCESS_KEY, SECRET_KEY, retry=FAST_RETRY)
    return client, TrafficService(client, now=sim.clock.now)


def node(sim, name: str):
    with sim.world.lock:
        return next(s for s in sim.world.stores() if s.name == name)


def simulator_hours(sim, store, first: date, last: date) -> dict[datetime, tuple[int, int, int]]:
    """What the simulator counted, read from its own model (not through datamine):
    per store-local hour, in, out and the worst validity, completed intervals only."""
    s = sim_traffic.store_series(sim.world, store, first, last, sim.clock.now().timestamp())
    out: dict[datetime, list[int]] = defaultdict(lambda: [0, 0, 0])
    for bday, bmin, tin, tout, v in zip(s.bday, s.bmin, s.tin, s.tout, s.validity, strict=True):
        start = datetime.combine(date.fromordinal(int(bday)), time()) + timedelta(minutes=int(bmin) // 60 * 60)
        row = out[start]
        row[0] += int(tin)
        row[1] += int(tout)
        row[2] = max(row[2], int(v))
    # The simulator's codes: 0 complete, 1 imputed, 2 incomplete — ours are the same.
    return {k: (a, b, c) for k, (a, b, c) in out.items()}


@pytest.mark.parametrize("zone", sorted(STORES_BY_ZONE))
def test_hourly_series_equal_the_simulators_intervals_in_each_time_zone(sim, zone):
    store = node(sim, STORES_BY_ZONE[zone])

    async def body():
        client, service = await _service(sim)
        async with client:
            return await service.load(TrafficQuery(store.uuid, RangePreset.LAST_4_WEEKS, Granularity.HOUR))

    result = run(body())
    assert isinstance(result, StoreTraffic)
    now_local = sim.clock.now().astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert abs(result.now_local - now_local) < timedelta(seconds=30)
    first = now_local.date() - timedelta(days=27)
    expected = simulator_hours(sim, store, first, now_local.date())
    assert result.period.start == datetime.combine(first, time())
    got = {
        datetime(1970, 1, 1) + timedelta(seconds=float(s)): (int(i), int(o), int(v))
        for s, i, o, v in zip(
            result.series.start, result.series.ins, result.series.outs, result.series.validity, strict=True
        )
    }
    assert len(got) > 200
    assert got == expected


def test_totals_leave_out_incomplete_and_imputed_intervals_and_say_so(sim):
    # A year by day: the simulator's sensor outages leave some days incomplete or imputed.
    store = node(sim, "Chicago Loop")

    async def body():
        client, service = await _service(sim)
        async with client:
            return await service.load(TrafficQuery(store.uuid, RangePreset.LAST_12_MONTHS, Granularity.DAY))

    r = run(body())
    assert isinstance(r, StoreTraffic)
    v = r.series.validity
    assert (v == INCOMPLETE).any() and (v == IMPUTED).any()
    assert r.totals.traffic_in == r.series.ins[v == COMPLETE].sum()
    assert r.totals.traffic_in < r.series.ins.sum()
    assert r.totals.incomplete == int((v == INCOMPLETE).sum())
    assert r.totals.imputed == int((v == IMPUTED).sum())
    note = r.totals.note(r.unit_words)
    assert f"{r.totals.incomplete} incomplete" in note and f"{r.totals.imputed} imputed" in note and "days" in note


def test_change_compares_only_intervals_complete_in_both_periods(sim):
    store = node(sim, "Chicago Loop")

    async def body():
        client, service = await _service(sim)
        async with client:
            return await service.load(
                TrafficQuery(store.uuid, RangePreset.LAST_12_MONTHS, Granularity.DAY, comparison=Comparison.PREVIOUS)
            )

    r = run(body())
    assert isinstance(r, StoreTraffic)
    assert r.comparison is not None and r.change is not None and r.comparison_period is not None
    assert r.comparison_period.end == r.period.start
    # By hand: the days present and complete in both.
    cur = {int(s): (i, v) for s, i, v in zip(r.series.start, r.series.ins, r.series.validity, strict=True)}
    prev = {int(s): (i, v) for s, i, v in zip(r.comparison.start, r.comparison.ins, r.comparison.validity, strict=True)}
    # Today's day is still running: it is not compared with a whole day.
    ended = wall_seconds(r.now_local)
    both = [k for k in cur if k in prev and cur[k][1] == COMPLETE and prev[k][1] == COMPLETE and k + 86400 <= ended]
    assert len(both) < len([k for k in cur if k in prev and cur[k][1] == COMPLETE and prev[k][1] == COMPLETE])
    assert r.change.pairs == len(both) < len(cur)
    assert r.change.current == sum(cur[k][0] for k in both)
    assert r.change.previous == sum(prev[k][0] for k in both)
    assert r.change.percent == pytest.approx((r.change.current - r.change.previous) / r.change.previous * 100)


def test_last_year_is_52_weeks_earlier_so_weekdays_line_up(sim):
    store = node(sim, "Fifth Avenue")

    async def body():
        client, service = await _service(sim)
        async with client:
            return await service.load(
                TrafficQuery(store.uuid, RangePreset.LAST_7_DAYS, comparison=Comparison.LAST_YEAR, forecast_days=0)
            )

    r = run(body())
    assert isinstance(r, StoreTraffic) and r.comparison_period is not None
    assert r.period.start - r.comparison_period.start == timedelta(days=364)
    assert r.comparison_period.start.weekday() == r.period.start.weekday()


def test_forecast_is_the_rest_of_today_then_predictions_from_the_stores_local_tomorrow(sim):
    store = node(sim, "London Covent Garden")  # 21:07 in London: today is nearly over there

    async def body():
        client, service = await _service(sim)
        async with client:
            r = await service.load(
                TrafficQuery(
                    store.uuid, RangePreset.TODAY, Granularity.MIN15, forecast_days=3, comparison=Comparison.NONE
                )
            )
            assert isinstance(r, StoreTraffic)
            today = r.now_local.date()
            own = await client.predicted_traffic(
                store.uuid, today + timedelta(days=1), today + timedelta(days=3), today=today
            )
            return r, own

    r, own = run(body())
    assert r.now_local.date() == date(2026, 4, 22)
    tomorrow = wall_seconds(datetime(2026, 4, 23))
    future = r.forecast.take(r.forecast.start >= tomorrow)
    assert len(future) == len(own) > 0
    assert [int(v) for v in future.ins] == [int(p.value) for p in own]
    assert future.start[0] == wall_seconds(own[0].time)
    # London closes at 20:00 on Wednesdays: nothing is left of today to predict.
    assert not (r.forecast.start < tomorrow).any()
    assert r.intraday is not None and r.intraday.weeks == 4
    assert r.intraday.actual_so_far == r.series.ins.sum()


def test_intraday_expected_is_the_mean_of_the_same_weekday_in_the_last_four_weeks(sim):
    store = node(sim, "Caspar City Plaza")  # 13:07 in Los Angeles: open, half the day to come

    async def body():
        client, service = await _service(sim)
        async with client:
            return await service.load(TrafficQuery(store.uuid, RangePreset.TODAY, comparison=Comparison.NONE))

    r = run(body())
    assert isinstance(r, StoreTraffic) and r.intraday is not None
    today = r.now_local.date()
    days = [today - timedelta(days=7 * w) for w in range(1, 5)]
    totals = []
    for d in days:
        s = sim_traffic.store_series(sim.world, store, d, d)
        totals.append(int(s.tin.sum()))
    assert r.intraday.expected[-1] == pytest.approx(np.mean(totals), rel=0.02)
    assert r.intraday.low[-1] <= r.intraday.expected[-1] <= r.intraday.high[-1]
    # The rest of today is forecast from 13:00 on, after the last counted interval.
    assert len(r.forecast) and r.forecast.start[0] >= wall_seconds(datetime.combine(today, time(13)))


def test_region_ranking_sides_its_stores_by_traffic_in(sim):
    with sim.world.lock:
        east = next(n for n in sim.world.nodes.values() if n.name == "East" and n.is_region)
        stores = [s for s in sim.world.stores_under(east.uuid) if s.archive_date is None]

    async def body():
        client, service = await _service(sim)
        async with client:
            region = await service.load(TrafficQuery(east.uuid, RangePreset.LAST_4_WEEKS, region=True))
            one = await service.load(TrafficQuery(stores[0].uuid, RangePreset.LAST_4_WEEKS, Granularity.DAY))
            return region, one

    region, one = run(body())
    assert isinstance(region, RegionTraffic) and isinstance(one, StoreTraffic)
    assert {r.store.uuid for r in region.ranks} == {s.uuid for s in stores}
    totals = [r.totals.traffic_in for r in region.ranks]
    assert totals == sorted(totals, reverse=True)
    mine = next(r for r in region.ranks if r.store.uuid == stores[0].uuid)
    assert mine.totals == one.totals
    assert mine.change is not None and one.change is not None and mine.change.percent == one.change.percent
    assert mine.peak == one.peak
    assert all(r.peak is not None and 8 <= r.peak.hour <= 21 for r in region.ranks)


def test_results_are_cached_per_query_until_forgotten(sim):
    store = node(sim, "Willow Glen")

    async def body():
        client, service = await _service(sim)
        async with client:
            q = TrafficQuery(store.uuid, RangePreset.YESTERDAY)
            first = await service.load(q)
            made = service.requests
            again = await service.load(q)
            assert again is first and service.requests == made
            await service.load(q.with_(comparison=Comparison.NONE))
            assert service.requests > made
            service.forget(q)
            made = service.requests
            fresh = await service.load(q)
            assert fresh is not first and service.requests > made

    run(body())


def test_the_cache_keeps_the_most_recently_used_results(sim, monkeypatch):
    from storeops.services import traffic as traffic_module

    monkeypatch.setattr(traffic_module, "CACHE_SIZE", 2)
    store = node(sim, "Willow Glen")

    async def body():
        client, service = await _service(sim)
        async with client:
            a, b, c = (
                TrafficQuery(store.uuid, preset)
                for preset in (RangePreset.YESTERDAY, RangePreset.LAST_7_DAYS, RangePreset.THIS_WEEK)
            )
            first_a = await service.load(a)
            await service.load(b)
            assert await service.load(a) is first_a  # used again: now the most recent
            await service.load(c)  # one too many: b, the least recently used, goes
            assert service.cached(a) is first_a and service.cached(b) is None and service.cached(c) is not None

    run(body())


def test_range_limits_are_checked_before_sending(sim):
    store = node(sim, "Willow Glen")
    with sim.world.lock:
        west = next(n for n in sim.world.nodes.values() if n.name == "West" and n.is_region)

    async def body():
        client, service = await _service(sim)
        async with client:
            made = service.requests
            with pytest.raises(ValidationError, match="5 years"):
                await service.load(
                    TrafficQuery(store.uuid, RangePreset.CUSTOM, custom=(date(2020, 1, 1), date(2026, 1, 1)))
                )
            with pytest.raises(ValidationError, match="2 years"):
                await service.load(
                    TrafficQuery(
                        west.uuid, RangePreset.CUSTOM, custom=(date(2023, 1, 1), date(2026, 1, 1)), region=True
                    )
                )
            with pytest.raises(ValidationError, match="before the first"):
                await service.load(
                    TrafficQuery(store.uuid, RangePreset.CUSTOM, custom=(date(2026, 2, 1), date(2026, 1, 1)))
                )
            assert service.requests == made

    run(body())


def test_a_refused_request_comes_out_as_the_clients_typed_error(fresh_sim):
    store = node(fresh_sim, "Willow Glen")
    fresh_sim.faults.add("/v2/datamine", "status", count=20, status=503)

    async def body():
        client, service = await _service(fresh_sim)
        async with client:
            with pytest.raises(ServerError):
                await service.load(TrafficQuery(store.uuid, RangePreset.YESTERDAY))

    run(body())


def test_weeks_of_the_last_12_months_compare_in_order_with_the_year_before(sim):
    # 12 months back is not whole weeks: the i-th week pairs with the i-th week.
    store = node(sim, "Portland Pearl")

    async def body():
        client, service = await _service(sim)
        async with client:
            return await service.load(
                TrafficQuery(store.uuid, RangePreset.LAST_12_MONTHS, Granularity.WEEK, forecast_days=0)
            )

    r = run(body())
    assert isinstance(r, StoreTraffic) and r.comparison is not None and r.change is not None
    assert len(r.comparison) == len(r.series)
    assert np.array_equal(r.comparison.start, r.series.start)
    assert r.change.pairs > 30 and r.change.percent is not None


@pytest.mark.parametrize(
    ("store_name", "zone", "at"),
    [
        # Two days after the US change (Sunday 8 March 2026), 14:00 in New York.
        ("Fifth Avenue", "America/New_York", datetime(2026, 3, 10, 18, 0, tzinfo=UTC)),
        # Two days after Europe's (Sunday 29 March 2026), 15:00 in London.
        ("London Covent Garden", "Europe/London", datetime(2026, 3, 31, 14, 0, tzinfo=UTC)),
        # Just after midnight in Los Angeles: a new local day, UTC well into it.
        ("Caspar City Plaza", "America/Los_Angeles", datetime(2026, 4, 23, 7, 5, tzinfo=UTC)),
    ],
)
def test_a_week_across_a_dst_change_or_midnight_equals_the_simulators_local_hours(store_name, zone, at):
    running = start_pinned_simulator(at=at)
    try:
        store = node(running, store_name)

        async def body():
            client, service = await _service(running)
            async with client:
                return await service.load(
                    TrafficQuery(store.uuid, RangePreset.LAST_7_DAYS, Granularity.HOUR, forecast_days=0)
                )

        result = run(body())
        assert isinstance(result, StoreTraffic)
        today = at.astimezone(ZoneInfo(zone)).date()
        assert result.now_local.date() == today
        assert result.period.start == datetime.combine(today - timedelta(days=6), time())
        expected = simulator_hours(running, store, today - timedelta(days=6), today)
        got = {
            datetime(1970, 1, 1) + timedelta(seconds=float(s)): (int(i), int(o), int(v))
            for s, i, o, v in zip(
                result.series.start, result.series.ins, result.series.outs, result.series.validity, strict=True
            )
        }
        assert got == expected and len(got) > 40
    finally:
        running.stop()
