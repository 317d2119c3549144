"""Traffic answers as numbers to chart and sum: per-interval in/out with their validity,
totals that leave out incomplete and imputed intervals, the change against a comparison
period (over intervals complete in both), the busiest hour, predicted traffic, and the
intraday "expected so far". No Qt, no I/O.

Times are store-local wall clock, held as seconds since 1970-01-01 read as if that wall
clock were UTC ("wall seconds"): the chart then labels them as the store reads them,
and a DST change moves no point.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from storeops.api.models import DataGroup, DatamineResult, Prediction
from storeops.services.traffic_query import Granularity, Period, add_months

COMPLETE, IMPUTED, INCOMPLETE = 0, 1, 2
VALIDITY_NAMES = ("complete", "imputed", "incomplete")
_CODES = {"complete": COMPLETE, "imputed": IMPUTED, "incomplete": INCOMPLETE}
#: What each validity means, for tooltips and the note under the totals.
VALIDITY_WORDS = {
    COMPLETE: "complete",
    IMPUTED: "imputed (counts filled in by RetailNext's model after a sensor problem)",
    INCOMPLETE: "incomplete (counts lost while a sensor was down)",
}

_EPOCH = datetime(1970, 1, 1)
Floats = npt.NDArray[np.float64]


def wall_seconds(value: datetime) -> float:
    """A naive store-local wall time as chart seconds."""
    return (value.replace(tzinfo=None) - _EPOCH).total_seconds()


def wall_time(seconds: float) -> datetime:
    return _EPOCH + timedelta(seconds=float(seconds))


def validity_code(name: str | None) -> int:
    """Unknown words count as incomplete: a point nobody vouches for is not summed."""
    if name is None:
        return COMPLETE
    return _CODES.get(name, INCOMPLETE)


@dataclass
class Series:
    """Intervals in time order: [start, end) in wall seconds, counts, validity codes."""

    start: Floats
    end: Floats
    ins: Floats
    outs: Floats
    validity: npt.NDArray[np.int8]

    @classmethod
    def empty(cls) -> Series:
        z = np.zeros(0)
        return cls(z, z.copy(), z.copy(), z.copy(), np.zeros(0, dtype=np.int8))

    @classmethod
    def of(
        cls,
        start: Iterable[float],
        end: Iterable[float],
        ins: Iterable[float],
        outs: Iterable[float],
        validity: Iterable[int],
    ) -> Series:
        s = np.fromiter(start, dtype=np.float64)
        order = np.argsort(s, kind="stable")
        return cls(
            s[order],
            np.fromiter(end, dtype=np.float64)[order],
            np.fromiter(ins, dtype=np.float64)[order],
            np.fromiter(outs, dtype=np.float64)[order],
            np.fromiter(validity, dtype=np.int8)[order],
        )

    def __len__(self) -> int:
        return len(self.start)

    @property
    def complete(self) -> npt.NDArray[np.bool_]:
        return np.equal(self.validity, COMPLETE)

    def shifted(self, seconds: float) -> Series:
        return Series(self.start + seconds, self.end + seconds, self.ins, self.outs, self.validity)

    def take(self, mask: npt.NDArray[np.bool_]) -> Series:
        return Series(self.start[mask], self.end[mask], self.ins[mask], self.outs[mask], self.validity[mask])

    def at(self, seconds: float) -> int | None:
        """The index of the interval containing `seconds`, if any."""
        i = int(np.searchsorted(self.start, seconds, side="right")) - 1
        if 0 <= i < len(self) and seconds < self.end[i]:
            return i
        return None


# ---------------------------------------------------------------- answers -> series


# (location uuid, wall seconds of the interval's start): tuples hash fast, and a year of
# 15-minute points in and out is 70,000 of them.
_Key = tuple[str | None, float]


def series_from_result(result: DatamineResult, granularity: Granularity) -> Series:
    """One location's traffic_in and traffic_out, joined by interval."""
    by_location = series_by_location(result, granularity)
    if not by_location:
        return Series.empty()
    if len(by_location) == 1:
        return next(iter(by_location.values()))
    return _merge(list(by_location.values()))


