"""Typed shapes of the RetailNext API answers and requests.

Models ignore unknown fields (the cloud adds fields over time) and accept the
documented nulls. They are plain data: no I/O, no Qt.
"""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from storeops.api.errors import MetricError


class ApiModel(BaseModel):
    # allow_inf_nan: a NaN or an infinite count, area or frame rate in an answer
    # is a broken answer, not a number to chart or sum.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=False, allow_inf_nan=False)


# ---------------------------------------------------------------- locations


class LocationType(StrEnum):
    STORE = "store"
    REGION = "region"
    ENTRANCE = "entrance"
    FITTING_ROOM = "fitting_room"
    DISPLAY = "display"
    OTHER = "other"
    # Nodes above regions (the subscription's organization node) and any type
    # the cloud adds later are kept as plain strings; see Location.location_type.


SUBLOCATION_TYPES = frozenset(
    {LocationType.ENTRANCE, LocationType.FITTING_ROOM, LocationType.DISPLAY, LocationType.OTHER}
)

EXTRA_FIELDS = (
    "store.time_zone",
    "store.store_id",
    "store.pos_id",
    "store.pos_division_id",
    "store.staff_hour_id",
    "store.occupancy_limit",
    "store.validated_address",
)


class Location(ApiModel):
    uuid: str
    name: str = ""
    type: str = "location"  # node type: location, video, traffic, pos
    location_type: str | None = None
    parent_uuid: str | None = None
    area: float | None = None
    archive_date: str | None = None
    # extra fields, present only when asked for
    store_id: str | None = None
    occupancy_limit: int | None = None
    time_zone: str | None = None
    pos_id: str | None = None
    pos_division_id: str | None = None
    staff_hour_id: str | None = None
    validated_address: Any = None
    # sublocations
    aggregate_to_parent: bool | None = None
    aggregate_to_store: bool | None = None

    @property
    def is_store(self) -> bool:
        return self.location_type == LocationType.STORE

    @property
    def is_region(self) -> bool:
        return self.location_type == LocationType.REGION

    @property
    def is_sublocation(self) -> bool:
        return self.location_type in SUBLOCATION_TYPES

    @property
    def archived(self) -> bool:
        return self.archive_date is not None


class LocationAnswer(ApiModel):
    """Answer of POST v2/location: `nodes` is a list of lists of nodes."""

    nodes: list[list[Location]] = Field(default_factory=list)

    def flat(self) -> list[Location]:
        if len(self.nodes) == 1:
            return self.nodes[0]
        return [node for group in self.nodes for node in group]


class LocationPage(ApiModel):
    """One page of GET v1/location (the reference only names the method; the
    shape is the simulator's, see storeops/simulator/__init__.py)."""

    locations: list[Location] = Field(default_factory=list)


class LocationQuery(ApiModel):
    """Body of POST v2/location."""

    extra_fields: list[str] = Field(default_factory=list)
    location_types: list[str] | None = None
    node_types: list[str] | None = None
    uuids: list[str] | None = None
    root_uuids: list[str] | None = None

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.extra_fields:
            body["extra_fields"] = list(self.extra_fields)
        where: dict[str, Any] = {}
        clauses = []
        if self.location_types:
            clauses.append({"location_types": list(self.location_types)})
        if self.node_types:
            clauses.append({"node_types": list(self.node_types)})
        if clauses:
            where["and"] = clauses
        if self.uuids:
            where["uuids"] = list(self.uuids)
        if where:
            body["where"] = where
        if self.root_uuids:
            body["root_uuids"] = list(self.root_uuids)
        return body


class LocationCreate(ApiModel):
    # What the user typed: the locations service refuses a non-finite area in
    # its own words (answers refuse them in ApiModel).
    model_config = ConfigDict(allow_inf_nan=True)

    name: str
    parent_uuid: str
    location_type: str
    area: float | None = None
    aggregate_to_parent: bool | None = None
    aggregate_to_store: bool | None = None


class LocationUpdate(ApiModel):
    """Fields left as None are not sent."""

    model_config = ConfigDict(allow_inf_nan=True)  # as LocationCreate

    name: str | None = None
    parent_uuid: str | None = None
    location_type: str | None = None
    area: float | None = None
    occupancy_limit: int | None = None
    bandwidth_limit: int | None = None
    aggregate_to_parent: bool | None = None
    aggregate_to_store: bool | None = None


# ---------------------------------------------------------------- store hours


