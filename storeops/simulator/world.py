"""The simulated subscription: a chain of locations with hardware, hours and alerts.

`World` is plain data plus the few tree operations the routes need. Every mutation
happens under `world.lock` (routes run on the server thread while tests and the app
read from others). Traffic is not stored here: `storeops.simulator.traffic` computes
it on demand from (seed, location, interval).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

SUBLOCATION_TYPES = ("entrance", "fitting_room", "display", "other")
HLS_PREFIX = "/v1/hls/"
EXTRA_FIELDS = {
    "store.time_zone": "time_zone",
    "store.store_id": "store_id",
    "store.pos_id": "pos_id",
    "store.pos_division_id": "pos_division_id",
    "store.staff_hour_id": "staff_hour_id",
    "store.occupancy_limit": "occupancy_limit",
    "store.validated_address": "validated_address",
}

# Store hours: minutes after local midnight of the store day. A close after 1440
# means the store day runs past midnight (the API's "+" timestamps).
Hours = tuple[int, int]
# Weekday (Monday = 0) -> hours, None when closed that weekday.
WeekHours = dict[int, Hours | None]


@dataclass(slots=True)
class Node:
    uuid: str
    name: str
    location_type: str | None
    parent_uuid: str | None
    type: str = "location"  # node type: location, video, traffic, pos
    area: float | None = None
    archive_date: str | None = None
    store_id: str | None = None
    occupancy_limit: int | None = None
    time_zone: str | None = None
    pos_id: str | None = None
    pos_division_id: str | None = None
    staff_hour_id: str | None = None
    validated_address: dict[str, Any] | None = None
    aggregate_to_parent: bool | None = None
    aggregate_to_store: bool | None = None
    bandwidth_limit: int | None = None
    hours: WeekHours | None = None  # stores only
    closed_on_holidays: bool = False
    traffic_base: float = 0.0  # mean visitors per 15 minutes at the daily peak

    @property
    def is_store(self) -> bool:
        return self.location_type == "store"

    @property
    def is_region(self) -> bool:
        return self.location_type in ("region", "organization")

    @property
    def is_sublocation(self) -> bool:
        return self.location_type in SUBLOCATION_TYPES

    def to_json(self, extra: tuple[str, ...] = ()) -> dict[str, Any]:
        """The v2/location shape; `extra` holds attribute names of requested extra fields."""
        out: dict[str, Any] = {
            "location_type": self.location_type,
            "area": self.area,
            "uuid": self.uuid,
            "parent_uuid": self.parent_uuid,
            "name": self.name,
            "type": self.type,
            "archive_date": self.archive_date,
        }
        if self.location_type in SUBLOCATION_TYPES:
            out["aggregate_to_parent"] = self.aggregate_to_parent
            out["aggregate_to_store"] = self.aggregate_to_store
        if extra and self.location_type == "store":
            for attr in extra:
                out[attr] = getattr(self, attr)
        return out


@dataclass(slots=True)
class Appliance:
    appliance_id: str
    store_uuid: str
    mac_address: str
    private_ip: str = ""
    public_ip: str = ""
    static_ip: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "appliance_id": self.appliance_id,
            "store_uuid": self.store_uuid,
            "mac_address": self.mac_address,
            "private_ip": self.private_ip,
            "network_configuration": _network(self.static_ip, self.private_ip),
            "public_ip": self.public_ip,
        }


@dataclass(slots=True)
class Camera:
    type: int  # 0 monocular, 1 Aurora, 2 Xovis / Brickstream
    device_id: str
    device_name: str
    store_uuid: str
    appliance_id: str
    vendor: str
    model: str
    last_heard: str
    serial_number: str = ""
    private_ip: str = ""
    public_ip: str = ""
    static_ip: bool = False
    video_channel_uuids: list[str] = field(default_factory=list)
    configuration_summary: dict[str, Any] = field(default_factory=dict)
    traffic_line_count: int = 0
    dwell_zone_count: int = 0
    direction_line_configured: bool = False
    height: int | None = None
    # Set when the camera stopped reporting (a scenario, see World.take_camera_offline):
    # its last_heard then stays there while the clock moves on.
    offline_since: datetime | None = None

    def heard_at(self, now: datetime) -> str:
        """last_heard at `now`: a camera online reports every few minutes (a stable
        per-device lag of 0-179 s, so a long demo never drifts into "offline")."""
        if self.offline_since is not None:
            at = self.offline_since
        else:
            at = now - timedelta(seconds=sum(self.device_id.encode()) % 180)
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        """`now`: the simulator's clock, for a live last_heard (the seeded one otherwise)."""
        out: dict[str, Any] = {
            "type": self.type,
            "device_id": self.device_id,
            "device_name": self.device_name,
            "store_uuid": self.store_uuid,
            "appliance_id": self.appliance_id,
            "vendor": self.vendor,
            "model": self.model,
            "private_ip": self.private_ip,
            "public_ip": self.public_ip,
            "last_heard": self.last_heard if now is None else self.heard_at(now),
            "serial_number": self.serial_number,
            "network_configuration": _network(self.static_ip, self.private_ip),
            "video_channel_uuids": list(self.video_channel_uuids),
            "video_channel_count": len(self.video_channel_uuids),
            "configuration_summary": dict(self.configuration_summary),
            "analytics": {
                "traffic_line_count": self.traffic_line_count,
                "dwell_zone_count": self.dwell_zone_count,
                "direction_line_configured": self.direction_line_configured,
            },
        }
        if self.height is not None:
            out["height"] = self.height
        return out


