"""POST v2/datamine: validates a query, then slices on-demand traffic into groups.

Each date range is read in each store's own zone: an instant ("Z", an offset, a
name in the query's `time_zone`) becomes the store's local wall time there, so a
New York day sent as "-05:00" offsets is that store's day and the same day sent
with "Z" is shifted by the offset; a wall time with no zone anywhere is every
store's own. Groups are then laid on the store's local days and times.

Intervals belong to store days: for a store open past midnight the late intervals
belong to the day it opened and their times carry the documented "+" prefix.
Only completed intervals are answered. `total_occupancy` of a group is the
occupancy at the end of its last interval (in minus out since opening, plus
adjustments, never below zero), summed over the group's stores.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from storeops.simulator import traffic
from storeops.simulator.dates import DateResolver, add_months, in_zone, longer_than, time_zone, utc_key, week_start
from storeops.simulator.errors import bad, req_str_list
from storeops.simulator.world import Node, World

METRICS = ("traffic_in", "traffic_out", "total_occupancy")
MAX_STORE_DAYS = 250_000  # a simulator guard: ~2 years of every store of the big chain / 3
_DAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")

# A group key of one layer -> its JSON description ("group" of a data point).
Describe = Callable[[int], dict[str, Any]]


@dataclass(slots=True)
class GroupBy:
    group: str
    unit: str
    value: int


@dataclass(slots=True)
class TimeRange:
    store_hours: bool
    start: int = 0
    until: int = 1440


def run_query(world: World, body: dict[str, Any], now_utc: datetime) -> dict[str, Any]:
    locations = req_str_list(body, "locations")
    metrics = req_str_list(body, "metrics")
    if not locations:
        raise bad("locations must not be empty")
    if not metrics:
        raise bad("metrics must not be empty")
    tz = time_zone(body["time_zone"]) if body.get("time_zone") is not None else None
    raw_ranges = body.get("date_ranges")
    if not isinstance(raw_ranges, list) or not raw_ranges:
        raise bad("date_ranges must be a non-empty list")
    resolver = DateResolver(tz, now_utc)
    ranges = [resolver.resolve_range(r) for r in raw_ranges]
    time_ranges = _time_ranges(body.get("time_ranges"))
    group_bys = _group_bys(body.get("group_bys"))

    # Which stores each location covers; unknown or hidden locations fail the metrics.
    covered: list[tuple[Node, list[Node]]] = []
    missing: list[str] = []
    with world.lock:
        for uuid in locations:
            node = world.nodes.get(uuid)
            if node is None or node.type != "location":
                missing.append(uuid)
                continue
            if node.is_region:
                covered.append((node, world.stores_under(uuid)))
            else:
                store = world.store_of(uuid)
                covered.append((node, [store] if store else []))
    store_count = len({s.uuid for _, stores in covered for s in stores})
    years = 5 if len(locations) == 1 and store_count <= 1 else 2
    for frm, to in ranges:
        if longer_than(frm, to, years):
            raise bad(
                f"date range too long: at most {years} years when querying "
                f"{'one store' if years == 5 else 'several stores'}"
            )
    # A day either side: any store's local days lie within a day of UTC's.
    first_day = min(utc_key(f) for f, _ in ranges).date() - timedelta(days=2)
    last_day = max(utc_key(t) for _, t in ranges).date() + timedelta(days=1)
    if store_count * ((last_day - first_day).days + 1) > MAX_STORE_DAYS:
        raise bad("query too large: narrow the date range or the locations")

    if missing:
        detail = f"location(s) not found or not permitted for this key: {', '.join(missing)}"
        return {"ok": False, "metrics": [{"name": m, "ok": False, "error": detail, "data": []} for m in metrics]}

    now_epoch = now_utc.timestamp()
    # Occupancy (a cumulative sum per store day, and the last one of each group) costs
    # as much as the counts: only worked out when asked for.
    want_occupancy = "total_occupancy" in metrics
    series_cache: dict[str, traffic.Series] = {}
    occ_cache: dict[str, np.ndarray] = {}
    adjustments: dict[str, list[tuple[float, int, int]]] = {}
    with world.lock:
        for adj in world.adjustments:
            if adj.store_day is not None:
                adjustments.setdefault(adj.store_uuid, []).append(
                    (adj.at.timestamp(), adj.store_day.toordinal(), adj.count)
                )

    # Each store reads the ranges as its own local wall times.
    local_ranges: dict[str, list[tuple[datetime, datetime]]] = {}
    for _, stores in covered:
        for store in stores:
            if store.uuid not in local_ranges:
                tz = ZoneInfo(store.time_zone or "UTC")
                local_ranges[store.uuid] = [(in_zone(f, tz), in_zone(t, tz)) for f, t in ranges]

    parts: list[dict[str, np.ndarray]] = []
    unit_id = 0
    for li, (node, stores) in enumerate(covered):
        for store in stores:
            store_ranges = local_ranges[store.uuid]
            if store.uuid not in series_cache:
                first = min(f for f, _ in store_ranges).date() - timedelta(days=1)
                last = max(t for _, t in store_ranges).date()
                series_cache[store.uuid] = _store_series(world, store, first, last, now_epoch)
            s = series_cache[store.uuid]
            if node.is_sublocation:
                s = traffic.sublocation_series(world, node, s)
                occ = s.occupancy() if want_occupancy else None
            elif want_occupancy:
                if store.uuid not in occ_cache:
                    occ_cache[store.uuid] = s.occupancy(adjustments.get(store.uuid, []))
                occ = occ_cache[store.uuid]
            else:
                occ = None
            mask = _in_ranges(s, store_ranges) & _in_times(s, time_ranges)
            if not mask.any():
                unit_id += 1
                continue
            part = {
                "loc": np.full(int(mask.sum()), li, dtype=np.int64),
                "unit": np.full(int(mask.sum()), unit_id, dtype=np.int64),
                "epoch": s.epoch[mask],
                "bday": s.bday[mask],
                "bmin": s.bmin[mask],
                "tin": s.tin[mask],
                "tout": s.tout[mask],
                "validity": s.validity[mask],
            }
            if occ is not None:
                part["occ"] = occ[mask]
            parts.append(part)
            unit_id += 1

    if parts:
        cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    else:
        cols = {
            k: np.zeros(0, dtype=np.int64)
            for k in ("loc", "unit", "epoch", "bday", "bmin", "tin", "tout", "validity", "occ")
        }
    # Date groups are clipped to the query's days, as the stores read them.
    every_local = [r for rs in local_ranges.values() for r in rs] or [(utc_key(f), utc_key(t)) for f, t in ranges]
    base = min(f for f, _ in every_local).date()
    end = max(t for _, t in every_local)
    last_date = (end - timedelta(microseconds=1)).date()
    keys: list[np.ndarray] = []
    describers: list[Describe] = []
    for gb in group_bys:
        k, describe = _layer(gb, cols, base, last_date, covered, world)
        keys.append(k)
        describers.append(describe)
    n = len(cols["epoch"])
    if keys:
        uniq, inverse = _unique_rows(keys)
    else:
        uniq = np.zeros((1 if n else 0, 0), dtype=np.int64)
        inverse = np.zeros(n, dtype=np.int64)
    groups = len(uniq)

    sums_in = np.bincount(inverse, weights=cols["tin"], minlength=groups)
    sums_out = np.bincount(inverse, weights=cols["tout"], minlength=groups)
    worst = np.zeros(groups, dtype=np.int64)
    np.maximum.at(worst, inverse, cols["validity"].astype(np.int64))
    occupancy = _last_occupancy(cols, inverse, groups) if want_occupancy else np.zeros(groups)
    descriptions = _descriptions(uniq, describers)
    worst_names = [traffic.VALIDITY_NAMES[w] for w in worst.tolist()]

    out_metrics = []
    for name in metrics:
        if name not in METRICS:
            out_metrics.append(
                {
                    "name": name,
                    "ok": False,
                    "error": f"unknown metric: {name}; supported: {', '.join(METRICS)}",
                    "data": [],
                }
            )
            continue
        values = {"traffic_in": sums_in, "traffic_out": sums_out, "total_occupancy": occupancy}[name]
        # round() of each sum, as whole numbers: np.rint rounds halves to even as round() does.
        rounded = np.rint(values).astype(np.int64).tolist()
        rows = zip(rounded, worst_names, descriptions, strict=True)
        if groups and descriptions[0] is not None:  # grouped: every point has a group
            data = [
                {"value": value, "validity": validity, "group": description, "index": g}
                for g, (value, validity, description) in enumerate(rows)
            ]
        else:
            data = [{"value": value, "validity": validity, "index": g} for g, (value, validity, _) in enumerate(rows)]
        out_metrics.append({"name": name, "ok": True, "data": data})
    return {"ok": all(m["ok"] for m in out_metrics), "metrics": out_metrics}


def _unique_rows(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(axis=0) on the layer keys, through one mixed-radix integer (much faster)."""
    lows = [int(k.min()) if len(k) else 0 for k in keys]
    spans = [int(k.max()) - low + 1 if len(k) else 1 for k, low in zip(keys, lows, strict=True)]
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for k, low, span in zip(keys, lows, spans, strict=True):
        combined = combined * span + (k - low)
    total = 1
    for span in spans:
        total *= span
    if len(combined) and total <= max(4 * len(combined), 1 << 20):
        # Few possible keys (stores x days, say): marked in a table instead of sorted;
        # the same sorted keys and inverse as np.unique, in a fraction of the time.
        present = np.zeros(total, dtype=bool)
        present[combined] = True
        uniq = np.flatnonzero(present).astype(np.int64)
        inverse = (np.cumsum(present, dtype=np.int64) - 1)[combined]
    else:
        uniq, inverse = np.unique(combined, return_inverse=True)
    rows = np.zeros((len(uniq), len(keys)), dtype=np.int64)
    rest = uniq.copy()
    for i in range(len(keys) - 1, -1, -1):
        rest, digit = np.divmod(rest, spans[i])
        rows[:, i] = digit + lows[i]
    return rows, inverse.reshape(-1)


