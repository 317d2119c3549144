"""Datamine date specifications: `name`, `gregorian`, `absolute` and `relative`.

A date resolves to an aware datetime (an instant) or, with no zone anywhere, to a
naive wall time each store reads in its own zone:
- `gregorian` ending in "Z" is UTC (the reference), one with an offset
  ("-05:00") is that instant; one without either is a wall time in the query's
  `time_zone`, or each store's own when the query has none;
- `name` dates are read in the query's `time_zone` (required with them);
- `absolute` dates are wall times like a bare gregorian.
When the query has a `time_zone`, instants are carried in it, so `relative`
arithmetic and `truncate_to` follow its calendar and DST ("add_days": 1 from a
midnight is the next midnight). Weeks start on Sunday, the default calendar; `to`
is exclusive. datamine.py turns each end into each store's local wall time.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storeops.simulator.errors import bad

TRUNCATE_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
_ABSOLUTE_KEYS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
_ADD_KEYS = (
    "add_years",
    "add_quarters",
    "add_months",
    "add_weeks",
    "add_days",
    "add_hours",
    "add_minutes",
    "add_seconds",
)
_NAMES = ("now", "today", "yesterday", "tomorrow", "this_week", "this_month", "this_year")
_FORMS = ("name", "gregorian", "absolute", "relative")
SUNDAY = 6  # datetime.weekday()
MIN_YEAR, MAX_YEAR = 1900, 2200


def time_zone(name: Any) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise bad("time_zone must be an IANA time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad(f"unknown time_zone: {name}") from None


def add_months(dt: datetime, months: int) -> datetime:
    """Same day of month, truncated to the last day of a shorter month."""
    year, month0 = divmod(dt.month - 1 + months, 12)
    year += dt.year
    if not 1 <= year <= 9998:
        raise bad("date out of range")
    day = min(dt.day, calendar.monthrange(year, month0 + 1)[1])
    return dt.replace(year=year, month=month0 + 1, day=day)


def week_start(dt: datetime) -> datetime:
    day = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=(day.weekday() - SUNDAY) % 7)


def truncate(dt: datetime, unit: str) -> datetime:
    """Keeps the zone: the truncation is of the wall time in it."""
    if unit == "year":
        return datetime(dt.year, 1, 1, tzinfo=dt.tzinfo)
    if unit == "quarter":
        return datetime(dt.year, 3 * ((dt.month - 1) // 3) + 1, 1, tzinfo=dt.tzinfo)
    if unit == "month":
        return datetime(dt.year, dt.month, 1, tzinfo=dt.tzinfo)
    if unit == "week":
        return week_start(dt)
    if unit == "day":
        return dt.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "hour":
        return dt.replace(minute=0, second=0, microsecond=0)
    if unit == "minute":
        return dt.replace(second=0, microsecond=0)
    if unit == "second":
        return dt.replace(microsecond=0)
    raise bad(f"truncate_to must be one of {', '.join(TRUNCATE_UNITS)}")


def utc_key(dt: datetime) -> datetime:
    """For comparing ends: an instant in UTC; a store-local wall time (no zone
    anywhere) as if it were UTC, which is exact when both ends are such."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def in_zone(dt: datetime, tz: tzinfo) -> datetime:
    """One end as a store's naive local wall time."""
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(tz).replace(tzinfo=None)


def longer_than(frm: datetime, to: datetime, years: int) -> bool:
    """Over the documented limit: `to` after `from` plus `years` calendar years."""
    return utc_key(to) > utc_key(add_months(frm, 12 * years))


