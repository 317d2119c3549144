"""Builds the seeded chain: same seed, same chain (UUIDs included).

The chain is small enough to read in a demo (5 regions, 15 stores) but covers every
documented case: nested regions, stores in four time zones, one store without an
occupancy limit, one open overnight, stores closed on Sundays and holidays, every
sublocation type, archived nodes, every camera type and vendor, an appliance with
more than 16 channels, one channel with recording disabled (its exports fail, 424),
open and resolved health alerts, custom export files, and two counting faults (a
counting camera offline, a counter that stopped counting: see _add_counting_faults).
`big=True` pads the chain to exactly 10,000 location nodes and 10,000 health alerts
for benchmarks.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storeops.simulator.world import (
    SUBLOCATION_TYPES,
    Alert,
    Appliance,
    Camera,
    ChannelRec,
    Node,
    WeekHours,
    World,
)

BIG_LOCATION_NODES = 10_000
BIG_HEALTH_ALERTS = 10_000

_RETAIL: WeekHours = {
    0: (600, 1260),
    1: (600, 1260),
    2: (600, 1260),
    3: (600, 1260),
    4: (600, 1320),
    5: (540, 1320),
    6: (660, 1080),
}
_MALL: WeekHours = {**dict.fromkeys(range(6), (600, 1260)), 6: (720, 1080)}
_NO_SUNDAY: WeekHours = {**dict.fromkeys(range(6), (540, 1200)), 6: None}
_OVERNIGHT: WeekHours = dict.fromkeys(range(7), (1080, 1560))  # 18:00 - 02:00 next day
_UK: WeekHours = {**dict.fromkeys(range(5), (540, 1200)), 5: (540, 1260), 6: None}

# (region key, name, time zone, store id, occupancy limit, hours, closed on holidays)
_STORES: list[tuple[str, str, str, str, int | None, WeekHours, bool]] = [
    ("bay", "Caspar City Plaza", "America/Los_Angeles", "50", 50, _RETAIL, True),
    ("bay", "Willow Glen", "America/Los_Angeles", "101", 15, _MALL, True),
    ("bay", "San Jose Store", "America/Los_Angeles", "102", 40, _RETAIL, False),
    ("west", "Portland Pearl", "America/Los_Angeles", "110", 35, _NO_SUNDAY, True),
    ("west", "Seattle Night Market", "America/Los_Angeles", "111", 60, _OVERNIGHT, False),
    ("central", "Chicago Loop", "America/Chicago", "201", 80, _RETAIL, True),
    ("central", "Austin Domain", "America/Chicago", "202", None, _MALL, True),
    ("central", "Minneapolis Skyway", "America/Chicago", "203", 45, _NO_SUNDAY, True),
    ("east", "Fifth Avenue", "America/New_York", "301", 120, _RETAIL, False),
    ("east", "Boston Back Bay", "America/New_York", "302", 55, _MALL, True),
    ("east", "Brooklyn Heights", "America/New_York", "303", 30, _NO_SUNDAY, True),
    ("east", "Miami Brickell", "America/New_York", "304", 40, _RETAIL, True),
    ("europe", "London Covent Garden", "Europe/London", "401", 70, _UK, True),
    ("europe", "Manchester Arndale", "Europe/London", "402", 50, _UK, True),
    ("east", "Old Town (closed)", "America/New_York", "399", 25, _RETAIL, True),
]
_ARCHIVED_STORE = "Old Town (closed)"

_REGIONS = [
    # key, name, parent key (None = organization)
    ("west", "West", None),
    ("bay", "Bay Area", "west"),
    ("central", "Central", None),
    ("east", "East", None),
    ("europe", "Europe", None),
]

_SUBLOCATIONS: list[tuple[str, str, float | None]] = [
    ("entrance", "Main Entrance", None),
    ("entrance", "Side Entrance", None),
    ("fitting_room", "Fitting Rooms", 180.0),
    ("display", "Front Table", 53.1),
    ("display", "Window Display", 40.0),
    ("other", "Checkout", 120.0),
]


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class _Ids:
    """Deterministic UUIDs and MAC addresses from the world's random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uuid(self) -> str:
        # What str(uuid.UUID(int=bits, version=4)) gives, three times faster (the big
        # chain makes 20,000): version 4, RFC 4122 variant.
        bits = (self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def mac(self, prefix: str = "20:C3:A4") -> str:
        tail = self.rng.getrandbits(24)
        return f"{prefix}:{tail >> 16:02X}:{(tail >> 8) & 0xFF:02X}:{tail & 0xFF:02X}"


def build_world(seed: int = 0, *, big: bool = False, now: datetime | None = None) -> World:
    rng = random.Random(seed)
    ids = _Ids(rng)
    now = now or datetime.now(UTC)
    world = World(seed, ids.uuid(), now.date())
    world.add(Node(world.organization_uuid, "Northwind Outfitters", "organization", None))

    regions: dict[str, str] = {}
    for key, name, parent in _REGIONS:
        node = world.add(Node(ids.uuid(), name, "region", regions.get(parent or "", world.organization_uuid)))
        regions[key] = node.uuid

    for region_key, name, tz, store_id, limit, hours, holidays in _STORES:
        store = _add_store(world, ids, regions[region_key], name, tz, store_id, limit, hours, holidays)
        if name == _ARCHIVED_STORE:
            store.archive_date = (now - timedelta(days=120)).strftime("%Y-%m-%dT00:00:00Z")
        _add_sublocations(world, ids, store, rng)

    # An archived sublocation in a live store.
    first = world.stores()[0]
    gone = world.add(
        Node(
            ids.uuid(),
            "Holiday Popup",
            "display",
            first.uuid,
            area=25.0,
            aggregate_to_parent=False,
            aggregate_to_store=False,
        )
    )
    gone.archive_date = (now - timedelta(days=300)).strftime("%Y-%m-%dT00:00:00Z")

    _add_hardware(world, ids, rng, now)
    _add_alerts(world, ids, rng, now)
    _add_counting_faults(world, now)
    _add_files(world, ids, rng)
    if big:
        _pad_to_big(world, ids, rng)
        _pad_alerts(world, ids, rng, now)
    return world


def _add_store(
    world: World,
    ids: _Ids,
    parent: str,
    name: str,
    tz: str,
    store_id: str,
    limit: int | None,
    hours: WeekHours,
    holidays: bool,
) -> Node:
    rng = ids.rng
    return world.add(
        Node(
            ids.uuid(),
            name,
            "store",
            parent,
            area=float(rng.randrange(1800, 9000)),
            store_id=store_id,
            occupancy_limit=limit,
            time_zone=tz,
            pos_id=f"POS{store_id}",
            pos_division_id=f"DIV{store_id[0]}",
            staff_hour_id=f"SH{store_id}",
            validated_address={
                "country": "GB" if tz.startswith("Europe") else "US",
                "locality": name.split()[0],
                "postal_code": f"{rng.randrange(10000, 99999)}",
            },
            hours=dict(hours),
            closed_on_holidays=holidays,
            traffic_base=round(rng.uniform(6.0, 30.0), 1),
        )
    )


def _add_sublocations(world: World, ids: _Ids, store: Node, rng: random.Random) -> None:
    for location_type, name, area in _SUBLOCATIONS:
        if name == "Side Entrance" and rng.random() < 0.4:
            continue
        if name == "Window Display" and rng.random() < 0.5:
            continue
        is_entrance = location_type == "entrance"
        world.add(
            Node(
                ids.uuid(),
                name,
                location_type,
                store.uuid,
                area=area,
                aggregate_to_parent=is_entrance,
                aggregate_to_store=is_entrance,
            )
        )


_AXIS_MODELS = ("M3106-L Mk II", "P3245-LVE", "M3058-PLVE")


def _add_hardware(world: World, ids: _Ids, rng: random.Random, now: datetime) -> None:
    live = [s for s in world.stores() if s.archive_date is None]
    heard = (now - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%S.") + "363Z"
    for index, store in enumerate(live):
        appliance = Appliance(
            ids.uuid(),
            store.uuid,
            ids.mac("00:0D:29"),
            private_ip=f"10.{index}.0.2",
            public_ip=f"203.0.113.{index + 10}",
            static_ip=index % 3 == 0,
        )
        world.appliances.append(appliance)
        # The flagship's appliance records 18 channels: more than one export may take.
        monoculars = 18 if index == 0 else 1 + rng.randrange(3)
        for n in range(monoculars):
            vendor = "Axis" if n % 2 else "RetailNext"
            model = rng.choice(_AXIS_MODELS) if vendor == "Axis" else "S-Series"
            _add_camera(
                world,
                ids,
                store,
                appliance.appliance_id,
                0,
                vendor,
                model,
                f"Camera {n + 1}" if n else "Registration Desk",
                heard,
                channels=1,
            )
        _add_camera(
            world, ids, store, "", 1, "RetailNext", "Aurora", "Entrance Aurora", heard, channels=1, height=3860, lines=1
        )
        if index % 3 == 1:
            _add_camera(
                world,
                ids,
                store,
                appliance.appliance_id,
                2,
                "Xovis",
                "PC2S",
                "Back Entrance",
                heard,
                summary={"sensor_group": store.name, "sensor_name": "Back Entrance"},
                serial=f"XV{rng.randrange(10**7, 10**8)}",
                lines=2,
            )
        if index % 3 == 2:
            _add_camera(
                world,
                ids,
                store,
                appliance.appliance_id,
                2,
                "Brickstream",
                "3D Gen2",
                "Side Door",
                heard,
                summary={"device_name": "Side Door", "site_name": store.name},
                serial=f"BS{rng.randrange(10**7, 10**8)}",
                lines=1,
            )
    _stop_one_recording(world, live)


def _stop_one_recording(world: World, live: list[Node]) -> None:
    """Disable recording on one channel: the first of the last store (not the
    flagship, whose channels tests export) with an appliance recording several, so
    a grid export can include it. Set after the fact: the random stream, and so
    every UUID, stays as it was."""
    by_appliance: dict[str, list[ChannelRec]] = {}
    for channel in world.channels.values():
        if channel.appliance_id:
            by_appliance.setdefault(channel.appliance_id, []).append(channel)
    appliances = {a.store_uuid: a.appliance_id for a in world.appliances}
    stores = [s for s in live[1:] if len(by_appliance.get(appliances.get(s.uuid, ""), ())) >= 2] or live[-1:]
    channels = by_appliance.get(appliances.get(stores[-1].uuid, ""), [])
    if channels:
        channels[0].recording_enabled = False


def _add_camera(
    world: World,
    ids: _Ids,
    store: Node,
    appliance_id: str,
    kind: int,
    vendor: str,
    model: str,
    name: str,
    heard: str,
    *,
    channels: int = 0,
    height: int | None = None,
    summary: dict[str, Any] | None = None,
    serial: str = "",
    lines: int = 0,
) -> Camera:
    rng = ids.rng
    device_id = ids.mac("20:C3:A4" if vendor == "RetailNext" else "AC:CC:8E")
    camera = Camera(
        kind,
        device_id,
        name,
        store.uuid,
        appliance_id,
        vendor,
        model,
        heard,
        serial_number=serial,
        private_ip=f"192.168.{rng.randrange(1, 250)}.{rng.randrange(2, 250)}",
        configuration_summary=summary or {},
        traffic_line_count=lines,
        dwell_zone_count=rng.randrange(3) if kind != 2 else 0,
        direction_line_configured=lines > 0,
        height=height,
    )
    for c in range(channels):
        resolution = rng.choice(("1280x960", "1280x720", "640x480"))
        channel = ChannelRec(
            ids.uuid(),
            name if c == 0 else f"{name} {c + 1}",
            device_id,
            appliance_id,
            store.uuid,
            resolution,
            rng.choice((10, 15)),
            retention_days=(rng.choice((0, 7)), rng.choice((0, 30, 90))),
        )
        world.channels[channel.uuid] = channel
        camera.video_channel_uuids.append(channel.uuid)
        # Channels appear in the location tree as "video" nodes under their store.
        world.add(Node(channel.uuid, channel.name, None, store.uuid, type="video"))
    world.cameras.append(camera)
    return camera


_ALERT_KINDS = [
    ("connectiondown", "Haven't heard from Aurora sensor recently", "critical"),
    ("traffic_low", "Traffic counts lower than expected", "warning"),
    ("video_loss", "Video channel stopped recording", "critical"),
    ("disk_usage", "Appliance disk usage above 90%", "warning"),
    ("clock_skew", "Device clock differs from the appliance", "info"),
]


def _add_alerts(world: World, ids: _Ids, rng: random.Random, now: datetime) -> None:
    cameras = world.cameras
    stores = {s.uuid: s for s in world.stores()}
    for n in range(37):
        camera = cameras[rng.randrange(len(cameras))]
        store = stores[camera.store_uuid]
        kind, description, severity = _ALERT_KINDS[n % len(_ALERT_KINDS)]
        tz = ZoneInfo(store.time_zone or "UTC")
        created = (now - timedelta(minutes=rng.randrange(30, 60 * 24 * 60))).astimezone(tz)
        event = created - timedelta(hours=1)
        resolved = None
        if n % 3 != 0:  # two thirds resolved, the rest still open
            resolved = min(created + timedelta(minutes=rng.randrange(10, 60 * 36)), now.astimezone(tz))
        world.alerts.append(
            Alert(
                ids.uuid(),
                kind,
                description,
                severity,
                store.uuid,
                store.name,
                camera.device_id,
                f"{camera.device_name} ({camera.device_id})",
                created,
                event,
                resolved,
                obsolete=n % 11 == 5,
            )
        )
    world.alerts.sort(key=lambda a: a.created, reverse=True)


# The counting faults of every seeded chain (by store name, so every seed has them).
OFFLINE_CAMERA = ("Brooklyn Heights", "Back Entrance")  # a Xovis counter, offline
OFFLINE_FOR = timedelta(hours=2, minutes=15)
STOPPED_COUNTER_STORE = "Miami Brickell"  # its counters count nobody
STOPPED_FOR = timedelta(hours=2)


def _add_counting_faults(world: World, now: datetime) -> None:
    """A counting camera that went offline (with its open "connectiondown" alert) while
    its store still counts through the other one, and a store whose counters stopped
    counting while their cameras still report. Made after the fact and without the
    random stream, so every UUID stays as it was; the alert's UUID derives from the seed."""
    stores = {s.name: s for s in world.stores()}
    store = stores[OFFLINE_CAMERA[0]]
    camera = next(c for c in world.cameras if c.store_uuid == store.uuid and c.device_name == OFFLINE_CAMERA[1])
    since = now - OFFLINE_FOR
    world.take_camera_offline(camera.device_id, since)
    tz = ZoneInfo(store.time_zone or "UTC")
    created = (since + timedelta(minutes=30)).astimezone(tz)
    world.alerts.append(
        Alert(
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"storeops-sim/{world.seed}/offline-counter")),
            "connectiondown",
            "Haven't heard from Xovis sensor recently",
            "critical",
            store.uuid,
            store.name,
            camera.device_id,
            f"{camera.device_name} ({camera.device_id})",
            created,
            since.astimezone(tz),
        )
    )
    world.alerts.sort(key=lambda a: a.created, reverse=True)
    world.stop_counting(stores[STOPPED_COUNTER_STORE].uuid, now - STOPPED_FOR)


