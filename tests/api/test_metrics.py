"""Datamine, store hours, occupancy adjust and predicted traffic against the
simulator."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storeops.api.datamine import (
    DatamineRequest,
    DateRange,
    DateSpec,
    GroupBy,
    TimeRange,
    current_occupancy_request,
    metric_rows,
    rows,
)
from storeops.api.errors import InvalidRequest, MetricError, ValidationError
from tests.helpers import not_none

from .conftest import sent


def _store(running, name: str):
    return next(s for s in running.world.stores() if s.name == name)


def _local_today(running, store) -> date:
    return running.clock.now().astimezone(ZoneInfo(store.time_zone)).date()


async def test_traffic_by_day_last_week(client, sim):
    store = _store(sim, "Caspar City Plaza")
    result = await client.datamine(
        DatamineRequest(
            locations=[store.uuid],
            metrics=["traffic_in", "traffic_out"],
            date_ranges=[
                DateRange(
                    DateSpec.relative(add_weeks=-1), DateSpec.relative(base=DateSpec.named("now"), truncate_to="week")
                )
            ],
            time_ranges=[TimeRange.store_hours()],
            group_bys=[GroupBy.date("days", 1)],
            time_zone=store.time_zone,
        )
    )
    ins = metric_rows(result, "traffic_in")
    outs = metric_rows(result, "traffic_out")
    assert 1 <= len(ins) <= 7 and len(ins) == len(outs)
    days = [not_none(r.day) for r in ins]
    assert days == sorted(days) and len(set(days)) == len(days)
    assert all(r.value is not None and r.value >= 0 for r in ins)
    assert sum(not_none(r.value) for r in ins) > 0
    assert {r.validity for r in ins} <= {"complete", "incomplete", "imputed"}


async def test_layered_groups_flatten_to_rows(client, sim):
    a, b = _store(sim, "Chicago Loop"), _store(sim, "Fifth Avenue")
    start = _local_today(sim, a) - timedelta(days=8)
    result = await client.datamine(
        DatamineRequest(
            locations=[a.uuid, b.uuid],
            metrics=["traffic_in"],
            # Chicago's days (sent with its offsets): New York's shop hours fall inside them.
            date_ranges=[DateRange.days(start, start + timedelta(days=2), time_zone=a.time_zone)],
            group_bys=[GroupBy.location(), GroupBy.date("days", 1), GroupBy.time("hours", 1)],
        )
    )
    got = rows(result)
    assert {r.location_uuid for r in got} == {a.uuid, b.uuid}
    assert {r.day for r in got} == {start, start + timedelta(days=1)}
    assert all(r.time and len(r.time) == 5 and r.time.endswith(":00") for r in got)
    assert all(r.location_name in (a.name, b.name) for r in got)


async def test_day_of_week_group(client, sim):
    store = _store(sim, "Fifth Avenue")
    end = _local_today(sim, store) - timedelta(days=1)
    result = await client.datamine(
        DatamineRequest(
            locations=[store.uuid],
            metrics=["traffic_in"],
            date_ranges=[DateRange.days(end - timedelta(days=14), end)],
            group_bys=[GroupBy.day_of_week()],
        )
    )
    got = metric_rows(result, "traffic_in")
    assert len(got) == 7 and len({r.day_of_week for r in got}) == 7


async def test_current_occupancy_per_store(client, sim):
    stores = [s for s in sim.world.stores() if s.time_zone == "America/New_York" and s.archive_date is None]
    result = await client.datamine(current_occupancy_request([s.uuid for s in stores], "America/New_York"))
    for name in ("traffic_in", "traffic_out", "total_occupancy"):
        got = metric_rows(result, name)
        assert {r.location_uuid for r in got} <= {s.uuid for s in stores}
        assert all(r.value is not None and r.value >= 0 for r in got)


async def test_failed_metric_raises_only_when_used(client, sim):
    store = _store(sim, "Caspar City Plaza")
    start = _local_today(sim, store) - timedelta(days=3)
    result = await client.datamine(
        DatamineRequest(
            locations=[store.uuid],
            metrics=["traffic_in", "no_such_metric"],
            date_ranges=[DateRange.days(start, start + timedelta(days=1))],
        )
    )
    assert metric_rows(result, "traffic_in")  # still usable
    with pytest.raises(MetricError) as info:
        result.metric("no_such_metric")
    assert info.value.metric == "no_such_metric" and info.value.detail
    assert "no_such_metric" in result.failed()
    with pytest.raises(MetricError):
        rows(result)


async def test_named_date_without_time_zone_is_not_sent(client, sim):
    before = sent(sim, "/v2/datamine")
    with pytest.raises(ValidationError):
        await client.datamine(
            DatamineRequest(
                locations=[sim.world.stores()[0].uuid],
                metrics=["traffic_in"],
                date_ranges=[DateRange(DateSpec.named("today"), DateSpec.named("now"))],
            )
        )
    assert sent(sim, "/v2/datamine") == before


async def test_date_range_limit_is_the_servers_invalid_request(client, sim):
    # Two stores over 2 years: refused before sending (tests/api/test_datamine_dates.py);
    # a region the client takes for one location reaches the server, whose 400 arrives.
    region = next(n for n in sim.world.nodes.values() if n.is_region and len(sim.world.stores_under(n.uuid)) > 1)
    with pytest.raises(InvalidRequest) as info:
        await client.datamine(
            DatamineRequest(
                locations=[region.uuid],
                metrics=["traffic_in"],
                date_ranges=[DateRange.days(date(2020, 1, 1), date(2023, 1, 1), time_zone="America/Chicago")],
            )
        )
    assert "2 years" in str(info.value)


async def test_store_hours(client, sim):
    plaza, night = _store(sim, "Caspar City Plaza"), _store(sim, "Seattle Night Market")
    start = _local_today(sim, plaza) - timedelta(days=3)
    hours = await client.store_hours([plaza.uuid, night.uuid], start, start + timedelta(days=6))
    assert set(hours) == {plaza.uuid, night.uuid}
    plaza_days = hours[plaza.uuid]
    assert plaza_days and all(h.store_uuid == plaza.uuid for h in plaza_days)
    assert [h.effective_day for h in plaza_days] == sorted(h.effective_day for h in plaza_days)
    opened = [h for h in plaza_days if h.open is not None]
    assert opened and all(h.open.tzinfo is None and h.close > h.open for h in opened)
    # Open overnight: the store day closes after midnight, on the next date.
    late = [h for h in hours[night.uuid] if h.close is not None]
    assert late and all(h.close.date() == h.effective_day.date() + timedelta(days=1) for h in late)


def _freeze_local(running, store, hour: int, minute: int = 0) -> datetime:
    tz = ZoneInfo(store.time_zone)
    day = running.clock.now().astimezone(tz).date()
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    running.clock.freeze(at)
    return at


async def test_adjust_occupancy_sent_once(fresh_client, fresh_sim):
    store = _store(fresh_sim, "San Jose Store")  # open every day, limit 40
    _freeze_local(fresh_sim, store, 12, 30)
    await fresh_client.adjust_occupancy(store.uuid, 5)
    assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
    with fresh_sim.world.lock:
        assert [(a.store_uuid, a.count) for a in fresh_sim.world.adjustments] == [(store.uuid, 5)]


async def test_adjust_occupancy_refusals(fresh_client, fresh_sim):
    store = _store(fresh_sim, "San Jose Store")
    with pytest.raises(ValidationError):
        await fresh_client.adjust_occupancy(store.uuid, 0)
    assert sent(fresh_sim, "/v1/occupancy/adjust") == 0
    _freeze_local(fresh_sim, store, 4, 0)  # closed at night
    with pytest.raises(InvalidRequest) as info:
        await fresh_client.adjust_occupancy(store.uuid, 2)
    assert info.value.detail
    no_limit = _store(fresh_sim, "Austin Domain")
    _freeze_local(fresh_sim, no_limit, 13, 0)
    with pytest.raises(InvalidRequest):
        await fresh_client.adjust_occupancy(no_limit.uuid, 1)
    with fresh_sim.world.lock:
        assert fresh_sim.world.adjustments == []


async def test_adjust_occupancy_at_explicit_time(fresh_client, fresh_sim):
    store = _store(fresh_sim, "San Jose Store")
    at = _freeze_local(fresh_sim, store, 15, 0)
    await fresh_client.adjust_occupancy(store.uuid, -1, at=at - timedelta(minutes=20))
    with fresh_sim.world.lock:
        (adj,) = fresh_sim.world.adjustments
    assert adj.count == -1 and adj.at == at - timedelta(minutes=20)


def _sim_today(running, store) -> date:
    return _local_today(running, store)


async def test_predicted_traffic_splits_into_weeks(fresh_client, fresh_sim):
    store = _store(fresh_sim, "Fifth Avenue")
    today = _sim_today(fresh_sim, store)
    first, last = today + timedelta(days=1), today + timedelta(days=17)
    predictions = await fresh_client.predicted_traffic(store.uuid, first, last, today=today)
    assert sent(fresh_sim, "/v1/predictedtraffic") == 3  # 7 + 7 + 3 days
    times = [p.time for p in predictions]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert min(times).date() == first and max(times).date() == last
    assert len({t.date() for t in times}) >= 10  # a few closed days at most
    assert all(p.value >= 0 for p in predictions)
    assert fresh_sim.limits.rejected["predicted_traffic"] == 0


async def test_predicted_traffic_refusals_are_not_sent(fresh_client, fresh_sim):
    store = _store(fresh_sim, "Fifth Avenue")
    today = _sim_today(fresh_sim, store)
    for first, last in [
        (today, today + timedelta(days=2)),
        (today - timedelta(days=3), today + timedelta(days=2)),
        (today + timedelta(days=25), today + timedelta(days=32)),
        (today + timedelta(days=5), today + timedelta(days=4)),
    ]:
        with pytest.raises(ValidationError):
            await fresh_client.predicted_traffic(store.uuid, first, last, today=today)
    assert sent(fresh_sim, "/v1/predictedtraffic") == 0
    # The whole horizon is allowed: 31 days ahead, five requests.
    got = await fresh_client.predicted_traffic(
        store.uuid, today + timedelta(days=1), today + timedelta(days=31), today=today
    )
    assert got and sent(fresh_sim, "/v1/predictedtraffic") == 5


async def test_predicted_traffic_for_the_store_today_is_refused_by_the_server(fresh_client, fresh_sim):
    # A client whose idea of today lags the store's (a store ahead of the user's
    # time zone) sends today: the server's 400 arrives as InvalidRequest with its reason.
    store = _store(fresh_sim, "Fifth Avenue")
    today = _sim_today(fresh_sim, store)
    with pytest.raises(InvalidRequest) as info:
        await fresh_client.predicted_traffic(
            store.uuid, today, today + timedelta(days=1), today=today - timedelta(days=1)
        )
    assert info.value.status == 400 and "future" in not_none(info.value.detail)
    assert sent(fresh_sim, "/v1/predictedtraffic") == 1


async def test_many_predictions_at_once_never_hit_the_limit(fresh_client, fresh_sim):
    stores = [s for s in fresh_sim.world.stores() if s.archive_date is None][:4]
    today = max(_sim_today(fresh_sim, s) for s in stores)
    await asyncio.gather(
        *[
            fresh_client.predicted_traffic(s.uuid, today + timedelta(days=1), today + timedelta(days=21), today=today)
            for s in stores
        ]
    )
    assert sent(fresh_sim, "/v1/predictedtraffic") == 12
    assert fresh_sim.limits.peak["predicted_traffic"] <= 3
    assert fresh_sim.limits.rejected["predicted_traffic"] == 0


async def test_overnight_store_times_carry_the_next_day_marker(client, sim):
    night = _store(sim, "Seattle Night Market")  # 18:00 - 02:00
    day = _local_today(sim, night) - timedelta(days=3)
    result = await client.datamine(
        DatamineRequest(
            locations=[night.uuid],
            metrics=["traffic_in"],
            date_ranges=[DateRange.days(day, day + timedelta(days=1))],
            group_bys=[GroupBy.time("hours", 1)],
        )
    )
    got = metric_rows(result, "traffic_in")
    after_midnight = [r for r in got if r.day_offset == 1]
    assert {r.time for r in after_midnight} == {"00:00", "01:00"}
    assert {r.time for r in got if r.day_offset == 0} == {"18:00", "19:00", "20:00", "21:00", "22:00", "23:00"}