def _last_occupancy(cols: dict[str, np.ndarray], inverse: np.ndarray, groups: int) -> np.ndarray:
    if not len(inverse):
        return np.zeros(groups)
    order = np.lexsort((cols["epoch"], cols["unit"], inverse))
    g, u = inverse[order], cols["unit"][order]
    last = np.r_[(g[1:] != g[:-1]) | (u[1:] != u[:-1]), True]
    return np.bincount(g[last], weights=cols["occ"][order][last], minlength=groups)


def _in_ranges(s: traffic.Series, ranges: list[tuple[datetime, datetime]]) -> np.ndarray:
    # Intervals past midnight stay on the store day they belong to.
    at = s.bday * 1440 + np.minimum(s.bmin, 1440 - 15)
    mask = np.zeros(len(s), dtype=bool)
    for frm, to in ranges:
        lo = frm.toordinal() * 1440 + frm.hour * 60 + frm.minute + (frm.second > 0)
        hi = to.toordinal() * 1440 + to.hour * 60 + to.minute + (to.second > 0)
        mask |= (at >= lo) & (at + 15 <= hi)
    return mask


def _in_times(s: traffic.Series, ranges: list[TimeRange]) -> np.ndarray:
    if not ranges or any(r.store_hours for r in ranges):
        return np.ones(len(s), dtype=bool)  # intervals only exist within store hours
    mask = np.zeros(len(s), dtype=bool)
    for r in ranges:
        if r.start <= r.until:
            mask |= (s.wall_min >= r.start) & (s.wall_min + 15 <= r.until)
        else:  # e.g. 22:00 - 02:00
            mask |= (s.wall_min >= r.start) | (s.wall_min + 15 <= r.until)
    return mask


