"""Builders for POST v2/datamine bodies, and flattening of its answers to rows.

The builders produce exactly the JSON of the reference's examples, e.g.

    DatamineRequest(
        locations=[store],
        metrics=["traffic_in", "traffic_out"],
        date_ranges=[DateRange(DateSpec.relative(add_weeks=-1),
                               DateSpec.relative(base=DateSpec.named("now"), truncate_to="week"))],
        time_ranges=[TimeRange.store_hours()],
        group_bys=[GroupBy.date("days", 1)],
        time_zone="America/Los_Angeles",
    ).to_body()

Rules the reference states are checked before sending (ValidationError).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from storeops.api.errors import ValidationError
from storeops.api.models import DataGroup, DatamineResult, MetricResult

TRUNCATE_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
RELATIVE_ADDS = ("years", "quarters", "months", "weeks", "days", "hours", "minutes", "seconds")
ABSOLUTE_PARTS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
DATE_GROUP_UNITS = ("days", "weeks", "months", "years")
TIME_GROUP_UNITS = ("hours", "minutes")

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def gregorian_text(value: date | datetime | str) -> str:
    """yyyy-mm-ddThh:mm:ssZ. Aware datetimes are converted to UTC; naive ones and
    dates are written as they are (the API reads them as store-local days)."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


# ---------------------------------------------------------------- dates


@dataclass(frozen=True)
class DateSpec:
    """One end of a date range: a name, a gregorian date, absolute calendar
    parts, or a date relative to another."""

    body: dict[str, Any]

    @classmethod
    def named(cls, name: str) -> DateSpec:
        if not name:
            raise ValidationError("a named date needs a name such as 'today' or 'now'")
        return cls({"name": name})

    @classmethod
    def gregorian(cls, value: date | datetime | str) -> DateSpec:
        return cls({"gregorian": gregorian_text(value)})

    @classmethod
    def absolute(
        cls,
        *,
        year: int,
        quarter: int | None = None,
        month: int | None = None,
        week: int | None = None,
        day: int | None = None,
        hour: int | None = None,
        minute: int | None = None,
        second: int | None = None,
    ) -> DateSpec:
        # Checked as values: an untyped caller may pass a bool or a float.
        parts: dict[str, object] = {
            "year": year,
            "quarter": quarter,
            "month": month,
            "week": week,
            "day": day,
            "hour": hour,
            "minute": minute,
            "second": second,
        }
        body = {}
        for key in ABSOLUTE_PARTS:
            value = parts[key]
            if value is None:
                continue
            low = 0 if key in ("hour", "minute", "second") else 1  # as the reference counts
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValidationError(f"absolute date: {key} must be an integer from {low}")
            body[key] = value
        return cls({"absolute": body})

    @classmethod
    def relative(
        cls,
        base: DateSpec | None = None,
        truncate_to: str | None = None,
        *,
        add_years: int = 0,
        add_quarters: int = 0,
        add_months: int = 0,
        add_weeks: int = 0,
        add_days: int = 0,
        add_hours: int = 0,
        add_minutes: int = 0,
        add_seconds: int = 0,
    ) -> DateSpec:
        body: dict[str, Any] = {}
        if base is not None:
            body["base"] = base.to_body()
        if truncate_to is not None:
            if truncate_to not in TRUNCATE_UNITS:
                raise ValidationError(f"truncate_to must be one of {', '.join(TRUNCATE_UNITS)}")
            body["truncate_to"] = truncate_to
        adds = {
            "years": add_years,
            "quarters": add_quarters,
            "months": add_months,
            "weeks": add_weeks,
            "days": add_days,
            "hours": add_hours,
            "minutes": add_minutes,
            "seconds": add_seconds,
        }
        for unit in RELATIVE_ADDS:
            if adds[unit]:
                body[f"add_{unit}"] = int(adds[unit])
        return cls({"relative": body})

    @property
    def kind(self) -> str:
        return next(iter(self.body))

    @property
    def uses_name(self) -> bool:
        """True when a `name` date appears anywhere in it (relative bases too):
        the request then needs a time zone."""
        return _uses_name(self.body)

    @property
    def has_base(self) -> bool:
        return self.kind != "relative" or "base" in self.body["relative"]

    def to_body(self) -> dict[str, Any]:
        return copy.deepcopy(self.body)