@dataclass(slots=True)
class ChannelRec:
    uuid: str
    name: str
    device_id: str  # the camera producing it
    appliance_id: str  # "" for cloud-connected cameras
    store_uuid: str
    resolution: str
    frame_rate: int
    record_on_motion: bool = True
    recording_enabled: bool = True
    blur_video: bool = False
    snapshot_enabled: bool = True
    snapshot_interval_secs: int = 300
    snapshot_resolution: str = "1400x1050"
    retention_days: tuple[int, int] = (0, 0)

    @property
    def width_height(self) -> tuple[int, int]:
        w, _, h = self.resolution.partition("x")
        return int(w), int(h)

    def to_json(self) -> dict[str, Any]:
        return {
            "channel_uuid": self.uuid,
            "name": self.name,
            "device_id": self.device_id,
            "resolution": self.resolution,
            "frame_rate": self.frame_rate,
            "record_on_motion": self.record_on_motion,
            "minimum_retention_days": self.retention_days[0],
            "maximun_retention_days": self.retention_days[1],  # sic, as the API spells it
            "blur_video": self.blur_video,
            "recording_enabled": self.recording_enabled,
            "snapshot_enabled": self.snapshot_enabled,
            "snapshot_interval_secs": self.snapshot_interval_secs,
            "snapshot_resolution": self.snapshot_resolution,
        }


@dataclass(slots=True)
class Alert:
    uuid: str
    type: str
    description: str
    severity: str
    store_uuid: str
    store_name: str
    subject_id: str
    subject_name: str
    created: datetime  # aware, store-local
    event_time: datetime
    resolved_time: datetime | None = None
    obsolete: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "alert_creation_time": self.created.isoformat(timespec="milliseconds"),
            "description": self.description,
            "event_time": self.event_time.isoformat(timespec="seconds"),
            "resolved": self.resolved_time is not None,
            "resolved_time": (self.resolved_time.isoformat(timespec="milliseconds") if self.resolved_time else None),
            "severity": "resolved" if self.resolved_time is not None else self.severity,
            "store_uuid": self.store_uuid,
            "store_name": self.store_name,
            "subject_id": self.subject_id,
            "subject_name": self.subject_name,
            "type": self.type,
            "uuid": self.uuid,
            "obsolete": self.obsolete,
        }


