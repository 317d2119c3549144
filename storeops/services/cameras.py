"""The camera inventory a store manager reads: cameras, video channels, appliances
and health alerts of the chain, joined and put into words. No Qt.

One `CamerasService.load()` reads the four inventory lists at once (cameras, channels
and appliances through their pages, health alerts newest first until they are older
than ALERT_HISTORY) and returns an `Inventory` of plain rows: which store each thing
belongs to, whether a camera is offline (not heard for OFFLINE_AFTER), what a channel
records, which alerts are still open. Filtering and sorting are the view's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from storeops.api.models import Appliance, Camera, Channel, HealthAlert, Location
from storeops.services.store_hours import utc_now

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient
    from storeops.services.counting_check import CountingReport

T = TypeVar("T")

#: A camera not heard from for longer is offline (devices report every few minutes).
OFFLINE_AFTER = timedelta(minutes=30)
#: Health alerts older than this are not read (the list is newest first).
ALERT_HISTORY = timedelta(days=30)

#: The reference's device types.
TYPE_WORDS = {0: "Video camera", 1: "Aurora sensor", 2: "3D people counter"}
#: Unresolved alerts first, the worst first; resolved ones last.
SEVERITY_RANK = {"critical": 0, "error": 0, "warning": 1, "info": 2, "resolved": 3}
UNKNOWN_STORE = "(no store)"


def type_words(kind: int) -> str:
    return TYPE_WORDS.get(kind, f"Device type {kind}")


def ago(delta: timedelta) -> str:
    """'just now', '12 min ago', '3 h 5 min ago', '2 days ago'."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min ago" if rest else f"{hours} h ago"
    return f"{hours // 24} days ago"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class CameraRow:
    device_id: str
    name: str
    store_uuid: str
    store_name: str
    vendor: str
    model: str
    kind: int
    last_heard: datetime | None  # aware UTC; None: never heard
    silent_for: timedelta | None  # now - last_heard
    appliance_id: str
    channel_uuids: tuple[str, ...]
    traffic_lines: int
    dwell_zones: int
    direction_line: bool

    @property
    def type_words(self) -> str:
        return type_words(self.kind)

    @property
    def online(self) -> bool:
        return self.silent_for is not None and self.silent_for <= OFFLINE_AFTER

    @property
    def counts_traffic(self) -> bool:
        """Has a traffic line: the store's traffic counts come from it."""
        return self.traffic_lines > 0

    @property
    def heard_words(self) -> str:
        if self.silent_for is None:
            return "Never heard from"
        state = "" if self.online else "Offline — "
        return f"{state}{ago(self.silent_for)}"

    @property
    def analytics_words(self) -> str:
        parts = []
        if self.traffic_lines:
            parts.append(_plural(self.traffic_lines, "traffic line"))
        if self.dwell_zones:
            parts.append(_plural(self.dwell_zones, "dwell zone"))
        if self.direction_line:
            parts.append("direction line")
        return ", ".join(parts) or "none"


@dataclass(frozen=True)
class ChannelRow:
    channel_uuid: str
    name: str
    device_id: str
    camera_name: str
    store_uuid: str
    store_name: str
    resolution: str
    frame_rate: float | None
    recording: bool
    record_on_motion: bool
    retention_days: tuple[int, int]  # minimum, maximum; 0 = not set
    snapshot_enabled: bool
    snapshot_interval_secs: int
    snapshot_resolution: str
    camera_online: bool | None  # None: its camera is not in the inventory

    @property
    def frame_rate_words(self) -> str:
        if self.frame_rate is None:
            return "—"
        return f"{self.frame_rate:g} fps"

    @property
    def recording_words(self) -> str:
        return "Recording" if self.recording else "Not recording"

    @property
    def motion_words(self) -> str:
        if not self.recording:
            return "—"
        return "On motion" if self.record_on_motion else "Continuous"

    @property
    def retention_words(self) -> str:
        low, high = self.retention_days
        if not low and not high:
            return "Default"
        if low and high:
            return f"{low}–{high} days"
        return f"at least {low} days" if low else f"up to {high} days"

    @property
    def snapshot_words(self) -> str:
        if not self.snapshot_enabled:
            return "Off"
        every = self.snapshot_interval_secs
        cadence = f"every {every // 60} min" if every and every % 60 == 0 else f"every {every} s"
        return f"{cadence}, {self.snapshot_resolution}" if self.snapshot_resolution else cadence


@dataclass(frozen=True)
class ApplianceRow:
    appliance_id: str
    store_uuid: str
    store_name: str
    mac_address: str
    private_ip: str
    public_ip: str
    static: bool
    camera_count: int

    @property
    def network_words(self) -> str:
        return "Static IP" if self.static else "DHCP"