def _uses_name(body: Any) -> bool:
    if isinstance(body, dict):
        return "name" in body or any(_uses_name(v) for v in body.values())
    return False


@dataclass(frozen=True)
class DateRange:
    from_: DateSpec
    to: DateSpec

    def __post_init__(self) -> None:
        if (
            self.from_.kind == "relative"
            and self.to.kind == "relative"
            and not (self.from_.has_base or self.to.has_base)
        ):
            raise ValidationError("a date range of two relative dates needs a base in one of them")

    @classmethod
    def days(cls, first: date, last_exclusive: date) -> DateRange:
        """Whole days from `first` up to (not including) `last_exclusive`."""
        return cls(DateSpec.gregorian(first), DateSpec.gregorian(last_exclusive))

    @property
    def uses_name(self) -> bool:
        return self.from_.uses_name or self.to.uses_name

    def to_body(self) -> dict[str, Any]:
        return {"from": self.from_.to_body(), "to": self.to.to_body()}


# ---------------------------------------------------------------- times / groups


@dataclass(frozen=True)
class TimeRange:
    body: dict[str, str]

    @classmethod
    def store_hours(cls) -> TimeRange:
        return cls({"type": "store_hours"})

    @classmethod
    def between(cls, start: str | time, until: str | time) -> TimeRange:
        start_s, until_s = _hhmm(start), _hhmm(until)
        if start_s == "24:00":
            raise ValidationError("a time range cannot start at 24:00")
        return cls({"from": start_s, "until": until_s})

    @classmethod
    def all_day(cls) -> TimeRange:
        return cls.between("00:00", "24:00")

    def to_body(self) -> dict[str, str]:
        return dict(self.body)


def _hhmm(value: str | time) -> str:
    text = value.strftime("%H:%M") if isinstance(value, time) else str(value)
    if not _HHMM.match(text):
        raise ValidationError(f"time {text!r} is not hh:mm")
    return text


@dataclass(frozen=True)
class GroupBy:
    group: str
    unit: str = ""
    value: int = 1

    @classmethod
    def location(cls) -> GroupBy:
        return cls("location", "", 1)

    @classmethod
    def day_of_week(cls) -> GroupBy:
        return cls("day_of_week", "", 1)

    @classmethod
    def date(cls, unit: str = "days", value: int = 1) -> GroupBy:
        if unit not in DATE_GROUP_UNITS:
            raise ValidationError(f"date groups are in {', '.join(DATE_GROUP_UNITS)}")
        return cls("date", unit, _positive(value))

    @classmethod
    def time(cls, unit: str = "minutes", value: int = 15) -> GroupBy:
        if unit not in TIME_GROUP_UNITS:
            raise ValidationError(f"time groups are in {', '.join(TIME_GROUP_UNITS)}")
        return cls("time", unit, _positive(value))

    def to_body(self) -> dict[str, Any]:
        return {"group": self.group, "unit": self.unit, "value": self.value}


