"""v2/location query, create and update, as the reference documents them."""

from __future__ import annotations

import concurrent.futures
import time
from typing import Any

import httpx
import pytest

from storeops.simulator.world import Node
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.simulator.conftest import form_post, frozen_simulator, store_named


def _nodes(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    lists = response.json()["nodes"]
    assert isinstance(lists, list) and all(isinstance(x, list) for x in lists)
    return [n for inner in lists for n in inner]


def test_reference_example_stores_with_extra_fields(http, frozen_sim):
    body = '{ "extra_fields": [ "store.store_id", "store.occupancy_limit" ], "where": { "and": [ { "location_types": [ "store" ] } ] } }'
    nodes = _nodes(form_post(http, "/v2/location", body))
    assert len(nodes) == len(frozen_sim.world.stores())
    for node in nodes:
        assert set(node) >= {
            "store_id",
            "occupancy_limit",
            "location_type",
            "area",
            "uuid",
            "parent_uuid",
            "name",
            "type",
            "archive_date",
        }
        assert node["location_type"] == "store" and node["type"] == "location"
        assert "time_zone" not in node
    assert sum(1 for n in nodes if n["occupancy_limit"] is None) == 1


def test_default_query_is_the_whole_tree_parents_first(http, frozen_sim):
    nodes = _nodes(http.post("/v2/location"))
    assert len(nodes) == len(frozen_sim.world.nodes)
    seen = set()
    for node in nodes:
        assert node["parent_uuid"] is None or node["parent_uuid"] in seen
        seen.add(node["uuid"])
    assert "store_id" not in nodes[0]


def test_filters_by_uuid_node_type_and_root(http, frozen_sim):
    world = frozen_sim.world
    store = store_named(world, "San Jose Store")
    body = {"extra_fields": ["store.time_zone"], "where": {"uuids": [store.uuid]}}
    [node] = _nodes(http.post("/v2/location", json=body))
    assert node["time_zone"] == "America/Los_Angeles" and node["name"] == "San Jose Store"

    videos = _nodes(http.post("/v2/location", json={"where": {"and": [{"node_types": ["video"]}]}}))
    assert len(videos) == len(world.channels) and all(v["type"] == "video" for v in videos)

    west = next(n for n in world.nodes.values() if n.name == "West")
    bay = next(n for n in world.nodes.values() if n.name == "Bay Area")
    body = {"root_uuids": [west.uuid, bay.uuid], "where": {"and": [{"location_types": ["store"]}]}}
    response = http.post("/v2/location", json=body)
    west_list, bay_list = response.json()["nodes"]
    assert {n["uuid"] for n in bay_list} < {n["uuid"] for n in west_list}
    assert {n["uuid"] for n in bay_list} == {s.uuid for s in world.stores_under(bay.uuid)}


def test_all_extra_fields(http):
    body = {
        "extra_fields": [
            "store.time_zone",
            "store.store_id",
            "store.pos_id",
            "store.pos_division_id",
            "store.staff_hour_id",
            "store.occupancy_limit",
            "store.validated_address",
        ],
        "where": {"and": [{"location_types": ["store", "entrance"]}]},
    }
    nodes = _nodes(http.post("/v2/location", json=body))
    stores = [n for n in nodes if n["location_type"] == "store"]
    entrances = [n for n in nodes if n["location_type"] == "entrance"]
    assert stores and entrances
    assert all("pos_id" in s and "validated_address" in s for s in stores)
    assert all("pos_id" not in e and "aggregate_to_parent" in e for e in entrances)


@pytest.mark.parametrize(
    "body",
    [
        {"extra_fields": ["store.nope"]},
        {"where": {"and": [{"location_types": ["planet"]}]}},
        {"where": {"and": [{"node_types": ["ghost"]}]}},
        {"where": {"colour": ["red"]}},
        {"root_uuids": ["00000000-0000-0000-0000-000000000000"]},
        {"nodes": []},
    ],
)
def test_bad_queries_are_400(http, body):
    response = http.post("/v2/location", json=body)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_more_than_ten_thousand_nodes_is_the_documented_400():
    with frozen_simulator(big=True) as big, httpx.Client(base_url=big.url, auth=(ACCESS_KEY, SECRET_KEY)) as c:
        everything = c.post("/v2/location")
        assert everything.status_code == 400
        total = len(big.world.nodes)
        assert everything.json() == {
            "error": "bad_request",
            "error_detail": f"too many result nodes ({total}), please refine your query",
        }
        locations = c.post("/v2/location", json={"where": {"and": [{"node_types": ["location"]}]}})
        assert len(_nodes(locations)) == 10_000


def test_create_reference_example(own_http, own_sim):
    store = store_named(own_sim.world, "Willow Glen")
    body = (
        '{ "name": "Front Table", "parent_uuid": "%s", "location_type": "display", "area": 53.1, '
        '"aggregate_to_parent": true, "aggregate_to_store": false }' % store.uuid
    )
    response = form_post(own_http, "/v2/location/create", body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["location_type"] == "display" and created["area"] == 53.1
    assert created["aggregate_to_parent"] is True and created["aggregate_to_store"] is False
    assert created["parent_uuid"] == store.uuid and created["type"] == "location"
    assert created["archive_date"] is None and created["uuid"] in own_sim.world.nodes
    [again] = _nodes(own_http.post("/v2/location", json={"where": {"uuids": [created["uuid"]]}}))
    assert again["name"] == "Front Table"


def test_create_defaults_and_regions(own_http, own_sim):
    world = own_sim.world
    store = store_named(world, "Chicago Loop")
    entrance = own_http.post(
        "/v2/location/create", json={"name": "Back Door", "parent_uuid": store.uuid, "location_type": "entrance"}
    ).json()
    assert entrance["aggregate_to_parent"] is True and entrance["aggregate_to_store"] is True
    other = own_http.post(
        "/v2/location/create", json={"name": "Stock", "parent_uuid": store.uuid, "location_type": "other"}
    ).json()
    assert other["aggregate_to_parent"] is False
    top = own_http.post(
        "/v2/location/create", json={"name": "South", "parent_uuid": world.organization_uuid, "location_type": "region"}
    )
    assert top.status_code == 200 and top.json()["location_type"] == "region"
    nested = own_http.post(
        "/v2/location/create", json={"name": "Texas", "parent_uuid": top.json()["uuid"], "location_type": "region"}
    )
    assert nested.status_code == 200


@pytest.mark.parametrize(
    "case",
    [
        "store",
        "region_under_store",
        "display_under_region",
        "no_name",
        "unknown_parent",
        "bad_type",
        "negative_area",
        "region_with_area",
    ],
)
def test_create_refusals(http, frozen_sim, case):
    world = frozen_sim.world
    store = world.stores()[0]
    region = next(n for n in world.nodes.values() if n.location_type == "region")
    body = {
        "store": {"name": "New", "parent_uuid": region.uuid, "location_type": "store"},
        "region_under_store": {"name": "R", "parent_uuid": store.uuid, "location_type": "region"},
        "display_under_region": {"name": "D", "parent_uuid": region.uuid, "location_type": "display"},
        "no_name": {"parent_uuid": store.uuid, "location_type": "display"},
        "unknown_parent": {"name": "D", "parent_uuid": "nope", "location_type": "display"},
        "bad_type": {"name": "D", "parent_uuid": store.uuid, "location_type": "kiosk"},
        "negative_area": {"name": "D", "parent_uuid": store.uuid, "location_type": "display", "area": -1},
        "region_with_area": {"name": "R", "parent_uuid": region.uuid, "location_type": "region", "area": 5},
    }[case]
    before = len(world.nodes)
    response = http.post("/v2/location/create", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error_detail"]
    assert len(world.nodes) == before


def test_update_reference_example(own_http, own_sim):
    world = own_sim.world
    store = store_named(world, "Willow Glen")
    target = next(n for n in world.nodes.values() if n.name == "Central")
    body = '{ "name": "Willow Glen Updated", "parent_uuid": "%s", "area": 270.8, "occupancy_limit": 20 }' % target.uuid
    response = own_http.put(f"/v2/location/{store.uuid}", content=body)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "occupancy_limit": 20,
        "location_type": "store",
        "area": 270.8,
        "uuid": store.uuid,
        "parent_uuid": target.uuid,
        "name": "Willow Glen Updated",
        "type": "location",
        "archive_date": None,
    }
    assert store in world.stores_under(target.uuid)


def test_bulk_occupancy_update_example(own_http, own_sim):
    for store, limit in zip(own_sim.world.stores()[:3], (40, 35, 12), strict=True):
        response = form_post(own_http, f"/v2/location/{store.uuid}", '{"occupancy_limit": %d}' % limit)
        # form_post uses POST; the documented bulk call is a PUT
        assert response.status_code == 405
        response = own_http.put(f"/v2/location/{store.uuid}", content=b'{"occupancy_limit": %d}' % limit)
        assert response.status_code == 200 and store.occupancy_limit == limit


def test_update_sublocation_fields(own_http, own_sim):
    world = own_sim.world
    store = store_named(world, "Fifth Avenue")
    other_store = store_named(world, "Chicago Loop")
    display = next(n for n in world.children(store.uuid) if n.location_type == "display")
    response = own_http.put(
        f"/v2/location/{display.uuid}",
        json={
            "location_type": "other",
            "area": 12.5,
            "aggregate_to_parent": True,
            "aggregate_to_store": True,
            "parent_uuid": other_store.uuid,
        },
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["location_type"] == "other" and out["area"] == 12.5 and out["aggregate_to_store"] is True
    assert display.parent_uuid == other_store.uuid
    assert display not in world.children(store.uuid) and display in world.children(other_store.uuid)


def test_bandwidth_limit_set_and_cleared(own_http, own_sim):
    store = own_sim.world.stores()[0]
    assert own_http.put(f"/v2/location/{store.uuid}", json={"bandwidth_limit": 512}).json()["bandwidth_limit"] == 512
    cleared = own_http.put(f"/v2/location/{store.uuid}", json={"bandwidth_limit": 0}).json()
    assert "bandwidth_limit" not in cleared and store.bandwidth_limit is None


@pytest.mark.parametrize(
    "case",
    [
        "store_to_display",
        "display_to_store",
        "display_to_region",
        "region_to_display",
        "limit_on_region",
        "zero_limit",
        "negative_limit",
        "limit_on_display",
        "flags_on_store",
        "store_under_store",
        "display_under_region",
        "region_under_own_child",
        "region_under_store",
        "area_on_region",
        "self_parent",
    ],
)
def test_update_refusals_change_nothing(http, frozen_sim, case):
    world = frozen_sim.world
    west = next(n for n in world.nodes.values() if n.name == "West")
    bay = next(n for n in world.nodes.values() if n.name == "Bay Area")
    store = store_named(world, "Willow Glen")
    display = next(n for n in world.children(store.uuid) if n.location_type == "display")
    cases: dict[str, tuple[Node, dict[str, Any]]] = {
        "store_to_display": (store, {"location_type": "display"}),
        "display_to_store": (display, {"location_type": "store"}),
        "display_to_region": (display, {"location_type": "region"}),
        "region_to_display": (west, {"location_type": "display"}),
        "limit_on_region": (west, {"occupancy_limit": 10}),
        "zero_limit": (store, {"occupancy_limit": 0}),
        "negative_limit": (store, {"occupancy_limit": -3}),
        "limit_on_display": (display, {"occupancy_limit": 5}),
        "flags_on_store": (store, {"aggregate_to_parent": True}),
        "store_under_store": (store, {"parent_uuid": store_named(world, "Chicago Loop").uuid}),
        "display_under_region": (display, {"parent_uuid": west.uuid}),
        "region_under_own_child": (west, {"parent_uuid": bay.uuid}),
        "region_under_store": (bay, {"parent_uuid": store.uuid}),
        "area_on_region": (west, {"area": 10.0}),
        "self_parent": (bay, {"parent_uuid": bay.uuid}),
    }
    target, body = cases[case]
    snapshot = (target.name, target.parent_uuid, target.location_type, target.occupancy_limit, target.area)
    response = http.put(f"/v2/location/{target.uuid}", json={"name": "Renamed", **body})
    assert response.status_code == 400, response.text
    assert (target.name, target.parent_uuid, target.location_type, target.occupancy_limit, target.area) == snapshot


def test_update_unknown_uuid_is_404(http):
    response = http.put("/v2/location/00000000-1111-2222-3333-444444444444", json={"name": "x"})
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_more_than_two_concurrent_location_requests_get_429(own_sim):
    own_sim.faults.add("/v2/location", "delay", count=2, seconds=0.5)
    with httpx.Client(base_url=own_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as c:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            slow = [pool.submit(c.post, "/v2/location", json={"where": {"uuids": []}}) for _ in range(2)]
            time.sleep(0.2)  # both slow requests now hold the two slots
            extra = c.post("/v2/location", json={"where": {"uuids": []}})
            assert extra.status_code == 429
            assert extra.headers["retry-after"] == "1" and extra.json()["error"] == "too_many_requests"
            assert [f.result().status_code for f in slow] == [200, 200]
        assert c.post("/v2/location", json={"where": {"uuids": []}}).status_code == 200
    assert own_sim.limits.peak["location"] == 2 and own_sim.limits.rejected["location"] == 1