def series_by_location(result: DatamineResult, granularity: Granularity) -> dict[str | None, Series]:
    """Rows of a location-grouped answer per location uuid (None: not grouped).
    MetricError if the server answered ok: false for either metric."""
    in_keys, in_values, in_codes = _points(result, "traffic_in")
    out_keys, out_values, out_codes = _points(result, "traffic_out")
    if in_keys == out_keys and len(set(in_keys)) == len(in_keys):
        # The usual answer: both metrics list the same intervals in the same order, each
        # once; joined by position instead of through a dict of 70,000 keys.
        keys = in_keys
        ins = np.array(in_values, dtype=np.float64)
        outs = np.array(out_values, dtype=np.float64)
        codes = np.maximum(np.array(in_codes, dtype=np.int8), np.array(out_codes, dtype=np.int8))
    else:
        joined: dict[_Key, list[float]] = {}
        for key, value, validity in zip(in_keys, in_values, in_codes, strict=True):
            joined[key] = [value, 0.0, validity]
        for key, value, validity in zip(out_keys, out_values, out_codes, strict=True):
            row = joined.setdefault(key, [0.0, 0.0, validity])
            row[1] = value
            row[2] = max(row[2], validity)
        keys = list(joined)
        rows = list(joined.values())
        ins = np.array([r[0] for r in rows], dtype=np.float64)
        outs = np.array([r[1] for r in rows], dtype=np.float64)
        codes = np.array([int(r[2]) for r in rows], dtype=np.int8)
    n = len(keys)
    starts = np.fromiter((k[1] for k in keys), dtype=np.float64, count=n)
    where: dict[str | None, list[int]] = {}
    for i, key in enumerate(keys):
        where.setdefault(key[0], []).append(i)
    out: dict[str | None, Series] = {}
    for location, indices in where.items():
        # Each location's intervals in the order the answer gave them, then sorted (stable).
        take = np.array(indices, dtype=np.intp) if len(where) > 1 else slice(None)
        s = starts[take]
        out[location] = Series.of(s, _ends(s, granularity), ins[take], outs[take], codes[take])
    return out


def _ends(starts: Floats, granularity: Granularity) -> Floats:
    if granularity is not Granularity.MONTH:
        return starts + float(granularity.seconds)
    return np.array([wall_seconds(interval_end(wall_time(s), granularity)) for s in starts], dtype=np.float64)


def interval_end(start: datetime, granularity: Granularity) -> datetime:
    if granularity is Granularity.MONTH:
        return datetime.combine(add_months(start.date(), 1), start.time())
    return start + timedelta(seconds=granularity.seconds)


def _points(result: DatamineResult, metric: str) -> tuple[list[_Key], list[float], list[int]]:
    """(location, interval start) keys, values and validity codes of a metric's points."""
    keys: list[_Key] = []
    values: list[float] = []
    codes: list[int] = []
    for point in result.metric(metric).data:
        # _read_groups, inlined with its usual cases: this runs once per point.
        location: str | None = None
        day_s: float | None = None
        minutes = 0
        depth = 0
        group = point.group
        while group is not None and depth < 8:
            kind = group.type
            if kind == "location":
                location = group.uuid
            elif kind == "date":
                text = group.from_.get("gregorian") if group.from_ else None
                day_s = _day_seconds(text) if isinstance(text, str) else None
            elif kind == "time":
                part = group.from_
                text = part.get("time") if part else None
                found = _text_minutes(text) if type(text) is str and text else None
                minutes = found if found is not None else _group_minutes(part)
            group = group.group
            depth += 1
        if day_s is None:
            continue  # a point without a date group belongs to no interval
        keys.append((location, day_s + minutes * 60.0))
        values.append(float(point.value or 0.0))
        codes.append(validity_code(point.validity))
    return keys, values, codes


def _read_groups(group: DataGroup | None) -> tuple[str | None, float | None, int]:
    """(location uuid, the day's midnight in wall seconds, minutes after it) of a point's
    nested groups; a "+hh:mm" time lies on the next calendar day, "-hh:mm" on the one before."""
    location: str | None = None
    day: float | None = None
    minutes = 0
    depth = 0
    while group is not None and depth < 8:
        kind = group.type
        if kind == "location":
            location = group.uuid
        elif kind == "date":
            text = (group.from_ or {}).get("gregorian")
            day = _day_seconds(text) if isinstance(text, str) else None
        elif kind == "time":
            minutes = _group_minutes(group.from_)
        group = group.group
        depth += 1
    return location, day, minutes


@functools.lru_cache(maxsize=4096)
def _day_seconds(text: str) -> float | None:
    day = _group_day({"gregorian": text})
    return wall_seconds(datetime(day.year, day.month, day.day)) if day is not None else None