@dataclass(slots=True)
class Adjustment:
    store_uuid: str
    at: datetime  # aware UTC
    count: int
    store_day: date | None = None  # the (local) day the store day it falls in opened


def request_key(path: str) -> str:
    """The `World.requests` key of a path: the path itself, except that every HLS
    segment (`/v1/hls/<channel>/<seq>.ts`, a new path every few seconds of a
    stream) counts under `/v1/hls/<channel>/segments`, so the counter stays bounded."""
    if path.startswith(HLS_PREFIX):
        channel, slash, _ = path[len(HLS_PREFIX) :].partition("/")
        if slash:
            return f"{HLS_PREFIX}{channel}/segments"
    return path


def _network(static: bool, ip: str) -> dict[str, Any]:
    if not static:
        return {"mode": 0, "ip": "", "gateway": "", "dns": "", "ntp": ""}
    gateway = ip.rsplit(".", 1)[0] + ".1"
    return {"mode": 1, "ip": ip, "gateway": gateway, "dns": gateway, "ntp": "pool.ntp.org"}


class World:
    def __init__(self, seed: int, organization_uuid: str, today: date) -> None:
        self.seed = seed
        self.organization_uuid = organization_uuid
        self.nodes: dict[str, Node] = {}
        self._children: dict[str, list[str]] = {}
        self.cameras: list[Camera] = []
        self.channels: dict[str, ChannelRec] = {}
        self.appliances: list[Appliance] = []
        self.alerts: list[Alert] = []
        self.adjustments: list[Adjustment] = []
        # Store uuid -> aware instant its people counting stopped (a scenario: traffic
        # reads zero from then on, see traffic.store_series).
        self.counting_stopped: dict[str, datetime] = {}
        # path -> producer of the bytes (made on first download, then kept)
        self.files: dict[str, Callable[[], bytes]] = {}
        self._file_cache: dict[str, bytes] = {}
        # Traffic exists from here on: two years of history before the world was made.
        self.history_start: date = today - timedelta(days=730)
        self.holidays: frozenset[tuple[int, int]] = frozenset({(1, 1), (12, 25)})
        # request_key(path) -> requests received; read and written under `lock`
        self.requests: Counter[str] = Counter()
        self.lock = threading.RLock()

    # ------------------------------------------------------------ tree
    def add(self, node: Node) -> Node:
        with self.lock:
            self.nodes[node.uuid] = node
            self._children.setdefault(node.uuid, [])
            if node.parent_uuid is not None:
                self._children.setdefault(node.parent_uuid, []).append(node.uuid)
        return node

    def move(self, uuid: str, new_parent: str) -> None:
        with self.lock:
            node = self.nodes[uuid]
            if node.parent_uuid is not None:
                siblings = self._children.get(node.parent_uuid, [])
                if uuid in siblings:
                    siblings.remove(uuid)
            node.parent_uuid = new_parent
            self._children.setdefault(new_parent, []).append(uuid)

    def children(self, uuid: str) -> list[Node]:
        with self.lock:
            return [self.nodes[c] for c in self._children.get(uuid, ())]

    def walk(self, root: str) -> Iterator[Node]:
        """`root` and everything below it, parents before children."""
        with self.lock:
            stack = [root]
            order: list[Node] = []
            while stack:
                uuid = stack.pop()
                node = self.nodes.get(uuid)
                if node is not None:
                    order.append(node)
                stack.extend(reversed(self._children.get(uuid, ())))
        return iter(order)

    def ancestors(self, uuid: str) -> list[Node]:
        out = []
        with self.lock:
            node = self.nodes.get(uuid)
            seen = set()
            while node is not None and node.parent_uuid and node.parent_uuid not in seen:
                seen.add(node.parent_uuid)
                node = self.nodes.get(node.parent_uuid)
                if node is not None:
                    out.append(node)
        return out

    def is_descendant(self, uuid: str, of: str) -> bool:
        return any(a.uuid == of for a in self.ancestors(uuid))

    def store_of(self, uuid: str) -> Node | None:
        """The store a node belongs to (itself when it is one)."""
        node = self.nodes.get(uuid)
        if node is not None and node.is_store:
            return node
        return next((a for a in self.ancestors(uuid) if a.is_store), None)

    def stores(self) -> list[Node]:
        with self.lock:
            return [n for n in self.nodes.values() if n.location_type == "store"]

    def stores_under(self, uuid: str) -> list[Node]:
        return [n for n in self.walk(uuid) if n.location_type == "store"]

    def channels_under(self, uuid: str) -> list[ChannelRec]:
        """Video channels of every store at or below `uuid` (an HLS token's scope)."""
        stores = {s.uuid for s in self.stores_under(uuid)}
        store = self.store_of(uuid)
        if store is not None:
            stores.add(store.uuid)
        return [c for c in self.channels.values() if c.store_uuid in stores]

    def appliance(self, appliance_id: str) -> Appliance | None:
        return next((a for a in self.appliances if a.appliance_id == appliance_id), None)

    def name_counts(self) -> Counter[str]:
        with self.lock:
            return Counter(n.name for n in self.nodes.values() if n.type == "location")

    def qualified_name(self, node: Node, counts: Counter[str] | None = None) -> str:
        """The name, or "Parent / Name" when another location has the same name."""
        counts = counts if counts is not None else self.name_counts()
        if counts[node.name] <= 1:
            return node.name
        parent = self.nodes.get(node.parent_uuid or "")
        return f"{parent.name} / {node.name}" if parent else node.name

    # ------------------------------------------------------------ scenarios
    def take_camera_offline(self, device_id: str, since: datetime) -> None:
        """The camera stops reporting at `since` (aware): its last_heard stays there."""
        with self.lock:
            self._camera(device_id).offline_since = since

    def bring_camera_online(self, device_id: str) -> None:
        with self.lock:
            self._camera(device_id).offline_since = None

    def stop_counting(self, store_uuid: str, since: datetime) -> None:
        """The store's counters count nobody from `since` (aware) on, while their
        cameras keep reporting: the failure that silently empties traffic reports."""
        if since.tzinfo is None:
            raise ValueError("stop_counting() needs an aware datetime")
        with self.lock:
            self.counting_stopped[store_uuid] = since

    def resume_counting(self, store_uuid: str) -> None:
        with self.lock:
            self.counting_stopped.pop(store_uuid, None)

    def _camera(self, device_id: str) -> Camera:
        camera = next((c for c in self.cameras if c.device_id == device_id), None)
        if camera is None:
            raise KeyError(device_id)
        return camera

    # ------------------------------------------------------------ hours
    def hours_on(self, store: Node, day: date) -> Hours | None:
        """Store hours of the store day that opens on `day` (local), None when closed."""
        if store.hours is None:
            return None
        if store.closed_on_holidays and (day.month, day.day) in self.holidays:
            return None
        if store.archive_date is not None and day.isoformat() >= store.archive_date[:10]:
            return None
        return store.hours.get(day.weekday())

    # ------------------------------------------------------------ requests
    def count_request(self, path: str) -> None:
        # Under the lock: tests sum over requests.items() from their own threads,
        # and a new key mid-iteration would raise there.
        key = request_key(path)
        with self.lock:
            self.requests[key] += 1

    # ------------------------------------------------------------ files
    def file_bytes(self, path: str) -> bytes | None:
        with self.lock:
            if path in self._file_cache:
                return self._file_cache[path]
            producer = self.files.get(path)
            if producer is None:
                return None
            data = producer()
            self._file_cache[path] = data
            return data

    def location_count(self) -> int:
        with self.lock:
            return sum(1 for n in self.nodes.values() if n.type == "location")
