"""The locations service: the whole tree over real HTTP, the reference's rules
checked before anything is sent, and changes that really reach the simulator."""

from __future__ import annotations

import pytest

from storeops.api.client import RetailNextClient
from storeops.api.errors import ConnectionFailed, InvalidRequest, NotFound
from storeops.api.models import Location, LocationCreate, LocationUpdate
from storeops.api.retry import RetryPolicy
from storeops.services.locations import (
    LocationsService,
    LocationTree,
    NodeKind,
    RuleViolation,
    apply_update,
    check_create,
    check_update,
    creatable_types,
    move_problem,
    valid_move_targets,
)
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import not_none

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, jitter=0.1, max_retry_after=1.0)


@pytest.fixture
async def service(fresh_sim):
    async with RetailNextClient(fresh_sim.url, ACCESS_KEY, SECRET_KEY, retry=FAST) as client:
        yield LocationsService(client)


def sent(running, prefix: str) -> int:
    with running.world.lock:
        return sum(n for path, n in running.world.requests.items() if path.startswith(prefix))


def named(tree: LocationTree, name: str) -> Location:
    return next(n for n in tree.nodes.values() if n.name == name)


# ------------------------------------------------------------ pure rules


def small_tree() -> LocationTree:
    return LocationTree.from_nodes(
        [
            Location(uuid="org", name="Org", location_type="organization"),
            Location(uuid="r1", name="North", location_type="region", parent_uuid="org"),
            Location(uuid="r2", name="North-East", location_type="region", parent_uuid="r1"),
            Location(uuid="r3", name="South", location_type="region", parent_uuid="org"),
            Location(uuid="s1", name="Store 1", location_type="store", parent_uuid="r2", store_id="1"),
            Location(uuid="s2", name="Store 2", location_type="store", parent_uuid="r3", store_id="2"),
            Location(
                uuid="s3", name="Closed", location_type="store", parent_uuid="r3", archive_date="2024-01-01T00:00:00Z"
            ),
            Location(uuid="e1", name="Door", location_type="entrance", parent_uuid="s1"),
        ]
    )


def test_tree_index_and_kinds():
    tree = small_tree()
    assert tree.organization_uuid == "org"
    assert tree.children_of(None) == ["org"]
    assert list(tree.ancestors("e1")) == ["s1", "r2", "r1", "org"]
    assert [tree.kind(tree.nodes[u]) for u in ("org", "r1", "s1", "e1")] == [
        NodeKind.ORGANIZATION,
        NodeKind.REGION,
        NodeKind.STORE,
        NodeKind.SUBLOCATION,
    ]
    assert not_none(tree.store_of("e1")).uuid == "s1" and tree.store_of("r1") is None
    assert tree.path("e1") == "Org / North / North-East / Store 1 / Door"
    assert tree.is_archived_here("s3") and not tree.is_archived_here("s2")


def test_tree_without_the_organization_node_still_knows_its_uuid():
    tree = LocationTree.from_nodes(
        [
            Location(uuid="r1", name="North", location_type="region", parent_uuid="org"),
            Location(uuid="r3", name="South", location_type="region", parent_uuid="org"),
        ]
    )
    assert tree.organization_uuid == "org" and tree.children_of(None) == ["r1", "r3"]


def test_cyclic_answer_does_not_hang():
    tree = LocationTree.from_nodes(
        [
            Location(uuid="a", name="A", location_type="region", parent_uuid="b"),
            Location(uuid="b", name="B", location_type="region", parent_uuid="a"),
        ]
    )
    assert list(tree.ancestors("a")) == ["b"]


def test_create_rules():
    tree = small_tree()
    assert creatable_types(tree, "s1") == ["entrance", "fitting_room", "display", "other"]
    assert creatable_types(tree, "r1") == ["region"] == creatable_types(tree, "org")
    assert creatable_types(tree, "e1") == [] and creatable_types(tree, "s3") == []
    with pytest.raises(RuleViolation, match="Stores cannot be created"):
        check_create(tree, LocationCreate(name="X", parent_uuid="r1", location_type="store"))
    with pytest.raises(RuleViolation) as refused:
        check_create(tree, LocationCreate(name="X", parent_uuid="r1", location_type="display"))
    assert refused.value.field == "location_type"
    with pytest.raises(RuleViolation) as refused:
        check_create(tree, LocationCreate(name="  ", parent_uuid="s1", location_type="display"))
    assert refused.value.field == "name"
    with pytest.raises(RuleViolation, match="255"):
        check_create(tree, LocationCreate(name="n" * 256, parent_uuid="s1", location_type="display"))
    with pytest.raises(RuleViolation) as refused:
        check_create(tree, LocationCreate(name="X", parent_uuid="s1", location_type="display", area=-1))
    assert refused.value.field == "area"
    with pytest.raises(RuleViolation):
        check_create(tree, LocationCreate(name="X", parent_uuid="r1", location_type="region", area=10))
    ok = check_create(tree, LocationCreate(name="  Door 2 ", parent_uuid="s1", location_type="entrance"))
    assert ok.name == "Door 2"