def _group_day(part: dict[str, Any] | None) -> date | None:
    text = (part or {}).get("gregorian")
    if not isinstance(text, str) or not text:
        return None
    try:
        return date.fromisoformat(text.lstrip("+-")[:10])
    except ValueError:
        return None


def _group_minutes(part: dict[str, Any] | None) -> int:
    part = part or {}
    text = part.get("time") or part.get("gregorian")
    if isinstance(text, str) and text:
        minutes = _text_minutes(text)
        if minutes is not None:
            return minutes
    offset = (
        1440 if isinstance(text, str) and text[:1] == "+" else -1440 if isinstance(text, str) and text[:1] == "-" else 0
    )
    hour, minute = part.get("hour"), part.get("minute")
    if isinstance(hour, int):
        return offset + hour * 60 + (minute if isinstance(minute, int) else 0)
    return offset


@functools.lru_cache(maxsize=4096)
def _text_minutes(text: str) -> int | None:
    offset = 0
    if text[0] in "+-":
        offset = 1440 if text[0] == "+" else -1440
        text = text[1:]
    if "T" in text:
        text = text.split("T", 1)[1]
    hh, _, mm = text[:5].partition(":")
    if hh.isdigit() and mm.isdigit():
        return offset + int(hh) * 60 + int(mm)
    return None


def _merge(parts: Sequence[Series]) -> Series:
    return Series.of(
        np.concatenate([p.start for p in parts]),
        np.concatenate([p.end for p in parts]),
        np.concatenate([p.ins for p in parts]),
        np.concatenate([p.outs for p in parts]),
        np.concatenate([p.validity for p in parts]),
    )


