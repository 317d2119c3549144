"""The seeded chain covers every documented case and is reproducible."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from storeops.simulator.seed import BIG_HEALTH_ALERTS, BIG_LOCATION_NODES, build_world
from storeops.simulator.world import SUBLOCATION_TYPES, Node, WeekHours

NOW = datetime(2026, 3, 18, 20, 7, tzinfo=UTC)


def _week(store: Node) -> WeekHours:
    assert store.hours is not None, f"{store.name} has no hours"
    return store.hours


def test_same_seed_same_chain_other_seed_other_uuids():
    a, b, c = build_world(3, now=NOW), build_world(3, now=NOW), build_world(4, now=NOW)
    assert list(a.nodes) == list(b.nodes)
    assert [x.device_id for x in a.cameras] == [x.device_id for x in b.cameras]
    assert list(a.channels) == list(b.channels)
    assert a.organization_uuid != c.organization_uuid
    assert not set(a.nodes) & set(c.nodes)


def test_chain_covers_the_documented_cases():
    world = build_world(7, now=NOW)
    org = world.nodes[world.organization_uuid]
    assert org.location_type == "organization" and org.parent_uuid is None
    regions = [n for n in world.nodes.values() if n.location_type == "region"]
    assert len(regions) >= 3
    assert any(r.parent_uuid is not None and world.nodes[r.parent_uuid].location_type == "region" for r in regions), (
        "a nested region"
    )
    stores = world.stores()
    live = [s for s in stores if s.archive_date is None]
    assert len(live) >= 12
    assert len({s.time_zone for s in live}) >= 3
    assert len({s.store_id for s in stores}) == len(stores)
    assert sum(1 for s in stores if s.occupancy_limit is None) == 1
    overnight = [s for s in live if any(h and h[1] > 1440 for h in _week(s).values())]
    assert overnight, "a store open past midnight"
    assert any(_week(s)[6] is None for s in live), "a store closed on Sundays"
    assert world.hours_on(live[0], date(2025, 12, 25)) is None, "closed on a holiday"
    types = Counter(n.location_type for n in world.nodes.values())
    for t in SUBLOCATION_TYPES:
        assert types[t] >= 1
    assert sum(1 for n in world.nodes.values() if n.archive_date) >= 2


def test_hardware_and_alerts():
    world = build_world(7, now=NOW)
    assert {c.type for c in world.cameras} == {0, 1, 2}
    assert {c.vendor for c in world.cameras} == {"RetailNext", "Xovis", "Brickstream", "Axis"}
    per_appliance = Counter(ch.appliance_id for ch in world.channels.values() if ch.appliance_id)
    assert max(per_appliance.values()) > 16
    for cam in world.cameras:
        for ch in cam.video_channel_uuids:
            assert world.channels[ch].device_id == cam.device_id
            assert world.nodes[ch].type == "video"
    assert all(a.store_uuid in world.nodes for a in world.appliances)
    resolved = [a for a in world.alerts if a.resolved_time is not None]
    assert resolved and len(resolved) < len(world.alerts)
    assert world.files and all(p.startswith("custom_exports/") for p in world.files)
    first = next(iter(world.files))
    assert (world.file_bytes(first) or b"").startswith(b"store_id,")


def test_big_chain_has_exactly_ten_thousand_location_nodes_and_health_alerts():
    world, again = build_world(1, big=True, now=NOW), build_world(1, big=True, now=NOW)
    assert world.location_count() == BIG_LOCATION_NODES
    assert len(world.nodes) > BIG_LOCATION_NODES  # plus the video nodes
    alerts = world.alerts
    assert len(alerts) == BIG_HEALTH_ALERTS and len({a.uuid for a in alerts}) == BIG_HEALTH_ALERTS
    assert [a.uuid for a in again.alerts] == [a.uuid for a in alerts]
    created = [a.created for a in alerts]
    assert created == sorted(created, reverse=True) and created[0] < NOW
    assert all(a.resolved_time is None or a.created <= a.resolved_time <= NOW for a in alerts)
    # Spread over the outlets too, each alert in its own store's time zone.
    stores = {s.uuid: s for s in world.stores()}
    assert len({a.store_uuid for a in alerts}) > 1000
    assert all(str(a.created.tzinfo) == stores[a.store_uuid].time_zone for a in alerts[::97])
    assert {a.resolved_time is None for a in alerts[:100]} == {True, False}
    # The normal chain keeps its few dozen.
    assert len(build_world(1, now=NOW).alerts) < 100


def test_tree_operations():
    world = build_world(7, now=NOW)
    store = world.stores()[0]
    subs = world.children(store.uuid)
    assert subs and all(world.store_of(s.uuid) is store for s in subs)
    walked = list(world.walk(world.organization_uuid))
    assert walked[0].uuid == world.organization_uuid
    seen = set()
    for node in walked:
        assert node.parent_uuid is None or node.parent_uuid in seen
        seen.add(node.uuid)
    assert len(walked) == len(world.nodes)
    assert world.channels_under(store.uuid)
    assert {c.uuid for c in world.channels_under(world.organization_uuid)} == set(world.channels)
