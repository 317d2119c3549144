"""Big answers (over 256 KB) take the chunked executor path of
storeops/api/parsing.py: same models, same errors as small ones."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from storeops.api import transport
from storeops.api.datamine import DatamineRequest, DateRange, GroupBy, metric_rows
from storeops.api.errors import InvalidRequest, ProtocolError
from storeops.api.models import LocationQuery
from tests.conftest import start_pinned_simulator
from tests.helpers import not_none

from .conftest import make_client


@pytest.fixture(scope="module")
def big_sim():
    running = start_pinned_simulator(seed=3, big=True)
    try:
        yield running
    finally:
        running.stop()


async def test_more_than_10000_nodes_is_refused_with_the_documented_detail(big_sim):
    async with make_client(big_sim) as client:
        with pytest.raises(InvalidRequest) as info:
            await client.query_locations()
    assert "too many result nodes" in not_none(info.value.detail)


async def test_10000_location_nodes(big_sim):
    async with make_client(big_sim) as client:
        nodes = await client.query_locations(
            LocationQuery(node_types=["location"], extra_fields=["store.time_zone", "store.occupancy_limit"])
        )
    assert len(nodes) == 10_000
    assert {n.uuid for n in nodes} == {u for u, n in big_sim.world.nodes.items() if n.type == "location"}
    stores = [n for n in nodes if n.is_store]
    assert all(s.time_zone for s in stores)


async def test_big_malformed_answers_are_protocol_errors(fresh_sim):
    filler = ",".join(f'{{"uuid": "u{i}", "name": "n{i}"}}' for i in range(12_000))
    bad_node = f'{{"nodes": [[{filler}, {{"name": "no uuid"}}]]}}'.encode()
    assert len(bad_node) > transport.BIG_BODY_BYTES
    fresh_sim.faults.add("/v2/location", "malformed", count=1, body=bad_node)
    async with make_client(fresh_sim) as client:
        with pytest.raises(ProtocolError) as info:
            await client.query_locations()
        assert "uuid" in str(info.value)
        truncated = bad_node[: len(bad_node) // 2]
        fresh_sim.faults.add("/v2/location", "malformed", count=1, body=truncated)
        with pytest.raises(ProtocolError):
            await client.query_locations()


async def test_big_datamine_answer(client, sim):
    store = next(s for s in sim.world.stores() if s.name == "Fifth Avenue")
    today = sim.clock.now().astimezone(ZoneInfo(store.time_zone)).date()
    days = DateRange.days(today - timedelta(days=90), today - timedelta(days=1))
    fine = await client.datamine(
        DatamineRequest(
            [store.uuid], ["traffic_in"], [days], group_bys=[GroupBy.date("days", 1), GroupBy.time("minutes", 15)]
        )
    )
    coarse = await client.datamine(
        DatamineRequest([store.uuid], ["traffic_in"], [days], group_bys=[GroupBy.date("days", 1)])
    )
    fine_rows = metric_rows(fine, "traffic_in")
    assert len(fine_rows) > 2000  # a body well over the 256 KB threshold
    per_day: dict = {}
    for row in fine_rows:
        per_day[row.day] = per_day.get(row.day, 0) + row.value
    assert per_day == {r.day: r.value for r in metric_rows(coarse, "traffic_in")}