def _pad_alerts(world: World, ids: _Ids, rng: random.Random, now: datetime) -> None:
    """Alerts over every live store until there are BIG_HEALTH_ALERTS, newest first.

    Cheap on purpose (about a tenth of the big build): one UUID, one offset and one
    zone conversion per alert. Outlet stores have no cameras: their alerts are about
    the store's people counter, one per store."""
    stores = [s for s in world.stores() if s.archive_date is None]
    cameras: dict[str, list[Camera]] = {}
    for camera in world.cameras:
        cameras.setdefault(camera.store_uuid, []).append(camera)
    zones: dict[str, ZoneInfo] = {}
    subjects: dict[str, list[tuple[str, str]]] = {}
    for store in stores:
        zones.setdefault(store.time_zone or "UTC", ZoneInfo(store.time_zone or "UTC"))
        mine = cameras.get(store.uuid)
        if mine:
            subjects[store.uuid] = [(c.device_id, f"{c.device_name} ({c.device_id})") for c in mine]
        else:
            mac = ids.mac()
            subjects[store.uuid] = [(mac, f"People Counter ({mac})")]
    # Ages drawn first and sorted: the alerts are then made newest first, and the
    # final sort only merges two ordered runs.
    base = len(world.alerts)
    ages = sorted(rng.randrange(30, 60 * 24 * 60) for _ in range(base, BIG_HEALTH_ALERTS))
    utc_now = now.astimezone(UTC)
    minute, hour = timedelta(minutes=1), timedelta(hours=1)
    for n, age in enumerate(ages, start=base):
        store = stores[rng.randrange(len(stores))]
        subject_id, subject_name = rng.choice(subjects[store.uuid])
        kind, description, severity = _ALERT_KINDS[n % len(_ALERT_KINDS)]
        tz = zones[store.time_zone or "UTC"]
        created_utc = utc_now - age * minute
        created = created_utc.astimezone(tz)
        resolved = None
        if n % 3:
            resolved = min(created_utc + rng.randrange(10, 60 * 36) * minute, utc_now).astimezone(tz)
        world.alerts.append(
            Alert(
                ids.uuid(),
                kind,
                description,
                severity,
                store.uuid,
                store.name,
                subject_id,
                subject_name,
                created,
                created - hour,
                resolved,
                obsolete=n % 11 == 5,
            )
        )
    # Sorting by timestamp: comparing datetimes of different zones is ten times slower.
    world.alerts.sort(key=lambda a: a.created.timestamp(), reverse=True)