@dataclass(frozen=True)
class AlertRow:
    uuid: str
    store_uuid: str
    store_name: str
    kind: str
    description: str
    severity: str
    subject_name: str
    created: datetime | None
    event_time: datetime | None
    resolved: bool
    resolved_time: datetime | None
    obsolete: bool

    @property
    def open(self) -> bool:
        return not self.resolved and not self.obsolete

    @property
    def rank(self) -> int:
        """Sort rank: open alerts by severity, then resolved or obsolete ones."""
        if not self.open:
            return 9
        return SEVERITY_RANK.get(self.severity.lower(), 5)

    @property
    def state_words(self) -> str:
        if self.obsolete:
            return "Obsolete"
        if self.resolved:
            return "Resolved"
        return "Open"

    @property
    def severity_words(self) -> str:
        return (self.severity or "unknown").capitalize() if self.open else "—"


@dataclass(frozen=True)
class StoreCounts:
    store_uuid: str
    store_name: str
    cameras: int = 0
    offline: int = 0
    channels: int = 0
    not_recording: int = 0
    appliances: int = 0
    open_alerts: int = 0

    @property
    def words(self) -> str:
        text = f"{_plural(self.cameras, 'camera')}"
        if self.offline:
            text += f" ({self.offline} offline)"
        text += f", {_plural(self.channels, 'channel')}, {_plural(self.appliances, 'appliance')}"
        if self.open_alerts:
            text += f", {_plural(self.open_alerts, 'open alert')}"
        return text


@dataclass(frozen=True)
class Inventory:
    read_at: datetime
    cameras: list[CameraRow] = field(default_factory=list)
    channels: list[ChannelRow] = field(default_factory=list)
    appliances: list[ApplianceRow] = field(default_factory=list)
    alerts: list[AlertRow] = field(default_factory=list)  # open first, worst first, newest first
    store_names: dict[str, str] = field(default_factory=dict)

    def counts(self, store_uuids: Iterable[str] | None = None) -> list[StoreCounts]:
        """Per store (all stores with anything, or the ones asked for), by name."""
        wanted = set(store_uuids) if store_uuids is not None else None
        tally: dict[str, dict[str, int]] = {}

        def bump(store: str, key: str, by: int = 1) -> None:
            if wanted is None or store in wanted:
                tally.setdefault(store, {})[key] = tally.get(store, {}).get(key, 0) + by

        for camera in self.cameras:
            bump(camera.store_uuid, "cameras")
            bump(camera.store_uuid, "offline", 0 if camera.online else 1)
        for channel in self.channels:
            bump(channel.store_uuid, "channels")
            bump(channel.store_uuid, "not_recording", 0 if channel.recording else 1)
        for appliance in self.appliances:
            bump(appliance.store_uuid, "appliances")
        for alert in self.alerts:
            if alert.open:
                bump(alert.store_uuid, "open_alerts")
        rows = [StoreCounts(uuid, self.store_name(uuid), **values) for uuid, values in tally.items()]
        return sorted(rows, key=lambda r: r.store_name.casefold())

    def store_name(self, uuid: str) -> str:
        return self.store_names.get(uuid) or (uuid or UNKNOWN_STORE)

    def camera(self, device_id: str) -> CameraRow | None:
        return next((c for c in self.cameras if c.device_id == device_id), None)

    def channel(self, channel_uuid: str) -> ChannelRow | None:
        return next((c for c in self.channels if c.channel_uuid == channel_uuid), None)

    def offline_cameras(self) -> list[CameraRow]:
        return [c for c in self.cameras if not c.online]