def _positive(value: object) -> int:
    """The reference allows "any positive integer" (a 7-minute time group too)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("a group size must be a positive integer")
    return value


# ---------------------------------------------------------------- request


@dataclass
class DatamineRequest:
    locations: Sequence[str]
    metrics: Sequence[str]
    date_ranges: Sequence[DateRange]
    time_ranges: Sequence[TimeRange] = field(default_factory=list)
    group_bys: Sequence[GroupBy] = field(default_factory=list)
    time_zone: str | None = None

    def validate(self) -> None:
        if not self.locations:
            raise ValidationError("choose at least one location")
        if not self.metrics:
            raise ValidationError("choose at least one metric")
        if not self.date_ranges:
            raise ValidationError("a datamine query needs a date range")
        if not self.time_zone and any(r.uses_name for r in self.date_ranges):
            raise ValidationError("a time zone is required with named dates such as 'today'")

    def to_body(self) -> dict[str, Any]:
        self.validate()
        body: dict[str, Any] = {
            "metrics": list(self.metrics),
            "date_ranges": [r.to_body() for r in self.date_ranges],
        }
        if self.time_ranges:
            body["time_ranges"] = [t.to_body() for t in self.time_ranges]
        if self.group_bys:
            body["group_bys"] = [g.to_body() for g in self.group_bys]
        body["locations"] = list(self.locations)
        if self.time_zone:
            body["time_zone"] = self.time_zone
        return body


def current_occupancy_request(store_uuids: Iterable[str], time_zone: str) -> DatamineRequest:
    """The reference's "Query Occupancy" body: today during store hours, per store."""
    return DatamineRequest(
        locations=list(store_uuids),
        metrics=["traffic_in", "traffic_out", "total_occupancy"],
        date_ranges=[DateRange(DateSpec.named("today"), DateSpec.relative(add_days=1))],
        time_ranges=[TimeRange.store_hours()],
        group_bys=[GroupBy.location()],
        time_zone=time_zone,
    )


# ---------------------------------------------------------------- answers → rows


@dataclass(frozen=True)
class DatamineRow:
    """One data point with its groups spelled out; fields of groups the query
    did not ask for are None."""

    metric: str
    value: float | None
    validity: str | None
    location_uuid: str | None = None
    location_name: str | None = None
    day: date | None = None  # date group: first day of the group
    time: str | None = None  # time group: "hh:mm" of the group's start
    day_offset: int = 0  # -1 / +1 when store hours overlap the day before / after
    day_of_week: str | int | None = None
    index: int | None = None

    @property
    def complete(self) -> bool:
        return self.validity in (None, "complete")


def metric_rows(result: DatamineResult, metric: str) -> list[DatamineRow]:
    """Rows of one metric; raises MetricError if the server answered ok: false
    for it (the other metrics stay usable)."""
    return _rows(result.metric(metric))


def rows(result: DatamineResult, metrics: Iterable[str] | None = None) -> list[DatamineRow]:
    names = list(metrics) if metrics is not None else [m.name for m in result.metrics]
    out: list[DatamineRow] = []
    for name in names:
        out.extend(metric_rows(result, name))
    return out


def _rows(metric: MetricResult) -> list[DatamineRow]:
    out = []
    for point in metric.data:
        fields: dict[str, Any] = {}
        group = point.group
        depth = 0
        while group is not None and depth < 16:
            _read_group(group, fields)
            group = group.group
            depth += 1
        out.append(
            DatamineRow(metric=metric.name, value=point.value, validity=point.validity, index=point.index, **fields)
        )
    return out


def _read_group(group: DataGroup, fields: dict[str, Any]) -> None:
    if group.type == "location":
        fields["location_uuid"] = group.uuid
        fields["location_name"] = group.name
    elif group.type == "date":
        fields["day"] = _group_day(group.from_)
    elif group.type == "time":
        text, offset = _group_time(group.from_)
        fields["time"] = text
        if offset:
            fields["day_offset"] = offset
    elif group.type == "day_of_week":
        fields["day_of_week"] = group.value if group.value is not None else group.name


def _strip_offset(text: str) -> tuple[str, int]:
    """Timestamps of store days overlapping the day before / after carry a
    leading '-' / '+'."""
    if text[:1] == "-":
        return text[1:], -1
    if text[:1] == "+":
        return text[1:], 1
    return text, 0


def _group_day(part: dict[str, Any] | None) -> date | None:
    if not part:
        return None
    text = part.get("gregorian")
    if isinstance(text, str) and text:
        text, _ = _strip_offset(text)
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


def _group_time(part: dict[str, Any] | None) -> tuple[str | None, int]:
    if not part:
        return None, 0
    text = part.get("gregorian") or part.get("time")
    if isinstance(text, str) and text:
        text, offset = _strip_offset(text)
        if "T" in text:
            text = text.split("T", 1)[1]
        return text[:5], offset
    hour, minute = part.get("hour"), part.get("minute")
    if isinstance(hour, int):
        return f"{hour:02d}:{(minute or 0):02d}", 0
    return None, 0
