"""CamerasService over real HTTP against a frozen simulator: the inventory joined
and put into words, offline cameras, alerts in the order a manager reads them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storeops.services.cameras import ALERT_HISTORY, OFFLINE_AFTER, ago
from storeops.simulator.seed import OFFLINE_CAMERA, OFFLINE_FOR
from tests.conftest import TEST_NOW
from tests.helpers import not_none
from tests.services.cameras_env import camera_named, client_of, frozen_sim, load, store_node


@pytest.fixture(scope="module")
def running():
    with frozen_sim() as sim:
        yield sim


async def test_every_camera_with_its_store_type_and_analytics(running):
    async with client_of(running) as client:
        inventory, stores = await load(running, client)
    world = running.world
    assert [c.device_id for c in inventory.cameras] == [c.device_id for c in world.cameras]
    names = {s.uuid: s.name for s in stores}
    for row in inventory.cameras:
        assert row.store_name == names[row.store_uuid]
    aurora = next(c for c in inventory.cameras if c.kind == 1)
    assert aurora.type_words == "Aurora sensor" and aurora.counts_traffic
    assert aurora.analytics_words.startswith("1 traffic line")
    xovis = next(c for c in inventory.cameras if c.vendor == "Xovis")
    assert xovis.type_words == "3D people counter" and xovis.traffic_lines == 2
    mono = next(c for c in inventory.cameras if c.kind == 0)
    assert mono.type_words == "Video camera" and not mono.counts_traffic
    assert len(mono.channel_uuids) == 1


async def test_only_the_camera_taken_offline_is_offline(running):
    async with client_of(running) as client:
        inventory, _ = await load(running, client)
    offline = inventory.offline_cameras()
    gone = camera_named(running, *OFFLINE_CAMERA)
    assert [c.device_id for c in offline] == [gone.device_id]
    row = offline[0]
    assert row.silent_for == OFFLINE_FOR > OFFLINE_AFTER
    assert row.heard_words == "Offline — 2 h 15 min ago"
    # Everyone else reported within the last few minutes.
    assert all(not_none(c.silent_for) < timedelta(minutes=3) for c in inventory.cameras if c.online)
    brooklyn = next(s for s in inventory.counts() if s.store_name == OFFLINE_CAMERA[0])
    assert brooklyn.offline == 1 and "(1 offline)" in brooklyn.words


async def test_a_camera_switched_off_and_back_on(running):
    camera = camera_named(running, "Chicago Loop", "Entrance Aurora")
    running.world.take_camera_offline(camera.device_id, TEST_NOW - timedelta(minutes=45))
    try:
        async with client_of(running) as client:
            inventory, _ = await load(running, client)
        row = not_none(inventory.camera(camera.device_id))
        assert not row.online and row.heard_words == "Offline — 45 min ago"
        # Its channel says so too (the table greys it).
        assert not_none(inventory.channel(camera.video_channel_uuids[0])).camera_online is False
    finally:
        running.world.bring_camera_online(camera.device_id)
    async with client_of(running) as client:
        inventory, _ = await load(running, client)
    assert not_none(inventory.camera(camera.device_id)).online


async def test_channels_in_words(running):
    async with client_of(running) as client:
        inventory, _ = await load(running, client)
    world = running.world
    assert {c.channel_uuid for c in inventory.channels} == set(world.channels)
    for row in inventory.channels:
        rec = world.channels[row.channel_uuid]
        assert row.store_uuid == rec.store_uuid and row.resolution == rec.resolution
        assert row.camera_name == next(c.device_name for c in world.cameras if c.device_id == rec.device_id)
        assert row.frame_rate_words == f"{rec.frame_rate} fps"
        assert row.snapshot_words == "every 5 min, 1400x1050"
    stopped = [r for r in inventory.channels if not r.recording]
    assert len(stopped) == 1 and stopped[0].recording_words == "Not recording" and stopped[0].motion_words == "—"
    assert {r.motion_words for r in inventory.channels if r.recording} == {"On motion"}
    assert {r.retention_words for r in inventory.channels} <= {
        "Default",
        "up to 30 days",
        "up to 90 days",
        "at least 7 days",
        "7–30 days",
        "7–90 days",
    }


async def test_appliances_count_their_cameras(running):
    async with client_of(running) as client:
        inventory, _ = await load(running, client)
    world = running.world
    assert len(inventory.appliances) == len(world.appliances)
    for row in inventory.appliances:
        assert row.camera_count == sum(1 for c in world.cameras if c.appliance_id == row.appliance_id)
    flagship = next(a for a in inventory.appliances if a.store_name == "Caspar City Plaza")
    assert flagship.camera_count >= 18 and flagship.network_words == "Static IP"
    assert {a.network_words for a in inventory.appliances} == {"Static IP", "DHCP"}


async def test_alerts_open_first_worst_first_and_only_recent(running):
    async with client_of(running) as client:
        inventory, _ = await load(running, client)
    alerts = inventory.alerts
    since = TEST_NOW - ALERT_HISTORY
    expected = [a for a in running.world.alerts if a.created >= since]
    assert {a.uuid for a in alerts} == {a.uuid for a in expected} and len(expected) < len(running.world.alerts)
    ranks = [a.rank for a in alerts]
    assert ranks == sorted(ranks)
    open_ = [a for a in alerts if a.open]
    assert open_ and alerts[: len(open_)] == open_
    assert [a.severity for a in open_] == sorted((a.severity for a in open_), key=["critical", "warning", "info"].index)
    gone = camera_named(running, *OFFLINE_CAMERA)
    mine = next(a for a in alerts if a.subject_name.endswith(f"({gone.device_id})"))
    assert mine.open and mine.severity_words == "Critical" and mine.store_name == OFFLINE_CAMERA[0]


async def test_counts_per_store(running):
    async with client_of(running) as client:
        inventory, _ = await load(running, client)
    world = running.world
    counts = {c.store_uuid: c for c in inventory.counts()}
    for store in world.stores():
        if store.archive_date is not None:
            assert store.uuid not in counts  # the closed store has no hardware
            continue
        row = counts[store.uuid]
        assert row.cameras == sum(1 for c in world.cameras if c.store_uuid == store.uuid)
        assert row.channels == sum(1 for c in world.channels.values() if c.store_uuid == store.uuid)
        assert row.appliances == 1
    plaza = store_node(running, "Caspar City Plaza")
    assert [c.store_uuid for c in inventory.counts([plaza.uuid])] == [plaza.uuid]


def test_ago_words():
    assert ago(timedelta(seconds=20)) == "just now"
    assert ago(timedelta(minutes=59)) == "59 min ago"
    assert ago(timedelta(hours=2)) == "2 h ago"
    assert ago(timedelta(days=3, hours=1)) == "3 days ago"