def _add_files(world: World, ids: _Ids, rng: random.Random) -> None:
    stores = list(world.stores())
    for n in range(5):
        path = f"custom_exports/inventory_reports/{ids.uuid()}.csv"
        world.files[path] = _inventory_csv(world.seed * 31 + n, stores)
    for n in range(2):
        path = f"custom_exports/traffic_reports/{ids.uuid()}.csv"
        # The second is a few MB so resumed downloads have something to resume.
        world.files[path] = _traffic_csv(world.seed * 17 + n, stores, days=30 if n == 0 else 2000)


def _inventory_csv(seed: int, stores: list[Node]) -> Callable[[], bytes]:
    def make() -> bytes:
        rng = random.Random(seed)
        buf = io.StringIO()
        out = csv.writer(buf)
        out.writerow(["store_id", "store_name", "sku", "description", "on_hand", "on_order"])
        for store in stores:
            for n in range(40):
                out.writerow(
                    [
                        store.store_id,
                        store.name,
                        f"SKU{n:04d}",
                        f"Item {n}",
                        rng.randrange(0, 200),
                        rng.randrange(0, 50),
                    ]
                )
        return buf.getvalue().encode()

    return make


def _traffic_csv(seed: int, stores: list[Node], days: int) -> Callable[[], bytes]:
    def make() -> bytes:
        rng = random.Random(seed)
        buf = io.StringIO()
        out = csv.writer(buf)
        out.writerow(["date", "store_id", "store_name", "hour", "traffic_in", "traffic_out"])
        start = date(2024, 1, 1)
        for d in range(days):
            day = (start + timedelta(days=d)).isoformat()
            for store in stores:
                for hour in (10, 13, 16, 19):
                    value = rng.randrange(5, 120)
                    out.writerow([day, store.store_id, store.name, hour, value, value - rng.randrange(0, 5)])
        return buf.getvalue().encode()

    return make


