"""Location query / create / update against the simulator."""

from __future__ import annotations

import pytest

from storeops.api.errors import InvalidRequest, NotFound, ValidationError
from storeops.api.models import LocationCreate, LocationQuery, LocationUpdate

from .conftest import sent


async def test_query_all_locations(client, sim):
    nodes = await client.query_locations()
    by_uuid = {n.uuid: n for n in nodes}
    assert set(by_uuid) == set(sim.world.nodes)
    stores = [n for n in nodes if n.is_store]
    assert len(stores) == len(sim.world.stores())
    # Extra fields come only when asked for.
    assert all(s.store_id is None for s in stores)


async def test_query_stores_with_extra_fields(client, sim):
    stores = await client.query_locations(
        LocationQuery(
            extra_fields=["store.store_id", "store.occupancy_limit", "store.time_zone"], location_types=["store"]
        )
    )
    assert stores and all(s.is_store for s in stores)
    for store in stores:
        node = sim.world.nodes[store.uuid]
        assert store.store_id == node.store_id
        assert store.occupancy_limit == node.occupancy_limit
        assert store.time_zone == node.time_zone
    assert any(s.occupancy_limit is None for s in stores)  # the store without a limit
    assert len({s.time_zone for s in stores}) >= 3


async def test_query_by_uuid_and_root(client, sim):
    store = next(s for s in sim.world.stores() if s.archive_date is None)
    (one,) = await client.query_locations(LocationQuery(uuids=[store.uuid], extra_fields=["store.time_zone"]))
    assert one.uuid == store.uuid and one.time_zone == store.time_zone
    region_uuid = store.parent_uuid
    under = await client.query_locations(LocationQuery(root_uuids=[region_uuid], location_types=["store"]))
    assert store.uuid in {n.uuid for n in under}
    assert all(n.is_store for n in under)


async def test_create_sublocation_and_see_it(fresh_client, fresh_sim):
    store = fresh_sim.world.stores()[0]
    created = await fresh_client.create_location(
        LocationCreate(
            name="Front Table 2",
            parent_uuid=store.uuid,
            location_type="display",
            area=53.1,
            aggregate_to_parent=True,
            aggregate_to_store=False,
        )
    )
    assert created.uuid and created.name == "Front Table 2" and created.area == 53.1
    assert created.parent_uuid == store.uuid and created.location_type == "display"
    assert sent(fresh_sim, "/v2/location/create") == 1
    found = await fresh_client.query_locations(LocationQuery(uuids=[created.uuid]))
    assert [n.name for n in found] == ["Front Table 2"]


async def test_create_region_under_organization(fresh_client, fresh_sim):
    region = await fresh_client.create_location(
        LocationCreate(name="Nordics", parent_uuid=fresh_sim.world.organization_uuid, location_type="region")
    )
    assert region.is_region


async def test_creating_a_store_is_refused_before_sending(fresh_client, fresh_sim):
    region = next(n for n in fresh_sim.world.nodes.values() if n.location_type == "region")
    with pytest.raises(ValidationError):
        await fresh_client.create_location(
            LocationCreate(name="New Store", parent_uuid=region.uuid, location_type="store")
        )
    assert sent(fresh_sim, "/v2/location/create") == 0


async def test_create_under_unknown_parent_is_a_server_refusal(fresh_client):
    with pytest.raises((InvalidRequest, NotFound)) as info:
        await fresh_client.create_location(
            LocationCreate(name="Lost", parent_uuid="00000000-0000-0000-0000-000000000000", location_type="display")
        )
    assert info.value.detail  # the server's error_detail is carried


async def test_update_store_name_area_and_limit(fresh_client, fresh_sim):
    store = fresh_sim.world.stores()[1]
    updated = await fresh_client.update_location(
        store.uuid, LocationUpdate(name="Willow Glen Updated", area=270.8, occupancy_limit=20)
    )
    assert updated.name == "Willow Glen Updated" and updated.area == 270.8
    (again,) = await fresh_client.query_locations(
        LocationQuery(uuids=[store.uuid], extra_fields=["store.occupancy_limit"])
    )
    assert again.name == "Willow Glen Updated" and again.occupancy_limit == 20


async def test_update_sublocation_type_and_refusals(fresh_client, fresh_sim):
    sub = next(n for n in fresh_sim.world.nodes.values() if n.location_type == "display")
    updated = await fresh_client.update_location(sub.uuid, LocationUpdate(location_type="other"))
    assert updated.location_type == "other"
    with pytest.raises(ValidationError):
        await fresh_client.update_location(sub.uuid, LocationUpdate(location_type="store"))
    with pytest.raises(ValidationError):
        await fresh_client.update_location(sub.uuid, LocationUpdate())
    # The server's own rule: a store cannot become a sublocation.
    store = fresh_sim.world.stores()[0]
    with pytest.raises(InvalidRequest) as info:
        await fresh_client.update_location(store.uuid, LocationUpdate(location_type="display"))
    assert info.value.detail


async def test_update_unknown_location_is_not_found(fresh_client):
    with pytest.raises(NotFound):
        await fresh_client.update_location("00000000-0000-0000-0000-000000000000", LocationUpdate(name="x"))


async def test_paged_locations_are_every_location_node(client, sim):
    paged = [n async for n in client.paged_locations(page_length=30)]
    world = sim.world
    assert [n.uuid for n in paged] == [n.uuid for n in world.walk(world.organization_uuid) if n.type == "location"]
    assert all(n.type == "location" for n in paged)
    stores = [n for n in paged if n.is_store]
    assert stores and all(s.store_id and s.time_zone for s in stores)


async def test_paged_locations_follow_x_page_next_to_the_200(fresh_client, fresh_sim):
    count = fresh_sim.world.location_count()
    nodes = [n async for n in fresh_client.paged_locations(page_length=10)]
    assert len({n.uuid for n in nodes}) == len(nodes) == count
    assert sent(fresh_sim, "/v1/location") == -(-count // 10)
    with pytest.raises(ValidationError):
        [n async for n in fresh_client.paged_locations(page_length=101)]


async def test_too_many_nodes_is_recognised_from_the_documented_answer(fresh_client, fresh_sim):
    fresh_sim.ctx.location_node_limit = 20
    with pytest.raises(InvalidRequest) as info:
        await fresh_client.query_locations(LocationQuery(node_types=["location"]))
    assert fresh_client.is_too_many_nodes(info.value)
    assert info.value.detail == f"too many result nodes ({fresh_sim.world.location_count()}), please refine your query"
    with pytest.raises(InvalidRequest) as other:
        await fresh_client.query_locations(LocationQuery(location_types=["planet"]))
    assert not fresh_client.is_too_many_nodes(other.value)