def _hhmm(value: Any, key: str) -> int:
    if not isinstance(value, str):
        raise bad(f"time_ranges {key} must be hh:mm")
    hh, sep, mm = value.partition(":")
    if not sep or not hh.isdigit() or not mm.isdigit() or len(mm) != 2:
        raise bad(f"time_ranges {key} must be hh:mm, got {value!r}")
    minutes = int(hh) * 60 + int(mm)
    if int(mm) > 59 or minutes > 1440:
        raise bad(f"time_ranges {key} out of range: {value!r}")
    return minutes


def _time_ranges(raw: Any) -> list[TimeRange]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad("time_ranges must be a list")
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad("each time range must be an object")
        if "type" in item:
            if item["type"] != "store_hours":
                raise bad("time range type must be 'store_hours'")
            out.append(TimeRange(True))
            continue
        if "from" not in item or "until" not in item:
            raise bad("a time range needs 'from' and 'until' (hh:mm), or type store_hours")
        out.append(TimeRange(False, _hhmm(item["from"], "from"), _hhmm(item["until"], "until")))
    return out


_UNITS = {
    "location": ("",),
    "day_of_week": ("",),
    "date": ("days", "weeks", "months", "years"),
    "time": ("hours", "minutes"),
}
# Minutes after a store day's midnight where its last possible interval ends
# ("+24:00"): no interval starts later, so no time group needs to reach further.
STORE_DAY_END = 2 * 1440
# Wider than any date range (1900-2200), small enough that a group's end stays a date.
_DATE_GROUP_CAPS = {"days": 120_000, "weeks": 17_000, "months": 4_000, "years": 330}