class StoreHours(ApiModel):
    """One store day. `open` / `close` are store-local wall time: the API's
    trailing Z is documented as meaningless here, so they are naive datetimes."""

    store_uuid: str
    effective_day: datetime
    open: datetime | None = None
    close: datetime | None = None

    @field_validator("effective_day", "open", "close", mode="before")
    @classmethod
    def _drop_fake_utc(cls, value: Any) -> Any:
        if isinstance(value, str) and value.endswith("Z"):
            return value[:-1]
        return value


class StoreHoursAnswer(ApiModel):
    """Answer of POST v1/storehours: result → store uuid → day → hours.

    Records are gathered wherever they sit under `result` and filed under their
    own store_uuid: the reference's own example nests one store's day directly
    under `result`, and a misfiled day is better kept than lost."""

    result: dict[str, Any] = Field(default_factory=dict)

    def by_store(self) -> dict[str, list[StoreHours]]:
        out: dict[str, list[StoreHours]] = {}
        for key, value in self.result.items():
            if _looks_like_uuid_key(key):
                out.setdefault(key, [])  # a store with no hours in range still shows
            for record in _hours_records(value):
                out.setdefault(record.store_uuid, []).append(record)
        for days in out.values():
            days.sort(key=lambda h: h.effective_day)
        return out


def _looks_like_uuid_key(key: str) -> bool:
    return "T" not in key  # day keys are timestamps, store keys are uuids


def _hours_records(value: Any, depth: int = 0) -> list[StoreHours]:
    if not isinstance(value, dict) or depth > 3:
        return []
    if "store_uuid" in value and "effective_day" in value:
        return [StoreHours.model_validate(value)]
    out: list[StoreHours] = []
    for inner in value.values():
        out.extend(_hours_records(inner, depth + 1))
    return out


# ---------------------------------------------------------------- datamine


