"""Loading the location tree past v2/location's documented 10,000 nodes: the
service falls back to v1/location pages, as the reference advises, and gets the
same tree."""

from __future__ import annotations

import pytest

from storeops.api.client import RetailNextClient
from storeops.api.errors import InvalidRequest
from storeops.api.models import LocationCreate
from storeops.api.retry import RetryPolicy
from storeops.services.locations import LocationsService, LocationTree
from tests.conftest import ACCESS_KEY, SECRET_KEY, start_pinned_simulator

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, jitter=0.1, max_retry_after=1.0)
# What the tree shows of a node: the v1 path must give the same.
SHOWN = {
    "uuid",
    "name",
    "type",
    "location_type",
    "parent_uuid",
    "area",
    "archive_date",
    "store_id",
    "time_zone",
    "occupancy_limit",
    "aggregate_to_parent",
    "aggregate_to_store",
}


@pytest.fixture(scope="module")
def big():
    running = start_pinned_simulator(big=True)
    try:
        yield running
    finally:
        running.stop()


def sent(running, path: str) -> int:
    with running.world.lock:
        return running.world.requests[path]


def shown(tree: LocationTree) -> dict[str, dict]:
    return {uuid: node.model_dump(include=SHOWN) for uuid, node in tree.nodes.items()}


async def test_the_10000_node_chain_loads_by_v2_and_by_v1_alike(big):
    async with RetailNextClient(big.url, ACCESS_KEY, SECRET_KEY, retry=FAST) as client:
        service = LocationsService(client)
        v2_before, v1_before = sent(big, "/v2/location"), sent(big, "/v1/location")
        by_v2 = await service.load_tree()
        assert len(by_v2) == 10_000
        assert (sent(big, "/v2/location") - v2_before, sent(big, "/v1/location") - v1_before) == (1, 0)

        big.ctx.location_node_limit = 9_999  # v2 now refuses this very chain
        try:
            by_v1 = await service.load_tree()
        finally:
            big.ctx.location_node_limit = 10_000
        assert (sent(big, "/v2/location") - v2_before, sent(big, "/v1/location") - v1_before) == (2, 100)

    assert shown(by_v1) == shown(by_v2)
    assert by_v1.children == by_v2.children
    assert by_v1.organization_uuid == by_v2.organization_uuid == big.world.organization_uuid
    stores = [n for n in by_v1.nodes.values() if n.is_store]
    assert stores and all(s.store_id and s.time_zone for s in stores)


async def test_one_node_past_10000_loads_through_v1(big):
    async with RetailNextClient(big.url, ACCESS_KEY, SECRET_KEY, retry=FAST) as client:
        service = LocationsService(client)
        before = await service.load_tree()
        assert len(before) == 10_000
        store = next(n for n in before.nodes.values() if n.is_store and not n.archived)
        created = await service.create(
            before, LocationCreate(name="Pop-up", parent_uuid=store.uuid, location_type="display")
        )
        v1_before = sent(big, "/v1/location")
        after = await service.load_tree()
        assert sent(big, "/v1/location") - v1_before == 101
    assert len(after) == 10_001 and set(after.nodes) == set(before.nodes) | {created.uuid}
    assert after.nodes[created.uuid].parent_uuid == store.uuid


async def test_other_refusals_are_not_taken_for_too_many_nodes(fresh_sim):
    fresh_sim.faults.add("/v2/location", "status", status=400, detail="where.uuids must be a list of strings")
    async with RetailNextClient(fresh_sim.url, ACCESS_KEY, SECRET_KEY, retry=FAST) as client:
        with pytest.raises(InvalidRequest):
            await LocationsService(client).load_tree()
    assert sent(fresh_sim, "/v1/location") == 0