def hour_profile(result: DatamineResult) -> dict[str | None, Floats]:
    """Traffic in per hour of the day (24 values) from an answer grouped by time (and
    location): for the busiest hour."""
    out: dict[str | None, Floats] = {}
    for point in result.metric("traffic_in").data:
        location, _, minutes = _read_groups(point.group)
        hours = out.setdefault(location, np.zeros(24))
        hours[(minutes // 60) % 24] += float(point.value or 0.0)
    return out


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Totals:
    """Sums over complete intervals only; `left_out` counts the others by kind."""

    traffic_in: float
    traffic_out: float
    imputed: int
    incomplete: int
    intervals: int

    @property
    def left_out(self) -> int:
        return self.imputed + self.incomplete

    def note(self, unit: str) -> str:
        """The sentence under the totals, naming what was left out."""
        if not self.left_out:
            return f"All {self.intervals} {unit} complete."
        parts = []
        if self.incomplete:
            parts.append(f"{self.incomplete} incomplete")
        if self.imputed:
            parts.append(f"{self.imputed} imputed")
        return f"Totals leave out {' and '.join(parts)} {unit} (of {self.intervals})."

    @property
    def incomplete_share(self) -> float:
        return self.left_out / self.intervals if self.intervals else 0.0


def totals(series: Series) -> Totals:
    ok = series.complete
    return Totals(
        traffic_in=float(series.ins[ok].sum()),
        traffic_out=float(series.outs[ok].sum()),
        imputed=int((series.validity == IMPUTED).sum()),
        incomplete=int((series.validity == INCOMPLETE).sum()),
        intervals=len(series),
    )


@dataclass(frozen=True)
class Change:
    """Traffic in over the intervals present and complete in both periods."""

    current: float
    previous: float
    pairs: int
    left_out: int

    @property
    def percent(self) -> float | None:
        if self.previous <= 0:
            return None
        return (self.current - self.previous) / self.previous * 100.0


def change(current: Series, aligned_comparison: Series, until: float | None = None) -> Change:
    """`aligned_comparison`: the comparison moved onto the current period's axis, so an
    interval pairs with the one at the same position (same weekday and time).
    `until` (wall seconds, now): an interval still running (today's day, this week)
    holds only part of its traffic and is not compared with a whole one."""
    if not len(current) or not len(aligned_comparison):
        return Change(0.0, 0.0, 0, len(current))
    keys_c = np.rint(current.start).astype(np.int64)
    keys_p = np.rint(aligned_comparison.start).astype(np.int64)
    _common, ic, ip = np.intersect1d(keys_c, keys_p, assume_unique=False, return_indices=True)
    both = (current.validity[ic] == COMPLETE) & (aligned_comparison.validity[ip] == COMPLETE)
    if until is not None:
        both &= current.end[ic] <= until
    return Change(
        current=float(current.ins[ic][both].sum()),
        previous=float(aligned_comparison.ins[ip][both].sum()),
        pairs=int(both.sum()),
        left_out=len(current) - int(both.sum()),
    )


def align(comparison: Series, current_period: Period, comparison_period: Period, granularity: Granularity) -> Series:
    """The comparison on the current period's axis: moved by the periods' distance; for
    months by whole months (months differ in length); weeks, when the distance is not
    whole weeks (12 months back), pair in order, the first week with the first."""
    shift = wall_seconds(current_period.start) - wall_seconds(comparison_period.start)
    if granularity is Granularity.WEEK and shift % (7 * 86400.0):
        return _by_order(comparison, current_period)
    if granularity is not Granularity.MONTH:
        return comparison.shifted(shift)
    months = (current_period.start.year - comparison_period.start.year) * 12 + (
        current_period.start.month - comparison_period.start.month
    )
    starts = [datetime.combine(add_months(wall_time(s).date(), months), datetime.min.time()) for s in comparison.start]
    return Series(
        np.array([wall_seconds(s) for s in starts]),
        np.array([wall_seconds(interval_end(s, granularity)) for s in starts]),
        comparison.ins,
        comparison.outs,
        comparison.validity,
    )


def _by_order(comparison: Series, current_period: Period) -> Series:
    """Weeks as the API groups them: the first from the period's first day, then from
    each Sunday; the i-th of the comparison lands on the i-th of the current period."""
    week = 7 * 86400.0
    first = wall_seconds(current_period.start)
    to_sunday = ((6 - current_period.start.weekday()) % 7 or 7) * 86400.0
    n = len(comparison)
    bounds = np.r_[first, first + to_sunday + np.arange(n) * week]
    order = np.argsort(comparison.start, kind="stable")
    starts = np.empty(n)
    ends = np.empty(n)
    starts[order] = bounds[:n]
    ends[order] = bounds[1 : n + 1]
    return Series(starts, ends, comparison.ins, comparison.outs, comparison.validity)


@dataclass(frozen=True)
class PeakHour:
    hour: int  # 0..23, store-local
    traffic_in: float

    def label(self) -> str:
        return f"{self.hour:02d}:00–{(self.hour + 1) % 24:02d}:00"


def peak_hour(profile: Floats | None) -> PeakHour | None:
    if profile is None or not len(profile) or float(profile.max()) <= 0:
        return None
    hour = int(np.argmax(profile))
    return PeakHour(hour, float(profile[hour]))


def regroup(series: Series, granularity: Granularity) -> Series:
    """15-minute intervals summed into hours or days (predictions come in 15 minutes);
    an output interval is as valid as its worst part."""
    if granularity is Granularity.MIN15 or not len(series):
        return series
    width = {Granularity.HOUR: 3600.0, Granularity.DAY: 86400.0}.get(granularity)
    if width is None:
        return Series.empty()  # weeks and months are not forecast
    bucket = np.floor(series.start / width) * width
    keys, inverse = np.unique(bucket, return_inverse=True)
    ins = np.bincount(inverse, weights=series.ins, minlength=len(keys)).astype(np.float64)
    outs = np.bincount(inverse, weights=series.outs, minlength=len(keys)).astype(np.float64)
    worst = np.zeros(len(keys), dtype=np.int8)
    np.maximum.at(worst, inverse, series.validity)
    return Series(keys, keys + width, ins, outs, worst)


def prediction_series(predictions: Sequence[Prediction]) -> Series:
    """Predicted traffic in, 15 minutes each (the API predicts no traffic out)."""
    starts = [wall_seconds(p.time) for p in predictions]
    return Series.of(
        starts,
        (s + 900.0 for s in starts),
        (float(p.value) for p in predictions),
        (0.0 for _ in predictions),
        (COMPLETE for _ in predictions),
    )


@dataclass(frozen=True)
class Intraday:
    """Today, cumulative, per 15 minutes of the store day: what came in so far against
    what the same weekday brought in the last weeks (mean, and the lowest and highest
    of them as a band)."""

    day: date
    slots: Floats  # wall seconds of each slot's end
    expected: Floats
    low: Floats
    high: Floats
    actual: Floats  # as many values as completed slots
    weeks: int

    @property
    def actual_so_far(self) -> float:
        return float(self.actual[-1]) if len(self.actual) else 0.0

    @property
    def expected_so_far(self) -> float:
        n = len(self.actual)
        return float(self.expected[n - 1]) if n and n <= len(self.expected) else 0.0

    @property
    def percent(self) -> float | None:
        if self.expected_so_far <= 0 or not len(self.actual):
            return None
        return (self.actual_so_far - self.expected_so_far) / self.expected_so_far * 100.0

    def sentence(self, now_label: str) -> str:
        pct = self.percent
        if pct is None:
            return "Today: no traffic counted yet"
        way = "over" if pct >= 0 else "under"
        return (
            f"Today until {now_label}: {self.actual_so_far:,.0f} in, {abs(pct):.0f} % {way} the "
            f"{self.expected_so_far:,.0f} expected (the mean of the last {self.weeks} {self.day:%A}s)"
        )


def intraday(today: date, history: Series, actual_today: Series) -> Intraday | None:
    """`history`: 15-minute intervals of the same weekday in past weeks (complete ones
    are used; a slot no complete week has uses whatever there is)."""
    if not len(history):
        return None
    day_len = 86400.0
    history_day = np.floor(history.start / day_len)
    slot = history.start - history_day * day_len
    days = np.unique(history_day)
    slots = np.unique(slot)
    grid = np.full((len(days), len(slots)), np.nan)
    di = np.searchsorted(days, history_day)
    si = np.searchsorted(slots, slot)
    grid[di, si] = np.where(history.complete, history.ins, np.nan)
    fallback = np.zeros_like(grid)
    fallback[di, si] = history.ins
    per_slot_complete = ~np.all(np.isnan(grid), axis=0)
    grid[:, ~per_slot_complete] = fallback[:, ~per_slot_complete]
    filled = np.where(np.isnan(grid), np.nanmean(grid, axis=0, keepdims=True), grid)
    cumulative = np.cumsum(filled, axis=1)
    midnight = wall_seconds(datetime.combine(today, datetime.min.time()))
    ends = midnight + slots + 900.0
    actual = np.zeros(0)
    if len(actual_today):
        today_slot = actual_today.start - midnight
        counts = np.zeros(len(slots))
        idx = np.searchsorted(slots, today_slot)
        ok = (idx < len(slots)) & (slots[np.minimum(idx, len(slots) - 1)] == today_slot)
        np.add.at(counts, idx[ok], actual_today.ins[ok])
        done = int(idx[ok].max()) + 1 if ok.any() else 0
        actual = np.cumsum(counts)[:done]
    return Intraday(
        day=today,
        slots=ends,
        expected=cumulative.mean(axis=0),
        low=cumulative.min(axis=0),
        high=cumulative.max(axis=0),
        actual=actual,
        weeks=len(days),
    )


def expected_rest_of_day(today: Intraday | None, after: float) -> Series:
    """The mean of past same weekdays for today's slots after `after` (wall seconds):
    the forecast of the rest of today (the API predicts only from tomorrow)."""
    if today is None:
        return Series.empty()
    per_slot = np.diff(np.r_[0.0, today.expected])
    starts = today.slots - 900.0
    keep = starts >= after
    n = int(keep.sum())
    return Series(starts[keep], today.slots[keep], per_slot[keep], np.zeros(n), np.zeros(n, dtype=np.int8))


# ---------------------------------------------------------------- CSV


CSV_HEADER = ("series", "start (store local time)", "end (store local time)", "traffic in", "traffic out", "validity")


@dataclass
class CsvPart:
    name: str  # actual, comparison, predicted
    series: Series
    validity_override: str | None = None  # e.g. "predicted"
    original_start: Floats | None = field(default=None)  # the comparison's own times


def csv_text(parts: Sequence[CsvPart]) -> str:
    """Every row with its validity; the comparison with its own dates (not moved)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for part in parts:
        s = part.series
        starts = part.original_start if part.original_start is not None else s.start
        widths = s.end - s.start
        for i in range(len(s)):
            start = wall_time(starts[i])
            end = wall_time(starts[i] + widths[i])
            writer.writerow(
                (
                    part.name,
                    start.strftime("%Y-%m-%d %H:%M"),
                    end.strftime("%Y-%m-%d %H:%M"),
                    _number(s.ins[i]),
                    "" if part.validity_override == "predicted" else _number(s.outs[i]),
                    part.validity_override or VALIDITY_NAMES[int(s.validity[i])],
                )
            )
    return buf.getvalue()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"