def _pad_to_big(world: World, ids: _Ids, rng: random.Random) -> None:
    """Add outlet regions and stores until there are exactly BIG_LOCATION_NODES."""
    zones = ("America/Los_Angeles", "America/Chicago", "America/New_York", "Europe/London")
    outlets = world.add(Node(ids.uuid(), "Outlets", "region", world.organization_uuid))
    count = world.location_count()
    store_no = 1000
    district: Node | None = None
    while count < BIG_LOCATION_NODES:
        if district is None or store_no % 50 == 0:
            district = world.add(Node(ids.uuid(), f"Outlet District {store_no // 50 - 19}", "region", outlets.uuid))
            count += 1
            if count >= BIG_LOCATION_NODES:
                break
        store = _add_store(
            world,
            ids,
            district.uuid,
            f"Outlet {store_no}",
            zones[store_no % 4],
            str(store_no),
            20 + store_no % 60,
            _RETAIL,
            True,
        )
        count += 1
        store_no += 1
        for location_type in SUBLOCATION_TYPES:
            if count >= BIG_LOCATION_NODES:
                break
            is_entrance = location_type == "entrance"
            world.add(
                Node(
                    ids.uuid(),
                    location_type.replace("_", " ").title(),
                    location_type,
                    store.uuid,
                    area=float(rng.randrange(20, 400)),
                    aggregate_to_parent=is_entrance,
                    aggregate_to_store=is_entrance,
                )
            )
            count += 1