class Validity(StrEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    IMPUTED = "imputed"


class DataGroup(ApiModel):
    """One level of a datamine group. Date/time groups carry `from`/`through`
    (or `from`/`to`); location groups carry uuid/name/qualified_name."""

    type: str
    uuid: str | None = None
    name: str | None = None
    qualified_name: str | None = None
    from_: dict[str, Any] | None = Field(default=None, alias="from")
    through: dict[str, Any] | None = None
    to: dict[str, Any] | None = None
    value: Any = None
    group: DataGroup | None = None  # nested group-bys

    @field_validator("from_", "through", "to")
    @classmethod
    def _date_parts(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # Free-form dicts escape allow_inf_nan and every type check: their numbered
        # parts (year … second) are formatted as whole numbers downstream, so an
        # Infinity or a "5" there must be refused here, as a broken answer.
        for key, part in (value or {}).items():
            if key in _DATE_PART_NUMBERS and part is not None and (type(part) is not int):
                raise ValueError(f"{key}: a whole number was expected")
        _refuse_non_finite(value)
        return value

    @field_validator("value")
    @classmethod
    def _finite_value(cls, value: Any) -> Any:
        _refuse_non_finite(value)
        return value


_DATE_PART_NUMBERS = frozenset({"year", "quarter", "month", "week", "day", "hour", "minute", "second"})


def _refuse_non_finite(value: Any, depth: int = 0) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a number that is not finite")
    if depth < 32 and isinstance(value, dict):
        for inner in value.values():
            _refuse_non_finite(inner, depth + 1)
    elif depth < 32 and isinstance(value, list):
        for inner in value:
            _refuse_non_finite(inner, depth + 1)


class DataPoint(ApiModel):
    value: float | None = None
    validity: str | None = None
    index: int | None = None
    group: DataGroup | None = None


class MetricResult(ApiModel):
    name: str
    ok: bool = True
    # The reference only says "a further description"; accept the usual keys.
    error: str | None = Field(default=None, validation_alias=AliasChoices("error", "error_detail", "message"))
    data: list[DataPoint] = Field(default_factory=list)


class DatamineResult(ApiModel):
    ok: bool = True
    metrics: list[MetricResult] = Field(default_factory=list)

    def metric(self, name: str) -> MetricResult:
        """The named metric; MetricError if the server answered ok: false for it
        (or left it out). Other metrics of the same answer stay usable."""
        for m in self.metrics:
            if m.name == name:
                if not m.ok:
                    reason = m.error or "the server could not serve this metric"
                    raise MetricError(name, f"{name}: {reason}", detail=m.error)
                return m
        raise MetricError(name, f"{name}: missing from the server's answer")

    def require(self, name: str) -> MetricResult:
        """The same as metric()."""
        return self.metric(name)

    def failed(self) -> dict[str, str]:
        """Metrics that answered ok: false, with their error text."""
        return {m.name: m.error or "" for m in self.metrics if not m.ok}


# ---------------------------------------------------------------- occupancy


class OccupancyAdjust(ApiModel):
    store_uuid: str
    adjustment_count: int
    adjustment_time: datetime | None = None


# ---------------------------------------------------------------- predicted traffic


class Prediction(ApiModel):
    """One 15-minute interval. `time` is store-local wall time, like store
    hours: a store opening at 09:00 predicts from "09:00:00Z", so the Z cannot
    mean UTC; it is dropped and the datetime is naive."""

    time: datetime
    value: float

    @field_validator("time", mode="before")
    @classmethod
    def _drop_fake_utc(cls, value: Any) -> Any:
        if isinstance(value, str) and value.endswith("Z"):
            return value[:-1]
        return value


class PredictedTraffic(ApiModel):
    ok: bool = True
    error: str = ""
    predictions: list[Prediction] = Field(default_factory=list)


# ---------------------------------------------------------------- inventory


class NetworkConfiguration(ApiModel):
    mode: int = 0
    ip: str = ""
    gateway: str = ""
    dns: str = ""
    ntp: str = ""


class CameraAnalytics(ApiModel):
    traffic_line_count: int = 0
    dwell_zone_count: int = 0
    direction_line_configured: bool = False


class Camera(ApiModel):
    type: int
    device_id: str
    device_name: str = ""
    store_uuid: str | None = None
    appliance_id: str = ""
    vendor: str = ""
    model: str = ""
    private_ip: str = ""
    public_ip: str = ""
    last_heard: datetime | None = None
    serial_number: str = ""
    network_configuration: NetworkConfiguration | None = None
    video_channel_uuids: list[str] = Field(default_factory=list)
    video_channel_count: int = 0
    configuration_summary: dict[str, Any] = Field(default_factory=dict)
    analytics: CameraAnalytics | None = None
    height: int | None = None

    @field_validator("last_heard", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class Channel(ApiModel):
    channel_uuid: str
    name: str = ""
    device_id: str = ""
    resolution: str = ""
    frame_rate: float | None = None
    record_on_motion: bool = False
    minimum_retention_days: int = 0
    # The API spells it "maximun"; accept both.
    maximum_retention_days: int = Field(default=0, alias="maximun_retention_days")
    blur_video: bool = False
    recording_enabled: bool = False
    snapshot_enabled: bool = False
    snapshot_interval_secs: int = 0
    snapshot_resolution: str = ""


class InventoryPage(ApiModel):
    ok: bool = True
    next_page: str | None = None


class CameraPage(InventoryPage):
    cameras: list[Camera] = Field(default_factory=list)


class ChannelPage(InventoryPage):
    channels: list[Channel] = Field(default_factory=list)


class Appliance(ApiModel):
    appliance_id: str
    store_uuid: str | None = None
    mac_address: str = ""
    private_ip: str = ""
    public_ip: str = ""
    network_configuration: NetworkConfiguration | None = None


class AppliancePage(InventoryPage):
    store_appliances: list[Appliance] = Field(default_factory=list)


# ---------------------------------------------------------------- health


class HealthAlert(ApiModel):
    uuid: str
    type: str = ""
    description: str = ""
    severity: str = ""
    resolved: bool = False
    obsolete: bool = False
    alert_creation_time: datetime | None = None
    event_time: datetime | None = None
    resolved_time: datetime | None = None
    store_uuid: str | None = None
    store_name: str = ""
    subject_id: str = ""
    subject_name: str = ""


class HealthAlertPage(ApiModel):
    result: list[HealthAlert] = Field(default_factory=list)


# ---------------------------------------------------------------- downloads


class DownloadList(ApiModel):
    files: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- video


class ExportState(StrEnum):
    IN_PROGRESS = "in_progress"  # 202
    READY = "ready"  # 302
    EXPIRED = "expired"  # 404
    FAILED = "failed"  # 424


class ExportRequest(ApiModel):
    channels: list[str]
    start: datetime
    end: datetime
    analytics_overlay: bool = False
    info_overlay: bool = False
    raw: bool = False
    resolution: str | None = None  # "WxH", several channels only


class ExportStatus(ApiModel):
    export_id: str
    state: ExportState
    download_url: str | None = None  # absolute, when READY
    reason: str | None = None  # when FAILED


class HlsToken(ApiModel):
    token: str

    def __repr__(self) -> str:  # a token grants video access: keep it out of logs
        return "HlsToken(token='***')"

    __str__ = __repr__


DatePart = Literal["year", "quarter", "month", "week", "day", "hour", "minute", "second"]
