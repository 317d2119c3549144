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

Time zones. The reference reads a `gregorian` date ending in "Z" as UTC, so a
store's local day is sent with that day's UTC offset, e.g. 8 March 2026 in New
York as "2026-03-08T00:00:00-05:00" and 9 March (after the DST change) as
"2026-03-09T00:00:00-04:00". Naive dates and datetimes are store-local wall times:
they take the zone given to the builder (`time_zone=`), or else the request's
`time_zone` when the body is built; aware datetimes keep their instant (sent in
UTC, with "Z"). A naive value with no zone anywhere is sent as the reference
defines the bare form: UTC.
"""

from __future__ import annotations

import calendar
import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storeops.api.errors import ValidationError
from storeops.api.models import DataGroup, DatamineResult, MetricResult

TRUNCATE_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
RELATIVE_ADDS = ("years", "quarters", "months", "weeks", "days", "hours", "minutes", "seconds")
ABSOLUTE_PARTS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
DATE_GROUP_UNITS = ("days", "weeks", "months", "years")
TIME_GROUP_UNITS = ("hours", "minutes")

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


#: The documented longest date range: one store, and several stores (a region
#: counts as several), in years.
MAX_YEARS_ONE_STORE = 5
MAX_YEARS_SEVERAL_STORES = 2

ZoneArg = str | tzinfo | None


def zone(time_zone: str | tzinfo) -> tzinfo:
    """An IANA zone name (a store's `time_zone`) or a tzinfo, as a tzinfo."""
    if isinstance(time_zone, tzinfo):
        return time_zone
    if not time_zone:
        raise ValidationError("a time zone must be an IANA name such as 'America/New_York'")
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(f"unknown time zone: {time_zone!r}") from None


def gregorian_text(value: date | datetime | str, time_zone: ZoneArg = None) -> str:
    """An ISO 8601 instant for a `gregorian` date.

    - aware datetime: its instant, in UTC ("2026-03-08T05:00:00Z");
    - naive datetime or date with `time_zone`: that wall time in the zone, with the
      zone's UTC offset on that date ("2026-03-08T00:00:00-05:00"); a wall time the
      DST change skips or repeats takes the offset before the change (fold 0);
    - naive without `time_zone`: written with "Z", which the reference reads as UTC
      (what store hours' day fields use; for datamine give the store's zone);
    - str: sent as it is.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        wall = value.replace(microsecond=0)
    else:
        wall = datetime.combine(value, time())
    if time_zone is None:
        return wall.strftime("%Y-%m-%dT%H:%M:%SZ")
    return _with_offset(wall, zone(time_zone))


def _with_offset(wall: datetime, tz: tzinfo) -> str:
    offset = wall.replace(tzinfo=tz).utcoffset() or timedelta(0)
    # Whole minutes: old local mean times (before 1900) have seconds in their offsets.
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{wall.strftime('%Y-%m-%dT%H:%M:%S')}{sign}{hours:02d}:{mins:02d}"


@dataclass(frozen=True)
class _Wall:
    """A naive gregorian value waiting for a zone (the request's, when built)."""

    wall: datetime

    def text(self, time_zone: ZoneArg) -> str:
        return gregorian_text(self.wall, time_zone)


def _render(body: Any, time_zone: ZoneArg) -> Any:
    if isinstance(body, _Wall):
        return body.text(time_zone)
    if isinstance(body, dict):
        return {k: _render(v, time_zone) for k, v in body.items()}
    return body


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
    def gregorian(cls, value: date | datetime | str, *, time_zone: ZoneArg = None) -> DateSpec:
        """A date or datetime. `time_zone` (a store's IANA `time_zone`): the zone a
        naive value (a date is its midnight) is the wall time of; it is sent with
        that zone's UTC offset. Without it a naive value takes the request's
        `time_zone` when the body is built (UTC when there is none). An aware
        datetime keeps its instant; a string is sent as it is."""
        if isinstance(value, str):
            return cls({"gregorian": value})
        if time_zone is not None or (isinstance(value, datetime) and value.tzinfo is not None):
            return cls({"gregorian": gregorian_text(value, time_zone)})
        wall = value if isinstance(value, datetime) else datetime.combine(value, time())
        return cls({"gregorian": _Wall(wall.replace(microsecond=0))})

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
            body["base"] = copy.deepcopy(base.body)  # naive values stay placeable
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

    def to_body(self, time_zone: ZoneArg = None) -> dict[str, Any]:
        """The JSON; `time_zone` places naive gregorian values (see `gregorian`)."""
        rendered: dict[str, Any] = _render(copy.deepcopy(self.body), time_zone)
        return rendered


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
    def days(cls, first: date, last_exclusive: date, *, time_zone: ZoneArg = None) -> DateRange:
        """Whole days from `first` up to (not including) `last_exclusive`.
        `time_zone`: the store's IANA zone, whose local days these are (each end
        is sent with its own UTC offset, so a range across a DST change is right);
        without it, the request's `time_zone` (or UTC)."""
        return cls(
            DateSpec.gregorian(first, time_zone=time_zone), DateSpec.gregorian(last_exclusive, time_zone=time_zone)
        )

    @classmethod
    def between(cls, start: datetime, end: datetime, *, time_zone: ZoneArg = None) -> DateRange:
        """From `start` up to (not including) `end`: aware datetimes as instants,
        naive ones as wall times in `time_zone` (or the request's)."""
        return cls(DateSpec.gregorian(start, time_zone=time_zone), DateSpec.gregorian(end, time_zone=time_zone))

    @property
    def uses_name(self) -> bool:
        return self.from_.uses_name or self.to.uses_name

    def to_body(self, time_zone: ZoneArg = None) -> dict[str, Any]:
        return {"from": self.from_.to_body(time_zone), "to": self.to.to_body(time_zone)}

    def span_exceeds(self, years: int, time_zone: ZoneArg = None) -> bool | None:
        """True when the range is longer than `years` years, False when not, None
        when that cannot be known before sending (dates such as "now", or weeks of
        the subscription's own calendar)."""
        return _span_exceeds(self.to_body(time_zone), years, time_zone)


# ---------------------------------------------------------------- range length

# What the client can work out of a date before sending, to check the documented
# range limits; None where the answer depends on the server ("now", the
# subscription's calendar for weeks).
_TRUNCATE_CLIENT = ("year", "quarter", "month", "day", "hour", "minute", "second")


def _span_exceeds(body: dict[str, Any], years: int, time_zone: ZoneArg) -> bool | None:
    tz = zone(time_zone) if time_zone else UTC
    start, end = body["from"], body["to"]
    start_floats = "relative" in start and "base" not in start["relative"]
    end_floats = "relative" in end and "base" not in end["relative"]
    frm = to = None
    if end_floats:
        frm = _resolve(start, tz)
        to = _moved(end["relative"], frm) if frm is not None else None
    elif start_floats:
        to = _resolve(end, tz)
        frm = _moved(start["relative"], to) if to is not None else None
    else:
        frm, to = _resolve(start, tz), _resolve(end, tz)
    if frm is None or to is None:
        return None
    limit = _add_months(frm, 12 * years)
    return to.astimezone(UTC) > limit.astimezone(UTC)


def _resolve(spec: Any, tz: tzinfo, depth: int = 0) -> datetime | None:
    if not isinstance(spec, dict) or depth > 8:
        return None
    if "gregorian" in spec:
        text = spec["gregorian"]
        if not isinstance(text, str):
            return None
        try:
            parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            return None
        return parsed.astimezone(tz) if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)
    if "absolute" in spec:
        parts = spec["absolute"]
        if not isinstance(parts, dict) or "week" in parts or not isinstance(parts.get("year"), int):
            return None
        try:
            dt = _add_months(datetime(parts["year"], 1, 1, tzinfo=tz), 3 * (parts.get("quarter", 1) - 1))
            dt = _add_months(dt, parts.get("month", 1) - 1)
            return dt + timedelta(
                days=parts.get("day", 1) - 1,
                hours=parts.get("hour", 0),
                minutes=parts.get("minute", 0),
                seconds=parts.get("second", 0),
            )
        except (ValueError, OverflowError):
            return None
    rel = spec.get("relative")
    if isinstance(rel, dict) and "base" in rel:
        base = _resolve(rel["base"], tz, depth + 1)
        return _moved(rel, base) if base is not None else None
    return None


def _moved(rel: dict[str, Any], base: datetime) -> datetime | None:
    unit = rel.get("truncate_to")
    if unit is not None:
        if unit not in _TRUNCATE_CLIENT:
            return None
        base = _truncated(base, unit)
    try:
        months = 12 * rel.get("add_years", 0) + 3 * rel.get("add_quarters", 0) + rel.get("add_months", 0)
        moved = _add_months(base, months)
        return moved + timedelta(
            weeks=rel.get("add_weeks", 0),
            days=rel.get("add_days", 0),
            hours=rel.get("add_hours", 0),
            minutes=rel.get("add_minutes", 0),
            seconds=rel.get("add_seconds", 0),
        )
    except (ValueError, OverflowError):
        return None


def _truncated(dt: datetime, unit: str) -> datetime:
    if unit == "year":
        return dt.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "quarter":
        return dt.replace(month=3 * ((dt.month - 1) // 3) + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "month":
        return dt.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return dt.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "hour":
        return dt.replace(minute=0, second=0, microsecond=0)
    if unit == "minute":
        return dt.replace(second=0, microsecond=0)
    return dt.replace(microsecond=0)


def _add_months(dt: datetime, months: int) -> datetime:
    """As the reference adds months: the same day of month, or the last day of a shorter month."""
    year, month0 = divmod(dt.month - 1 + months, 12)
    year += dt.year
    day = min(dt.day, calendar.monthrange(year, month0 + 1)[1])
    return dt.replace(year=year, month=month0 + 1, day=day)


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
    #: Stores the locations cover, when the caller knows (a region covers several):
    #: picks the documented range limit. None: one store per location.
    store_count: int | None = None

    @property
    def max_years(self) -> int:
        """The documented longest range: 5 years for one store, 2 for several."""
        stores = self.store_count if self.store_count is not None else len(self.locations)
        return MAX_YEARS_ONE_STORE if stores <= 1 else MAX_YEARS_SEVERAL_STORES

    def validate(self) -> None:
        if not self.locations:
            raise ValidationError("choose at least one location")
        if not self.metrics:
            raise ValidationError("choose at least one metric")
        if not self.date_ranges:
            raise ValidationError("a datamine query needs a date range")
        if not self.time_zone and any(r.uses_name for r in self.date_ranges):
            raise ValidationError("a time zone is required with named dates such as 'today'")
        if self.time_zone:
            zone(self.time_zone)
        years = self.max_years
        for r in self.date_ranges:
            if r.span_exceeds(years, self.time_zone):
                who = "one store" if years == MAX_YEARS_ONE_STORE else "several stores"
                raise ValidationError(
                    f"the date range is too long: at most {years} years when querying {who}; "
                    "shorten the range or split it into several queries"
                )

    def to_body(self) -> dict[str, Any]:
        self.validate()
        body: dict[str, Any] = {
            "metrics": list(self.metrics),
            "date_ranges": [r.to_body(self.time_zone) for r in self.date_ranges],
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
