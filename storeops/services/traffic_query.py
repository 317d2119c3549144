"""What the Traffic pane asks for, in a store's own calendar: a range preset turned into
store-local days, a granularity (chosen automatically when not given), the comparison
period, and the datamine requests that fetch them. No Qt, no I/O.

Every "today" here is the store's local date, from the app's clock (`now`) read in the
store's time zone: a London store's Thursday starts while Los Angeles is on Wednesday.
Periods are naive store-local wall times, `end` exclusive.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from storeops.api.datamine import (
    MAX_YEARS_ONE_STORE,
    MAX_YEARS_SEVERAL_STORES,
    DatamineRequest,
    DateRange,
    GroupBy,
    TimeRange,
)
from storeops.api.errors import ValidationError
from storeops.services.store_hours import local_now

#: Predicted traffic reaches this far ahead (the reference).
MAX_FORECAST_DAYS = 31
#: Days of history the "expected so far" of today is the mean of (same weekday).
EXPECTED_WEEKS = 4


class RangePreset(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    THIS_WEEK = "this_week"
    LAST_7_DAYS = "last_7_days"
    LAST_4_WEEKS = "last_4_weeks"
    MONTH_TO_DATE = "month_to_date"
    LAST_12_MONTHS = "last_12_months"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return _PRESET_LABELS[self]


_PRESET_LABELS = {
    RangePreset.TODAY: "Today",
    RangePreset.YESTERDAY: "Yesterday",
    RangePreset.THIS_WEEK: "This week",
    RangePreset.LAST_7_DAYS: "Last 7 days",
    RangePreset.LAST_4_WEEKS: "Last 4 weeks",
    RangePreset.MONTH_TO_DATE: "Month to date",
    RangePreset.LAST_12_MONTHS: "Last 12 months",
    RangePreset.CUSTOM: "Custom…",
}


class Granularity(StrEnum):
    MIN15 = "15min"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    @property
    def label(self) -> str:
        return {"15min": "15 min", "hour": "Hour", "day": "Day", "week": "Week", "month": "Month"}[self.value]

    @property
    def seconds(self) -> int:
        """The nominal width of one interval (a month counts as 30 days)."""
        return {"15min": 900, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400}[self.value]

    @property
    def intraday(self) -> bool:
        return self in (Granularity.MIN15, Granularity.HOUR)

    def group_bys(self) -> list[GroupBy]:
        if self is Granularity.MIN15:
            return [GroupBy.date("days", 1), GroupBy.time("minutes", 15)]
        if self is Granularity.HOUR:
            return [GroupBy.date("days", 1), GroupBy.time("hours", 1)]
        if self is Granularity.DAY:
            return [GroupBy.date("days", 1)]
        if self is Granularity.WEEK:
            return [GroupBy.date("weeks", 1)]
        return [GroupBy.date("months", 1)]


GRANULARITY_ORDER = (Granularity.MIN15, Granularity.HOUR, Granularity.DAY, Granularity.WEEK, Granularity.MONTH)


class Comparison(StrEnum):
    NONE = "none"
    PREVIOUS = "previous"
    LAST_YEAR = "last_year"

    @property
    def label(self) -> str:
        return {"none": "No comparison", "previous": "Previous period", "last_year": "Same period last year"}[
            self.value
        ]


@dataclass(frozen=True)
class Period:
    """Store-local wall times; `end` exclusive."""

    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return max(1, (self.end - self.start).days)

    def includes(self, day: date) -> bool:
        return self.start.date() <= day < self.end.date()

    def label(self) -> str:
        last = (self.end - timedelta(seconds=1)).date()
        first = self.start.date()
        if first == last:
            return f"{first:%a %d %b %Y}"
        if first.year == last.year:
            return f"{first:%d %b} – {last:%d %b %Y}"
        return f"{first:%d %b %Y} – {last:%d %b %Y}"


@dataclass(frozen=True)
class TrafficQuery:
    """What to chart. `scope` is a store's or a region's uuid. `granularity` None: the
    automatic choice for the range. `custom`: first and last day (inclusive) for the
    CUSTOM preset. `forecast_days`: coming days of predicted traffic (0: none)."""

    scope: str
    preset: RangePreset = RangePreset.LAST_7_DAYS
    granularity: Granularity | None = None
    store_hours_only: bool = True
    comparison: Comparison = Comparison.PREVIOUS
    custom: tuple[date, date] | None = None
    forecast_days: int = 7
    region: bool = False

    def with_(self, **changes: object) -> TrafficQuery:
        return replace(self, **changes)  # type: ignore[arg-type]


def add_months(day: date, months: int) -> date:
    """Same day of month, truncated to the last day of a shorter month (as the API adds months)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return day.replace(year=year, month=month0 + 1, day=min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def week_start(day: date) -> date:
    """Weeks start on Sunday, the API's default calendar."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def store_today(now_utc: datetime, time_zone: str | None) -> datetime:
    """The store's local wall time now (naive)."""
    return local_now(now_utc, time_zone)


def resolve_period(query: TrafficQuery, now_local: datetime) -> Period:
    """The preset as store-local days. Ranges that contain today end at tomorrow's
    midnight: the API answers only completed intervals, and the chart's axis shows the
    whole day with the forecast in it."""
    today = now_local.date()
    tomorrow = today + timedelta(days=1)
    preset = query.preset
    if preset is RangePreset.TODAY:
        first, end = today, tomorrow
    elif preset is RangePreset.YESTERDAY:
        first, end = today - timedelta(days=1), today
    elif preset is RangePreset.THIS_WEEK:
        first = week_start(today)
        end = first + timedelta(days=7)
    elif preset is RangePreset.LAST_7_DAYS:
        first, end = today - timedelta(days=6), tomorrow
    elif preset is RangePreset.LAST_4_WEEKS:
        first, end = today - timedelta(days=27), tomorrow
    elif preset is RangePreset.MONTH_TO_DATE:
        first, end = today.replace(day=1), tomorrow
    elif preset is RangePreset.LAST_12_MONTHS:
        first, end = add_months(tomorrow, -12), tomorrow
    else:
        if query.custom is None:
            raise ValidationError("choose the first and last day of the custom range")
        first, last = query.custom
        if last < first:
            raise ValidationError("the last day is before the first day")
        if first > today:
            raise ValidationError("the custom range starts in the future: there is no traffic yet")
        end = last + timedelta(days=1)
    years = MAX_YEARS_SEVERAL_STORES if query.region else MAX_YEARS_ONE_STORE
    if end > add_months(first, 12 * years):
        what = "several stores" if query.region else "one store"
        raise ValidationError(f"the range is too long: at most {years} years for {what}")
    return Period(datetime.combine(first, time()), datetime.combine(end, time()))


def auto_granularity(period: Period) -> Granularity:
    days = period.days
    if days <= 2:
        return Granularity.MIN15
    if days <= 10:
        return Granularity.HOUR
    if days <= 120:
        return Granularity.DAY
    return Granularity.WEEK


def granularity_of(query: TrafficQuery, period: Period) -> Granularity:
    return query.granularity or auto_granularity(period)


def comparison_period(query: TrafficQuery, period: Period) -> Period | None:
    """Previous period: as long, just before (months for month-based presets, so March
    to date compares with February to the same day). Same period last year: 52 weeks
    earlier, so weekdays line up (a Saturday compares with a Saturday), or 12 months
    for month-based presets."""
    by_months = query.preset in (RangePreset.MONTH_TO_DATE, RangePreset.LAST_12_MONTHS)
    if query.comparison is Comparison.NONE:
        return None
    if query.comparison is Comparison.PREVIOUS:
        if by_months:
            months = 12 if query.preset is RangePreset.LAST_12_MONTHS else 1
            return _shift_months(period, -months)
        return Period(period.start - (period.end - period.start), period.start)
    if by_months:
        return _shift_months(period, -12)
    return Period(period.start - timedelta(days=364), period.end - timedelta(days=364))


def _shift_months(period: Period, months: int) -> Period:
    start = add_months(period.start.date(), months)
    end = add_months(period.end.date(), months)
    return Period(datetime.combine(start, time()), datetime.combine(max(end, start + timedelta(days=1)), time()))


def date_range(period: Period, time_zone: str | None) -> DateRange:
    """Store-local wall times as the API reads them: each end with the store zone's UTC
    offset on that date (a range across a DST change is right at both ends)."""
    return DateRange.between(period.start, period.end, time_zone=time_zone or "UTC")


def datamine_request(
    locations: list[str],
    period: Period,
    group_bys: list[GroupBy],
    *,
    time_zone: str | None,
    store_hours_only: bool,
    store_count: int | None = None,
) -> DatamineRequest:
    """`store_count`: the stores a region's request stands for (its range limit is the
    one for several stores even when a time zone holds only one of them)."""
    return DatamineRequest(
        locations=list(locations),
        metrics=["traffic_in", "traffic_out"],
        date_ranges=[date_range(period, time_zone)],
        time_ranges=[TimeRange.store_hours() if store_hours_only else TimeRange.all_day()],
        group_bys=group_bys,
        time_zone=time_zone,
        store_count=store_count,
    )
