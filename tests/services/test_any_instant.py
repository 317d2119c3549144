"""The clock-dependent Occupancy scenarios at fixed instants around the year: times of
day in every time zone, both 2026 DST changes in the US and in Europe, Christmas
Eve and New Year's Eve, and the last minutes of the year.

Each simulator is built and frozen at the instant, and every expectation (open or
closed, the count, the adjust rules, the next store day) is computed here from the
simulator's own world and answers at that instant, never written down for one
date: so these hold on any day the suite runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storeops.services.occupancy import OccupancyService
from storeops.simulator.clock import Clock, parse_instant
from storeops.simulator.server import start_simulator
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import not_none
from tests.services.occupancy_env import expected_open, make_client, occupancy_now, sent

# Also the Occupancy pane's (tests/ui/test_occupancy_any_instant.py).
INSTANTS = [
    # Times of day (UTC) on the suite's ordinary Wednesday: night, morning and
    # evening in each of the four zones.
    "2026-04-22T03:00:00Z",
    "2026-04-22T09:00:00Z",
    "2026-04-22T13:30:00Z",
    "2026-04-22T18:47:00Z",
    "2026-04-22T23:59:00Z",
    # US DST starts 8 March at 02:00 local: Chicago 08:00Z, Los Angeles 10:00Z.
    "2026-03-08T07:57:00Z",
    "2026-03-08T08:03:00Z",
    "2026-03-08T09:57:00Z",
    "2026-03-08T10:03:00Z",
    # US DST ends 1 November at 02:00 local (the hour 01:00-02:00 happens twice).
    "2026-11-01T06:30:00Z",
    "2026-11-01T07:30:00Z",
    "2026-11-01T08:59:00Z",
    "2026-11-01T09:30:00Z",
    # Europe: 29 March and 25 October at 01:00 UTC.
    "2026-03-29T00:59:00Z",
    "2026-03-29T01:01:00Z",
    "2026-10-25T00:30:00Z",
    "2026-10-25T01:30:00Z",
    # The day before a holiday, when "tomorrow" is closed for most stores.
    "2026-12-24T18:47:00Z",
    "2026-12-31T18:47:00Z",
    "2026-12-31T23:58:00Z",
]


def store_day(instant: datetime, time_zone: str) -> date:
    return instant.astimezone(ZoneInfo(time_zone)).date()


@pytest.fixture(params=INSTANTS)
def frozen_at(request):
    at = parse_instant(request.param)
    running = start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=7, clock=Clock(at, speed=0))
    try:
        yield running, at
    finally:
        running.stop()


async def test_open_state_counts_and_adjust_rules_follow_the_simulator_at_any_instant(frozen_at):
    running, at = frozen_at
    service = OccupancyService(make_client(running), interval=0.2, now=running.clock.now)
    try:
        service.set_stores(await service.load_stores())
        await service.poll_once()
        world = running.world
        stores = {s.uuid: s for s in world.stores() if s.archive_date is None}
        assert {r.uuid for r in service.stores} == set(stores)
        for uuid, node in stores.items():
            snap = not_none(service.snapshot(uuid))
            is_open = expected_open(world, node, at)
            assert snap.hours.open is is_open, (node.name, at)
            read = await occupancy_now(service.client, uuid, node.time_zone)
            assert snap.occupancy == read, node.name
            assert snap.trend and snap.trend[-1] == read, node.name
            reason = service.adjust_block_reason(uuid)
            if node.occupancy_limit is None:
                assert reason == "No occupancy limit set"
            elif is_open:
                assert reason is None, node.name
            else:
                assert not_none(reason).startswith("Closed now"), node.name
    finally:
        await service.client.aclose()


async def test_store_hours_follow_each_store_day_at_any_instant(frozen_at):
    """A day later every store has a new store day: hours are read again (once, for
    all stores) and say open or closed as the simulator does then — a holiday
    included. Within the same store day nothing is re-read."""
    running, at = frozen_at
    service = OccupancyService(make_client(running), interval=0.2, now=running.clock.now)
    try:
        service.set_stores(await service.load_stores())
        await service.poll_once()
        assert sent(running, "/v1/storehours") == 1
        zones = {not_none(r.time_zone) for r in service.stores}
        # A minute later: a new read only if some store's local date changed meanwhile.
        later = at + timedelta(minutes=1)
        running.clock.freeze(later)
        await service.poll_once()
        day_changed = any(store_day(at, z) != store_day(later, z) for z in zones)
        assert sent(running, "/v1/storehours") == 1 + day_changed
        before = sent(running, "/v1/storehours")
        next_day = at + timedelta(days=1)
        running.clock.freeze(next_day)
        await service.poll_once()
        assert sent(running, "/v1/storehours") == before + 1
        for ref in service.stores:
            node = running.world.nodes[ref.uuid]
            assert not_none(service.snapshot(ref.uuid)).hours.open is expected_open(running.world, node, next_day), (
                node.name,
                next_day,
            )
    finally:
        await service.client.aclose()


def test_the_instants_cover_what_they_claim():
    """The DST instants straddle each change in the zones they name."""

    def offset(text: str, zone: str) -> timedelta:
        return not_none(parse_instant(text).astimezone(ZoneInfo(zone)).utcoffset())

    pairs = [
        ("2026-03-08T07:57:00Z", "2026-03-08T08:03:00Z", "America/Chicago"),
        ("2026-03-08T09:57:00Z", "2026-03-08T10:03:00Z", "America/Los_Angeles"),
        ("2026-11-01T06:30:00Z", "2026-11-01T07:30:00Z", "America/Chicago"),
        ("2026-11-01T08:59:00Z", "2026-11-01T09:30:00Z", "America/Los_Angeles"),
        ("2026-03-29T00:59:00Z", "2026-03-29T01:01:00Z", "Europe/London"),
        ("2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "Europe/London"),
    ]
    for before, after, zone in pairs:
        assert before in INSTANTS and after in INSTANTS
        assert offset(before, zone) != offset(after, zone), (before, zone)
    assert parse_instant("2026-12-31T23:58:00Z").astimezone(UTC).year == 2026
