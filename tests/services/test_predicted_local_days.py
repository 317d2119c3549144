"""Predicted traffic for the store's LOCAL coming days, in 7-day chunks within the
documented 3-concurrent limit, cached per connection (storeops/services/predictions.py),
against a simulator whose clock is frozen at the instants that matter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from storeops.api.client import RetailNextClient
from storeops.api.errors import ValidationError
from storeops.services.predictions import PredictionService, chunks
from storeops.simulator import traffic
from storeops.simulator.clock import Clock
from storeops.simulator.server import RunningSimulator, start_simulator
from storeops.simulator.world import Node
from tests.api.conftest import FAST_RETRY
from tests.conftest import ACCESS_KEY, SECRET_KEY

# 23:30 UTC on Wednesday 22 April 2026: 16:30 in Los Angeles (still the 22nd),
# 00:30 on Thursday the 23rd in London.
LATE_EVENING_UTC = datetime(2026, 4, 22, 23, 30, tzinfo=UTC)
# 00:30 UTC on the 23rd: 17:30 on the 22nd in Los Angeles, past the hour from which
# a UTC "today" took a US store's tomorrow for today.
AFTER_UTC_MIDNIGHT = datetime(2026, 4, 23, 0, 30, tzinfo=UTC)
PREDICTED = "/v1/predictedtraffic"


def _frozen(at: datetime) -> RunningSimulator:
    return start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=7, clock=Clock(at, speed=0))


@pytest.fixture
def sim_late() -> Iterator[RunningSimulator]:
    running = _frozen(LATE_EVENING_UTC)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def sim_after_midnight() -> Iterator[RunningSimulator]:
    running = _frozen(AFTER_UTC_MIDNIGHT)
    try:
        yield running
    finally:
        running.stop()


async def _client(running: RunningSimulator) -> RetailNextClient:
    return RetailNextClient(running.url, ACCESS_KEY, SECRET_KEY, retry=FAST_RETRY)


@pytest.fixture
async def client_late(sim_late) -> AsyncIterator[RetailNextClient]:
    async with await _client(sim_late) as c:
        yield c


@pytest.fixture
async def client_after_midnight(sim_after_midnight) -> AsyncIterator[RetailNextClient]:
    async with await _client(sim_after_midnight) as c:
        yield c


def _store(running: RunningSimulator, name: str) -> Node:
    return next(s for s in running.world.stores() if s.name == name)


def _sent(running: RunningSimulator) -> int:
    with running.world.lock:
        return running.world.requests[PREDICTED]


def _simulators_own(running: RunningSimulator, store: Node, first: date, last: date, today: date):
    return [(t, v) for t, v in traffic.predicted(running.world, store, first, last, today)]


async def test_tomorrow_in_los_angeles_at_half_past_four_local(client_late, sim_late):
    service = PredictionService(client_late, now=sim_late.clock.now)
    la, london = _store(sim_late, "Caspar City Plaza"), _store(sim_late, "London Covent Garden")
    assert service.local_today(la.time_zone) == date(2026, 4, 22)
    assert service.local_today(london.time_zone) == date(2026, 4, 23)

    got = await service.coming_days(la.uuid, la.time_zone, 1)
    tomorrow = date(2026, 4, 23)
    assert got and {p.time.date() for p in got} == {tomorrow}
    assert [(p.time, p.value) for p in got] == _simulators_own(sim_late, la, tomorrow, tomorrow, date(2026, 4, 22))

    # London's 23rd is its today: refused before sending; its tomorrow is the 24th.
    before = _sent(sim_late)
    with pytest.raises(ValidationError, match="tomorrow"):
        await service.predicted(london.uuid, london.time_zone, tomorrow, tomorrow)
    assert _sent(sim_late) == before
    london_next = await service.coming_days(london.uuid, london.time_zone, 1)
    assert {p.time.date() for p in london_next} == {date(2026, 4, 24)}


async def test_a_utc_today_loses_a_us_stores_tomorrow_after_five_local(client_after_midnight, sim_after_midnight):
    la = _store(sim_after_midnight, "Caspar City Plaza")
    tomorrow = date(2026, 4, 23)  # Los Angeles' tomorrow, UTC's today
    # The old way: the client's UTC date calls the 23rd "today" and refuses it.
    with pytest.raises(ValidationError):
        await client_after_midnight.predicted_traffic(la.uuid, tomorrow, tomorrow, today=date(2026, 4, 23))
    service = PredictionService(client_after_midnight, now=sim_after_midnight.clock.now)
    first, last = service.horizon(la.time_zone)
    assert (first, last) == (tomorrow, date(2026, 4, 22) + timedelta(days=31))
    got = await service.predicted(la.uuid, la.time_zone, tomorrow, tomorrow)
    assert [(p.time, p.value) for p in got] == _simulators_own(
        sim_after_midnight, la, tomorrow, tomorrow, date(2026, 4, 22)
    )
    # The client given the store's zone-local today agrees.
    direct = await client_after_midnight.predicted_traffic(la.uuid, tomorrow, tomorrow, today=date(2026, 4, 22))
    assert direct == got


@pytest.mark.parametrize(
    "name", ["Caspar City Plaza", "Chicago Loop", "Fifth Avenue", "London Covent Garden", "Seattle Night Market"]
)
async def test_the_whole_horizon_in_seven_day_chunks_equals_the_simulators_own(client_late, sim_late, name):
    store = _store(sim_late, name)
    service = PredictionService(client_late, now=sim_late.clock.now)
    today = service.local_today(store.time_zone)
    first, last = service.horizon(store.time_zone)
    got = await service.predicted(store.uuid, store.time_zone, first, last)
    assert _sent(sim_late) == 5  # 7 + 7 + 7 + 7 + 3 days
    assert sim_late.limits.peak["predicted_traffic"] <= 3
    assert sim_late.limits.rejected["predicted_traffic"] == 0
    assert [(p.time, p.value) for p in got] == _simulators_own(sim_late, store, first, last, today)


async def test_chunks_are_cached_and_shared(client_late, sim_late):
    store = _store(sim_late, "Fifth Avenue")
    service = PredictionService(client_late, now=sim_late.clock.now)
    first, _ = service.horizon(store.time_zone)
    month = await service.predicted(store.uuid, store.time_zone, first, first + timedelta(days=20))
    assert _sent(sim_late) == 3
    week = await service.coming_days(store.uuid, store.time_zone, 7)  # the month's first chunk
    again = await service.predicted(store.uuid, store.time_zone, first, first + timedelta(days=20))
    assert _sent(sim_late) == 3 and again == month
    today = service.local_today(store.time_zone)
    assert [(p.time, p.value) for p in week] == _simulators_own(
        sim_late, store, first, first + timedelta(days=6), today
    )
    # A range starting elsewhere is other chunks: asked once, even by two callers at once.
    shifted = first + timedelta(days=1)
    a, b = await asyncio.gather(
        service.predicted(store.uuid, store.time_zone, shifted, shifted + timedelta(days=6)),
        service.predicted(store.uuid, store.time_zone, shifted, shifted + timedelta(days=6)),
    )
    assert a == b and _sent(sim_late) == 4


async def test_stale_forecasts_are_read_again(client_late, sim_late):
    store = _store(sim_late, "Fifth Avenue")
    now = [sim_late.clock.now()]
    service = PredictionService(client_late, now=lambda: now[0], max_age=timedelta(minutes=30))
    await service.coming_days(store.uuid, store.time_zone, 3)
    now[0] += timedelta(minutes=20)
    await service.coming_days(store.uuid, store.time_zone, 3)
    assert _sent(sim_late) == 1
    now[0] += timedelta(minutes=20)
    await service.coming_days(store.uuid, store.time_zone, 3)
    assert _sent(sim_late) == 2
    # The store's next local day: yesterday's tomorrow is today, the range moves on.
    sim_late.clock.freeze(sim_late.clock.now() + timedelta(days=1))
    now[0] = sim_late.clock.now()
    got = await service.coming_days(store.uuid, store.time_zone, 3)
    assert _sent(sim_late) == 3
    assert min(p.time.date() for p in got) == service.local_today(store.time_zone) + timedelta(days=1)


@pytest.mark.parametrize(
    "first,last,match",
    [
        (0, 2, "tomorrow"),
        (-3, 2, "tomorrow"),
        (25, 32, "31 days"),
        (5, 4, "before the first"),
    ],
)
async def test_refusals_send_nothing(client_late, sim_late, first, last, match):
    store = _store(sim_late, "Fifth Avenue")
    service = PredictionService(client_late, now=sim_late.clock.now)
    today = service.local_today(store.time_zone)
    with pytest.raises(ValidationError, match=match):
        await service.predicted(
            store.uuid, store.time_zone, today + timedelta(days=first), today + timedelta(days=last)
        )
    assert _sent(sim_late) == 0


def test_chunks_of_seven_days():
    d = date(2026, 4, 23)
    assert chunks(d, d) == [(d, d)]
    assert chunks(d, d + timedelta(days=6)) == [(d, d + timedelta(days=6))]
    assert chunks(d, d + timedelta(days=7)) == [(d, d + timedelta(days=6)), (d + timedelta(days=7),) * 2]
    assert len(chunks(d, d + timedelta(days=30))) == 5


async def test_the_clients_own_time_zone_argument(client_late, sim_late):
    store = _store(sim_late, "Caspar City Plaza")
    # Whatever the machine's date, a past day is not after the store's today, and
    # an unknown zone is named: both refused before sending.
    with pytest.raises(ValidationError, match="store's today"):
        await client_late.predicted_traffic(store.uuid, date(2001, 1, 1), date(2001, 1, 2), time_zone=store.time_zone)
    with pytest.raises(ValidationError, match="time zone"):
        await client_late.predicted_traffic(store.uuid, date(2001, 1, 1), date(2001, 1, 2), time_zone="Nowhere/Else")
    assert _sent(sim_late) == 0