class DateResolver:
    def __init__(self, tz: ZoneInfo | None, now_utc: datetime) -> None:
        self.tz = tz
        self.now_utc = now_utc

    def resolve_range(self, spec: Any) -> tuple[datetime, datetime]:
        if not isinstance(spec, dict) or "from" not in spec or "to" not in spec:
            raise bad("each date range needs 'from' and 'to'")
        start, end = spec["from"], spec["to"]
        start_floats, end_floats = _floating(start), _floating(end)
        if start_floats and end_floats:
            raise bad("relative dates need a base when both 'from' and 'to' are relative")
        if start_floats:
            to = self.resolve(end)
            frm = self._relative(start["relative"], to)
        elif end_floats:
            frm = self.resolve(start)
            to = self._relative(end["relative"], frm)
        else:
            frm, to = self.resolve(start), self.resolve(end)
        for end in (frm, to):
            if not MIN_YEAR <= end.year <= MAX_YEAR:
                raise bad(f"dates must fall between {MIN_YEAR} and {MAX_YEAR}")
        if utc_key(to) <= utc_key(frm):
            raise bad(f"empty date range: from {frm.isoformat()} is not before to {to.isoformat()}")
        return frm, to

    def resolve(self, spec: Any, depth: int = 0) -> datetime:
        if depth > 8:
            raise bad("relative dates nest too deeply")
        if not isinstance(spec, dict):
            raise bad("a date must be an object with one of: " + ", ".join(_FORMS))
        forms = [k for k in _FORMS if k in spec]
        if len(forms) != 1:
            raise bad("a date must have exactly one of: " + ", ".join(_FORMS))
        form = forms[0]
        if form == "name":
            return self._named(spec["name"])
        if form == "gregorian":
            return self._placed(_gregorian(spec["gregorian"]))
        if form == "absolute":
            return self._placed(_absolute(spec["absolute"]))
        rel = spec["relative"]
        if not isinstance(rel, dict) or "base" not in rel:
            raise bad("relative date needs a base here")
        return self._relative(rel, self.resolve(rel["base"], depth + 1))

    def _placed(self, dt: datetime) -> datetime:
        """Into the query's zone when it has one: a wall time is read there, an
        instant is carried there (relative arithmetic then follows its calendar)."""
        if self.tz is None:
            return dt
        if dt.tzinfo is None:
            return dt.replace(tzinfo=self.tz)
        return dt.astimezone(self.tz)

    def _named(self, name: Any) -> datetime:
        if self.tz is None:
            raise bad("time_zone is required when a date uses 'name'")
        if name not in _NAMES:
            raise bad(f"unknown date name: {name!r}; known: {', '.join(_NAMES)}")
        now = self.now_utc.astimezone(self.tz).replace(microsecond=0)
        today = truncate(now, "day")
        return {
            "now": now,
            "today": today,
            "yesterday": today - timedelta(days=1),
            "tomorrow": today + timedelta(days=1),
            "this_week": week_start(now),
            "this_month": truncate(now, "month"),
            "this_year": truncate(now, "year"),
        }[name]

    def _relative(self, rel: Any, base: datetime) -> datetime:
        if not isinstance(rel, dict):
            raise bad("relative must be an object")
        unknown = set(rel) - set(_ADD_KEYS) - {"base", "truncate_to"}
        if unknown:
            raise bad(f"unknown relative option(s): {', '.join(sorted(unknown))}")
        if rel.get("truncate_to") is not None:
            if not isinstance(rel["truncate_to"], str):
                raise bad("truncate_to must be a string")
            base = truncate(base, rel["truncate_to"])
        amounts = {}
        for key in _ADD_KEYS:
            value = rel.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad(f"{key} must be an integer")
            if abs(value) > 100_000:
                raise bad(f"{key} is out of range")
            amounts[key] = value
        months = 12 * amounts["add_years"] + 3 * amounts["add_quarters"] + amounts["add_months"]
        try:
            if months:
                base = add_months(base, months)
            return base + timedelta(
                weeks=amounts["add_weeks"],
                days=amounts["add_days"],
                hours=amounts["add_hours"],
                minutes=amounts["add_minutes"],
                seconds=amounts["add_seconds"],
            )
        except OverflowError:
            raise bad("date out of range") from None


def _floating(spec: Any) -> bool:
    """A relative date without a base: it counts from the other end of the range."""
    return isinstance(spec, dict) and isinstance(spec.get("relative"), dict) and "base" not in spec["relative"]


def _gregorian(value: Any) -> datetime:
    if not isinstance(value, str):
        raise bad("gregorian must be an ISO 8601 string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"  # "Z implies that the time zone is UTC"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad(f"gregorian is not an ISO 8601 date: {value!r}") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise bad(f"dates must fall between {MIN_YEAR} and {MAX_YEAR}")
    if parsed.tzinfo is not None:
        offset = parsed.utcoffset()
        if offset is None or abs(offset) >= timedelta(hours=24):
            raise bad(f"gregorian has an impossible UTC offset: {value!r}")
    return parsed


def _absolute(value: Any) -> datetime:
    if not isinstance(value, dict):
        raise bad("absolute must be an object")
    unknown = set(value) - set(_ABSOLUTE_KEYS)
    if unknown:
        raise bad(f"unknown absolute field(s): {', '.join(sorted(unknown))}")
    parts: dict[str, int] = {}
    for key in _ABSOLUTE_KEYS:
        if key not in value or value[key] is None:
            continue
        v = value[key]
        if isinstance(v, bool) or not isinstance(v, int):
            raise bad(f"absolute.{key} must be an integer")
        low = 0 if key in ("hour", "minute", "second") else 1
        if v < low or v > 100_000:
            raise bad(f"absolute.{key} out of range")
        parts[key] = v
    if "year" not in parts:
        raise bad("absolute dates need a year")
    if not MIN_YEAR <= parts["year"] <= MAX_YEAR:
        raise bad("absolute.year out of range")
    dt = datetime(parts["year"], 1, 1)
    if "quarter" in parts:
        dt = add_months(dt, 3 * (parts["quarter"] - 1))
    if "month" in parts:
        dt = add_months(dt, parts["month"] - 1)  # month 13 is January of the next year
    if "week" in parts:
        # Week 1 begins on the first week-start day on or after the enclosing period.
        dt += timedelta(days=(SUNDAY - dt.weekday()) % 7 + 7 * (parts["week"] - 1))
    dt += timedelta(
        days=parts.get("day", 1) - 1,
        hours=parts.get("hour", 0),
        minutes=parts.get("minute", 0),
        seconds=parts.get("second", 0),
    )
    return dt


def parse_iso_instant(value: Any, field: str, default_tz: ZoneInfo) -> datetime:
    """An ISO 8601 instant; a naive one is read in `default_tz`. Returns aware UTC."""
    if not isinstance(value, str):
        raise bad(f"{field} must be an ISO 8601 string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad(f"{field} is not an ISO 8601 date/time: {value!r}") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise bad(f"{field} must fall between {MIN_YEAR} and {MAX_YEAR}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)