def _group_bys(raw: Any) -> list[GroupBy]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad("group_bys must be a list")
    out: list[GroupBy] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad("each group_by must be an object")
        group = item.get("group")
        if not isinstance(group, str) or group not in _UNITS:
            raise bad(f"group must be one of {', '.join(_UNITS)}")
        unit = item.get("unit", "")
        if unit is None:
            unit = ""
        if not isinstance(unit, str) or unit not in _UNITS[group]:
            allowed = " or ".join(repr(u) for u in _UNITS[group])
            raise bad(f"unit for group {group} must be {allowed}")
        value = item.get("value", 1)
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("group_by value must be an integer")
        # "any positive integer" for date and time; location and day_of_week ignore it.
        if group in ("date", "time") and value < 1:
            raise bad("group_by value must be a positive integer")
        if any(g.group == group for g in out):
            raise bad(f"group {group} appears twice")
        out.append(GroupBy(group, unit, value))
    return out


def _date_json(d: date) -> dict[str, Any]:
    return {"gregorian": d.isoformat(), "year": d.year, "month": d.month, "day": d.day}


def _time_json(minutes: int, end: bool = False) -> dict[str, Any]:
    """hh:mm of a store day; past midnight it carries the "+" of the next day
    (an interval ending exactly at midnight ends at "24:00")."""
    next_day = minutes > 1440 or (minutes == 1440 and not end)
    prefix = "+" if next_day else ""
    hour, minute = divmod(minutes - 1440 if next_day else minutes, 60)
    return {"time": f"{prefix}{hour:02d}:{minute:02d}", "hour": hour, "minute": minute}


def _layer(
    gb: GroupBy,
    cols: dict[str, np.ndarray],
    base: date,
    last: date,
    covered: list[tuple[Node, list[Node]]],
    world: World,
) -> tuple[np.ndarray, Describe]:
    """One group_by: each interval's group key, and how to describe a key."""
    bday = cols["bday"]
    if gb.group == "location":
        names = world.name_counts()

        def describe_location(key: int) -> dict[str, Any]:
            node = covered[key][0]
            return {
                "type": "location",
                "uuid": node.uuid,
                "name": node.name,
                "qualified_name": world.qualified_name(node, names),
            }

        return cols["loc"], describe_location
    if gb.group == "day_of_week":

        def describe_weekday(key: int) -> dict[str, Any]:
            return {"type": "day_of_week", "value": key, "name": _DAY_NAMES[key]}

        return bday % 7, describe_weekday  # ordinal 7 is a Sunday
    if gb.group == "time":
        # Any size: groups start at the store day's midnight, every `size` minutes,
        # and a 15-minute interval counts wholly in the group its start falls in.
        size = gb.value * (60 if gb.unit == "hours" else 1)

        def describe_time(key: int) -> dict[str, Any]:
            end = min((key + 1) * size, STORE_DAY_END)
            return {"type": "time", "from": _time_json(key * size), "to": _time_json(end, end=True)}

        return cols["bmin"] // min(size, STORE_DAY_END), describe_time

    # A group wider than any query answers the same as one just as wide: the cap
    # keeps the arithmetic inside numpy's and datetime's ranges.
    n = min(gb.value, _DATE_GROUP_CAPS[gb.unit])
    if gb.unit == "days":
        keys = (bday - base.toordinal()) // n

        def bounds(key: int) -> tuple[date, date]:
            start = base + timedelta(days=key * n)
            return start, start + timedelta(days=n - 1)
    elif gb.unit == "weeks":
        origin = week_start(datetime.combine(base, datetime.min.time())).date()
        keys = (bday - origin.toordinal()) // (7 * n)

        def bounds(key: int) -> tuple[date, date]:
            start = origin + timedelta(days=7 * n * key)
            return start, start + timedelta(days=7 * n - 1)
    else:
        months_per = n if gb.unit == "months" else 12 * n
        origin = date(base.year, base.month if gb.unit == "months" else 1, 1)
        uniq, inv = np.unique(bday, return_inverse=True) if len(bday) else (bday, bday)
        month_index = np.array(
            [(d.year - origin.year) * 12 + d.month - origin.month for d in map(date.fromordinal, uniq.tolist())],
            dtype=np.int64,
        )
        keys = month_index[inv.reshape(-1)] // months_per if len(bday) else bday

        def bounds(key: int) -> tuple[date, date]:
            o = datetime.combine(origin, datetime.min.time())
            start = add_months(o, key * months_per).date()
            return start, add_months(o, (key + 1) * months_per).date() - timedelta(days=1)

    def describe_dates(key: int) -> dict[str, Any]:
        start, through = bounds(key)
        return {"type": "date", "from": _date_json(max(start, base)), "through": _date_json(min(through, last))}

    return keys, describe_dates


