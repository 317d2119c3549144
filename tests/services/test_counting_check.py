"""The counting check against simulator scenarios over real HTTP: the seeded chain's
offline counter (Brooklyn Heights) and stopped counter (Miami Brickell), a camera
taken offline and a counter stopped by the test, and stores not checked (closed,
open for less than an hour). The clock is frozen: TEST_NOW is a Wednesday 16:07 in
New York, 15:07 in Chicago, 13:07 in California and 21:07 in London."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storeops.services.cameras import CamerasService
from storeops.services.counting_check import (
    COUNTING_WINDOW,
    FindingKind,
    StoreState,
    window_end,
)
from storeops.simulator.seed import OFFLINE_CAMERA, STOPPED_COUNTER_STORE
from storeops.simulator.traffic import store_series
from tests.conftest import TEST_NOW
from tests.services.cameras_env import camera_named, client_of, frozen_sim, load, store_node


async def run_check(running):
    async with client_of(running) as client:
        inventory, stores = await load(running, client)
        report = await CamerasService(client, now=running.clock.now).check_counting(inventory, stores)
    return report


def counted_in_window(running, name: str, now: datetime) -> int:
    """What the simulator's own traffic model says the store counted in the window."""
    node = store_node(running, name)
    local = now.astimezone(ZoneInfo(node.time_zone))
    end = window_end(local.replace(tzinfo=None))
    start_epoch = (end - COUNTING_WINDOW).replace(tzinfo=local.tzinfo).timestamp()
    end_epoch = end.replace(tzinfo=local.tzinfo).timestamp()
    series = store_series(running.world, node, local.date() - timedelta(days=1), local.date(), now.timestamp())
    mask = (series.epoch >= start_epoch) & (series.epoch + 900 <= end_epoch)
    return int(series.tin[mask].sum())


async def test_the_seeded_chain_shows_both_failures_and_nothing_else():
    with frozen_sim() as running:
        report = await run_check(running)
    kinds = {(f.kind, f.store_name) for f in report.findings}
    assert kinds == {
        (FindingKind.NOT_COUNTING, STOPPED_COUNTER_STORE),
        (FindingKind.COUNTER_OFFLINE, OFFLINE_CAMERA[0]),
    }
    # The stopped counter comes first: the whole store counts nobody.
    stopped, offline = report.findings
    assert stopped.kind is FindingKind.NOT_COUNTING and stopped.counted == 0
    assert stopped.cameras == ("Entrance Aurora", "Side Door")  # an Aurora and a Brickstream
    assert stopped.window_end - stopped.window_start == COUNTING_WINDOW
    assert stopped.headline == (
        "Miami Brickell: nobody counted since 15:00 while open, "
        "yet its counting cameras (Entrance Aurora, Side Door) are online"
    )
    assert offline.cameras == (OFFLINE_CAMERA[1],) and offline.counted > 0
    assert offline.headline.startswith("Brooklyn Heights: ") and "Back Entrance is offline" in offline.headline
    assert "last heard 2 h 15 min ago" in offline.headline and "traffic reads low" in offline.advice
    states = {s.store_name: s.state for s in report.stores}
    # London and Manchester have closed (21:07); Seattle opens at 18:00 local.
    assert states["London Covent Garden"] is StoreState.CLOSED
    assert states["Seattle Night Market"] is StoreState.CLOSED
    assert states["Chicago Loop"] is StoreState.COUNTING
    assert "2 problems" in report.summary


async def test_a_counter_the_test_stops_is_found_and_counts_match_the_simulator():
    with frozen_sim() as running:
        loop = store_node(running, "Chicago Loop")
        before = await run_check(running)
        counted = next(s.counted for s in before.stores if s.store_name == "Chicago Loop")
        assert counted == counted_in_window(running, "Chicago Loop", TEST_NOW) > 0
        # Stopped 30 minutes ago: the hour still saw visitors, no finding yet.
        running.world.stop_counting(loop.uuid, TEST_NOW - timedelta(minutes=30))
        half = await run_check(running)
        assert not any(f.store_name == "Chicago Loop" for f in half.findings)
        # Stopped 70 minutes ago: a whole hour of nobody while the counter reports in.
        running.world.stop_counting(loop.uuid, TEST_NOW - timedelta(minutes=70))
        after = await run_check(running)
    found = [f for f in after.findings if f.store_name == "Chicago Loop"]
    assert [f.kind for f in found] == [FindingKind.NOT_COUNTING]
    assert found[0].cameras == ("Entrance Aurora", "Side Door")


async def test_a_counting_camera_the_test_takes_offline_is_found():
    with frozen_sim() as running:
        aurora = camera_named(running, "Fifth Avenue", "Entrance Aurora")
        camera_only = camera_named(running, "Fifth Avenue", "Registration Desk")
        # A camera without a traffic line going offline is no counting problem.
        running.world.take_camera_offline(camera_only.device_id, TEST_NOW - timedelta(hours=3))
        quiet = await run_check(running)
        assert not any(f.store_name == "Fifth Avenue" for f in quiet.findings)
        running.world.take_camera_offline(aurora.device_id, TEST_NOW - timedelta(hours=1))
        report = await run_check(running)
    found = [f for f in report.findings if f.store_name == "Fifth Avenue"]
    assert [(f.kind, f.cameras) for f in found] == [(FindingKind.COUNTER_OFFLINE, ("Entrance Aurora",))]
    assert found[0].counted == counted_in_window(running, "Fifth Avenue", TEST_NOW) > 0


async def test_a_store_open_for_less_than_an_hour_is_not_judged_yet():
    # 09:40 in New York: Brooklyn Heights opened at 09:00, Miami Brickell at 10:00.
    at = datetime.fromisoformat("2026-04-22T13:40:00+00:00")
    with frozen_sim(at) as running:
        report = await run_check(running)
    states = {s.store_name: s.state for s in report.stores}
    assert states["Brooklyn Heights"] is StoreState.JUST_OPENED
    assert states["Miami Brickell"] is StoreState.CLOSED
    assert not any(f.store_name in ("Brooklyn Heights", "Miami Brickell") for f in report.findings)


async def test_nothing_to_check_when_every_store_is_closed():
    # Sunday 09:30 UTC: Seattle closed at 02:00 local, London is shut on Sundays, New York sleeps.
    at = datetime.fromisoformat("2026-04-26T09:30:00+00:00")
    with frozen_sim(at) as running:
        report = await run_check(running)
    assert {s.state for s in report.stores} <= {StoreState.CLOSED}
    assert report.findings == [] and report.summary.startswith("No store has been open for an hour")