def test_move_rules():
    tree = small_tree()
    assert move_problem(tree, "e1", "s2") is None
    assert "only go under a store" in not_none(move_problem(tree, "e1", "r3"))
    assert move_problem(tree, "s1", "r3") is None and move_problem(tree, "s1", "org") is None
    assert "only go under a region" in not_none(move_problem(tree, "s1", "s2"))
    assert "itself" in not_none(move_problem(tree, "r1", "r2")) and "itself" in not_none(move_problem(tree, "r1", "r1"))
    assert "already" in not_none(move_problem(tree, "r2", "r1"))
    assert "archived" in not_none(move_problem(tree, "e1", "s3"))
    assert "organization cannot be moved" in not_none(move_problem(tree, "org", "r1"))
    assert set(valid_move_targets(tree, "r2")) == {"org", "r3"}
    assert set(valid_move_targets(tree, "e1")) == {"s2"}
    assert set(valid_move_targets(tree, "s1")) == {"org", "r1", "r3"}
    assert valid_move_targets(tree, "org") == []


def test_update_rules():
    tree = small_tree()
    for uuid, change, field in [
        ("s1", LocationUpdate(location_type="entrance"), "location_type"),
        ("e1", LocationUpdate(location_type="store"), "location_type"),
        ("r1", LocationUpdate(area=10.0), "area"),
        ("e1", LocationUpdate(occupancy_limit=10), "occupancy_limit"),
        ("s1", LocationUpdate(occupancy_limit=0), "occupancy_limit"),
        ("s1", LocationUpdate(area=float("nan")), "area"),
        ("s1", LocationUpdate(aggregate_to_parent=True), "aggregate_to_parent"),
        ("s1", LocationUpdate(name=" "), "name"),
        ("s1", LocationUpdate(parent_uuid="s2"), "parent_uuid"),
    ]:
        with pytest.raises(RuleViolation) as refused:
            check_update(tree, uuid, change)
        assert refused.value.field == field, (uuid, change)
    change = check_update(tree, "e1", LocationUpdate(name=" Back door ", location_type="display", area=3.5))
    moved = apply_update(tree.nodes["e1"], change)
    assert (moved.name, moved.location_type, moved.area) == ("Back door", "display", 3.5)


# ------------------------------------------------------------ over HTTP


async def test_load_tree_is_the_whole_chain_with_extra_fields(service, fresh_sim):
    tree = await service.load_tree()
    world = fresh_sim.world
    with world.lock:
        expected = {u for u, n in world.nodes.items() if n.type == "location"}
    assert set(tree.nodes) == expected
    assert tree.organization_uuid == world.organization_uuid
    plaza = named(tree, "Caspar City Plaza")
    assert (plaza.store_id, plaza.time_zone, plaza.occupancy_limit) == ("50", "America/Los_Angeles", 50)
    assert named(tree, "Austin Domain").occupancy_limit is None
    assert len(tree.children_of(None)) == 1


async def test_create_and_update_reach_the_simulator(service, fresh_sim):
    tree = await service.load_tree()
    store = named(tree, "Chicago Loop")
    created = await service.create(
        tree, LocationCreate(name=" Side Door ", parent_uuid=store.uuid, location_type="entrance", area=12.0)
    )
    with fresh_sim.world.lock:
        node = fresh_sim.world.nodes[created.uuid]
        assert (node.name, node.parent_uuid, node.area, node.aggregate_to_parent) == (
            "Side Door",
            store.uuid,
            12.0,
            True,
        )
    region = await service.create(
        tree, LocationCreate(name="Great Lakes", parent_uuid=named(tree, "Central").uuid, location_type="region")
    )
    tree = await service.load_tree()
    moved = await service.move(tree, store.uuid, region.uuid)
    assert moved.parent_uuid == region.uuid
    edited = await service.edit(tree, store.uuid, area=5000.0, occupancy_limit=99)
    assert (edited.area, edited.occupancy_limit) == (5000.0, 99)
    renamed = await service.rename(tree, store.uuid, "  Chicago Loop Flagship ")
    assert renamed.name == "Chicago Loop Flagship"
    with fresh_sim.world.lock:
        node = fresh_sim.world.nodes[store.uuid]
        assert (node.parent_uuid, node.area, node.occupancy_limit, node.name) == (
            region.uuid,
            5000.0,
            99,
            "Chicago Loop Flagship",
        )


async def test_rule_violations_send_nothing(service, fresh_sim):
    tree = await service.load_tree()
    before = sent(fresh_sim, "/v2/location/")
    store = named(tree, "Fifth Avenue")
    with pytest.raises(RuleViolation):
        service.update(tree, store.uuid, LocationUpdate(occupancy_limit=-3))
    with pytest.raises(RuleViolation):
        service.move(tree, store.uuid, named(tree, "Chicago Loop").uuid)
    with pytest.raises(RuleViolation):
        service.create(tree, LocationCreate(name="Shop", parent_uuid=named(tree, "East").uuid, location_type="store"))
    assert await service.update(tree, store.uuid, LocationUpdate(name="Fifth Avenue")) is not None
    assert sent(fresh_sim, "/v2/location/") == before


async def test_server_refusals_arrive_as_typed_errors(service, fresh_sim):
    tree = await service.load_tree()
    store = named(tree, "Fifth Avenue")
    fresh_sim.faults.add(f"/v2/location/{store.uuid}", "status", status=400, detail="locked")
    with pytest.raises(InvalidRequest) as refused:
        await service.edit(tree, store.uuid, area=10.0)
    assert refused.value.detail == "locked"
    with fresh_sim.world.lock:
        fresh_sim.world.nodes.pop(store.uuid)
    with pytest.raises(NotFound):
        await service.edit(tree, store.uuid, area=10.0)
    fresh_sim.stop()
    with pytest.raises(ConnectionFailed):
        await service.load_tree()