def _descriptions(uniq: np.ndarray, describers: list[Describe]) -> list[dict[str, Any] | None]:
    """The nested group description of each row of layer keys. Each layer describes a
    key once (a year by day and location repeats each day and each store many times);
    the innermost description is shared by the rows that have it, the outer ones are
    copied to carry their own inner group."""
    if not describers:
        return [None] * len(uniq)
    memo: list[dict[int, dict[str, Any]]] = [{} for _ in describers]
    columns = [uniq[:, i].tolist() for i in range(len(describers))]
    innermost = len(describers) - 1
    out: list[dict[str, Any] | None] = []
    for row in zip(*columns, strict=True):
        inner: dict[str, Any] | None = None
        for i in range(innermost, -1, -1):
            key = row[i]
            desc = memo[i].get(key)
            if desc is None:
                desc = memo[i][key] = describers[i](key)
            inner = desc if inner is None else {**desc, "group": inner}
        out.append(inner)
    return out


def _series_key(world: World, store: Node, first: date, last: date) -> tuple[Any, ...]:
    """Everything traffic.store_series reads, besides the world's seed."""
    hours = tuple(sorted(store.hours.items())) if store.hours is not None else None
    return (
        store.uuid,
        first,
        last,
        store.time_zone,
        store.traffic_base,
        hours,
        store.closed_on_holidays,
        store.archive_date,
        world.counting_stopped.get(store.uuid),
        world.history_start,
        world.holidays,
    )


class _SeriesCache:
    """Store series of recent queries, per world: a region's traffic, its busiest hour
    and other queries over the same days (sent together) compute each store once.
    Keyed on everything the series depends on, so a change to the chain (hours, a
    stopped counter) is a new key; bounded by the intervals held (~60 B each)."""

    MAX_INTERVALS = 1_000_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[Any, ...], traffic.Series] = OrderedDict()
        self.intervals = 0
        self.pending: dict[tuple[Any, ...], threading.Lock] = {}

    def get(self, world: World, store: Node, first: date, last: date) -> traffic.Series:
        key = _series_key(world, store, first, last)
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
                return hit
            pending = self.pending.setdefault(key, threading.Lock())
        # The same series asked for by two queries at once is computed once.
        with pending:
            with self.lock:
                hit = self.entries.get(key)
            if hit is not None:
                return hit
            series = traffic.store_series(world, store, first, last)
            with self.lock:
                self.pending.pop(key, None)
                if key not in self.entries:
                    self.entries[key] = series
                    self.intervals += len(series)
                while self.intervals > self.MAX_INTERVALS and len(self.entries) > 1:
                    _, dropped = self.entries.popitem(last=False)
                    self.intervals -= len(dropped)
            return series


_CACHES: weakref.WeakKeyDictionary[World, _SeriesCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _store_series(world: World, store: Node, first: date, last: date, now_epoch: float) -> traffic.Series:
    """traffic.store_series(world, store, first, last, now_epoch), through the cache
    (a new Series: the cached arrays are never handed out to be changed)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(world)
        if cache is None:
            cache = _CACHES[world] = _SeriesCache()
    series = cache.get(world, store, first, last)
    return series.take(series.epoch + traffic.INTERVAL_S <= now_epoch)