def build_inventory(
    now: datetime,
    cameras: Iterable[Camera],
    channels: Iterable[Channel],
    appliances: Iterable[Appliance],
    alerts: Iterable[HealthAlert],
    store_names: Mapping[str, str],
) -> Inventory:
    """Join the four lists (pure: the tests feed it what the simulator answered)."""
    names = dict(store_names)
    for alert in alerts:  # alerts name their store: a fallback for stores not listed
        if alert.store_uuid and alert.store_name:
            names.setdefault(alert.store_uuid, alert.store_name)

    def name_of(uuid: str | None) -> str:
        return names.get(uuid or "") or (uuid or UNKNOWN_STORE)

    camera_rows = []
    for cam in cameras:
        heard = cam.last_heard.astimezone(UTC) if cam.last_heard is not None else None
        analytics = cam.analytics
        camera_rows.append(
            CameraRow(
                device_id=cam.device_id,
                name=cam.device_name or cam.device_id,
                store_uuid=cam.store_uuid or "",
                store_name=name_of(cam.store_uuid),
                vendor=cam.vendor,
                model=cam.model,
                kind=cam.type,
                last_heard=heard,
                silent_for=max(now - heard, timedelta(0)) if heard is not None else None,
                appliance_id=cam.appliance_id,
                channel_uuids=tuple(cam.video_channel_uuids),
                traffic_lines=analytics.traffic_line_count if analytics else 0,
                dwell_zones=analytics.dwell_zone_count if analytics else 0,
                direction_line=analytics.direction_line_configured if analytics else False,
            )
        )
    by_device = {c.device_id: c for c in camera_rows}
    channel_rows = []
    for ch in channels:
        owner = by_device.get(ch.device_id)
        store = owner.store_uuid if owner else ""
        channel_rows.append(
            ChannelRow(
                channel_uuid=ch.channel_uuid,
                name=ch.name or ch.channel_uuid,
                device_id=ch.device_id,
                camera_name=owner.name if owner else ch.device_id,
                store_uuid=store,
                store_name=name_of(store),
                resolution=ch.resolution,
                frame_rate=ch.frame_rate,
                recording=ch.recording_enabled,
                record_on_motion=ch.record_on_motion,
                retention_days=(ch.minimum_retention_days, ch.maximum_retention_days),
                snapshot_enabled=ch.snapshot_enabled,
                snapshot_interval_secs=ch.snapshot_interval_secs,
                snapshot_resolution=ch.snapshot_resolution,
                camera_online=owner.online if owner else None,
            )
        )
    per_appliance: dict[str, int] = {}
    for camera in camera_rows:
        if camera.appliance_id:
            per_appliance[camera.appliance_id] = per_appliance.get(camera.appliance_id, 0) + 1
    appliance_rows = [
        ApplianceRow(
            appliance_id=a.appliance_id,
            store_uuid=a.store_uuid or "",
            store_name=name_of(a.store_uuid),
            mac_address=a.mac_address,
            private_ip=a.private_ip,
            public_ip=a.public_ip,
            static=bool(a.network_configuration and a.network_configuration.mode == 1),
            camera_count=per_appliance.get(a.appliance_id, 0),
        )
        for a in appliances
    ]
    alert_rows = [
        AlertRow(
            uuid=a.uuid,
            store_uuid=a.store_uuid or "",
            store_name=a.store_name or name_of(a.store_uuid),
            kind=a.type,
            description=a.description,
            severity=a.severity,
            subject_name=a.subject_name or a.subject_id,
            created=a.alert_creation_time,
            event_time=a.event_time,
            resolved=a.resolved,
            resolved_time=a.resolved_time,
            obsolete=a.obsolete,
        )
        for a in alerts
    ]
    alert_rows.sort(key=_alert_order)
    return Inventory(now, camera_rows, channel_rows, appliance_rows, alert_rows, names)


def _alert_order(alert: AlertRow) -> tuple[int, float]:
    created = alert.created.timestamp() if alert.created is not None else 0.0
    return (alert.rank, -created)


async def _collect(items: AsyncIterator[T], keep: Callable[[T], bool] | None = None) -> list[T]:
    """Every item; with `keep`, up to the first item it refuses (lists newest first)."""
    out: list[T] = []
    async for item in items:
        if keep is not None and not keep(item):
            break
        out.append(item)
    return out


class CamerasService:
    """Reads the inventory of the chain. `now`: the clock "offline" is measured by."""

    def __init__(self, client: RetailNextClient, *, now: Callable[[], datetime] = utc_now) -> None:
        self.client = client
        self.now = now

    async def stores(self) -> list[Location]:
        """The chain's live stores (for a caller without the shared store list yet)."""
        from storeops.services.stores import load_stores

        return await load_stores(self.client)

    async def load(self, stores: Iterable[Location] = ()) -> Inventory:
        """`stores`: the chain's stores, for their names. Raises ApiError when a
        list cannot be read (the view keeps what it showed)."""
        now = self.now()
        since = now - ALERT_HISTORY

        def recent(alert: HealthAlert) -> bool:
            return alert.alert_creation_time is None or alert.alert_creation_time >= since

        cameras, channels, appliances, alerts = await asyncio.gather(
            _collect(self.client.cameras()),
            _collect(self.client.channels()),
            _collect(self.client.appliances()),
            _collect(self.client.health_alerts(), recent),
        )
        names = {s.uuid: s.name for s in stores}
        return build_inventory(now, cameras, channels, appliances, alerts, names)

    async def check_counting(self, inventory: Inventory, stores: Iterable[Location]) -> CountingReport:
        """The counting check (storeops.services.counting_check) of the open stores,
        from `inventory` and the traffic of the last hour."""
        from storeops.services.counting_check import check_counting

        return await check_counting(self.client, inventory, list(stores), self.now())
