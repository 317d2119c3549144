"""Cameras, channels, appliances (next_page cursor) and health alerts
(206 + X-Page-Next, integer offsets or UUIDs) against the simulator."""

from __future__ import annotations

import asyncio
from datetime import UTC

import httpx
import pytest

from storeops.api.errors import ValidationError
from storeops.simulator.seed import BIG_HEALTH_ALERTS
from tests.conftest import start_pinned_simulator

from .conftest import make_client, sent


async def _all(iterator):
    return [item async for item in iterator]


async def test_cameras_all_and_per_store(client, sim):
    cameras = await _all(client.cameras())
    assert len(cameras) == len(sim.world.cameras)
    assert {c.device_id for c in cameras} == {c.device_id for c in sim.world.cameras}
    assert {c.type for c in cameras} == {0, 1, 2}
    assert {"RetailNext", "Axis", "Xovis", "Brickstream"} <= {c.vendor for c in cameras}
    store = sim.world.stores()[0]
    mine = await _all(client.cameras(store.uuid))
    assert mine and {c.store_uuid for c in mine} == {store.uuid}
    assert len(mine) == sum(1 for c in sim.world.cameras if c.store_uuid == store.uuid)


async def test_cameras_in_small_pages_follow_next_page(client, sim):
    before = sent(sim, "/v1/inventory/cameras")
    cameras = await _all(client.cameras(page_length=7))
    pages = sent(sim, "/v1/inventory/cameras") - before
    total = len(sim.world.cameras)
    assert len(cameras) == total and len({c.device_id for c in cameras}) == total
    assert pages == -(-total // 7)


async def test_channels_and_appliances(client, sim):
    channels = await _all(client.channels(page_length=10))
    assert {c.channel_uuid for c in channels} == set(sim.world.channels)
    sample = channels[0]
    rec = sim.world.channels[sample.channel_uuid]
    assert sample.name == rec.name and sample.resolution == rec.resolution
    appliances = await _all(client.appliances(page_length=4))
    assert {a.appliance_id for a in appliances} == {a.appliance_id for a in sim.world.appliances}


def _page_recorder() -> tuple[httpx.AsyncClient, list[tuple[str | None, str | None]]]:
    """An httpx client for RetailNextClient(http=...) noting each health alert
    page's (X-Page-Start sent, X-Page-Next answered) as they cross the wire."""
    pages: list[tuple[str | None, str | None]] = []

    async def note(response: httpx.Response) -> None:
        if response.request.url.path == "/v1/healthalerts":
            pages.append((response.request.headers.get("x-page-start"), response.headers.get("x-page-next")))

    return httpx.AsyncClient(event_hooks={"response": [note]}), pages


async def test_health_alerts_in_small_pages(client, sim):
    before = sent(sim, "/v1/healthalerts")
    alerts = await _all(client.health_alerts(page_length=10))
    pages = sent(sim, "/v1/healthalerts") - before
    assert len(alerts) == len(sim.world.alerts)
    assert len({a.uuid for a in alerts}) == len(alerts)
    assert pages == -(-len(alerts) // 10)
    assert any(a.resolved for a in alerts) and any(not a.resolved for a in alerts)


@pytest.mark.parametrize("style", ["offset", "uuid"])
async def test_health_alerts_follow_either_cursor_style(fresh_sim, style):
    world_alerts = fresh_sim.world.alerts
    fresh_sim.set_alert_cursor(style)
    http, pages = _page_recorder()
    async with http, make_client(fresh_sim, http=http) as client:
        alerts = await _all(client.health_alerts(page_length=10))
    assert [a.uuid for a in alerts] == [a.uuid for a in world_alerts]
    if style == "offset":  # the reference's default: "X-Page-Next: 20" after 20
        expected = [str(n) for n in range(10, len(world_alerts), 10)]
    else:  # what "some methods" answer: the next item's UUID
        expected = [a.uuid for a in world_alerts[10::10]]
    # Each cursor the server answered is the start of the next request, and the
    # last page (200) has none.
    assert pages == list(zip([None, *expected], [*expected, None], strict=True))


async def test_ten_thousand_health_alerts_in_pages_of_one_hundred():
    # The big chain: what the paging benchmark walks, page by page at the limit.
    with start_pinned_simulator(seed=1, big=True) as big:
        http, pages = _page_recorder()
        async with http, make_client(big, http=http) as client:
            alerts = await _all(client.health_alerts())
        expected = [a.uuid for a in big.world.alerts]
    assert len(expected) == BIG_HEALTH_ALERTS
    assert [a.uuid for a in alerts] == expected
    assert [start for start, _ in pages] == [None, *(str(n) for n in range(100, BIG_HEALTH_ALERTS, 100))]


async def test_health_alerts_before_a_time(client, sim):
    alerts = await _all(client.health_alerts())
    middle = sorted(a.alert_creation_time for a in alerts)[len(alerts) // 2]
    older = await _all(client.health_alerts(start_time=middle.astimezone(UTC)))
    assert older and len(older) < len(alerts)
    assert all(a.alert_creation_time < middle for a in older)


async def test_page_length_over_the_maximum_is_refused(client):
    with pytest.raises(ValidationError):
        await _all(client.cameras(page_length=101))


async def test_concurrent_camera_listings_stay_under_the_limit(fresh_client, fresh_sim):
    # 12 listings at once, 3 allowed by the server: the client queues the rest.
    results = await asyncio.gather(*[_all(fresh_client.cameras(page_length=20)) for _ in range(12)])
    assert all(len(r) == len(fresh_sim.world.cameras) for r in results)
