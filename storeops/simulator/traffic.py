"""Traffic computed on demand: 15-minute in/out counts as a pure function of
(seed, location, interval), never stored.

A store's counts follow a daily curve over its opening hours, a weekly and a seasonal
shape (a December peak) and a slow trend, with Poisson-like noise; a few days have a
sensor outage, whose intervals are `incomplete` (counts lost) or `imputed` (counts
filled in from the model). Visitors leave 15 to 30 minutes after entering, so each
store day balances to zero. Entrances split their store's counts; other
sublocations see a share of them. Everything is numpy-vectorised per query.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from storeops.simulator.world import Node, World

INTERVAL_S = 900
COMPLETE, IMPUTED, INCOMPLETE = 0, 1, 2
VALIDITY_NAMES = ("complete", "imputed", "incomplete")

_WEEKDAY = np.array([0.8, 0.78, 0.85, 0.95, 1.15, 1.45, 1.1])  # Monday first
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a good 64-bit hash, vectorised (uint64 wraps silently)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def _uniform(h: np.ndarray) -> np.ndarray:
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def location_key(world: World, uuid: str) -> np.uint64:
    return np.uint64((int(uuid.replace("-", "")[:16], 16) ^ (world.seed * 0x632BE59BD9B4E019)) & (2**64 - 1))


@dataclass(slots=True)
class Series:
    """Intervals of one store (or a sublocation of it), in time order."""

    epoch: np.ndarray  # int64, UTC start of the interval
    bday: np.ndarray  # int64, ordinal of the store day it belongs to
    bmin: np.ndarray  # int64, minutes since the store day's midnight (may pass 1440)
    wall_min: np.ndarray  # int64, local wall minute of day of the start
    tin: np.ndarray  # int64
    tout: np.ndarray  # int64
    validity: np.ndarray  # int8
    store_uuid: str

    @property
    def plus(self) -> np.ndarray:
        return self.bmin >= 1440

    def take(self, mask: np.ndarray) -> Series:
        return Series(
            self.epoch[mask],
            self.bday[mask],
            self.bmin[mask],
            self.wall_min[mask],
            self.tin[mask],
            self.tout[mask],
            self.validity[mask],
            self.store_uuid,
        )

    def __len__(self) -> int:
        return len(self.epoch)

    def occupancy(self, adjustments: Sequence[tuple[float, int, int]] = ()) -> np.ndarray:
        """In minus out since the store day opened, plus adjustments, never below 0.

        `adjustments` are (UTC epoch, store day ordinal, count); one made after the
        last completed interval of its store day counts from that interval on (the
        live figure)."""
        if not len(self):
            return np.zeros(0, dtype=np.int64)
        net = np.cumsum(self.tin - self.tout)
        first_of_day = np.r_[True, self.bday[1:] != self.bday[:-1]]
        starts = np.flatnonzero(first_of_day)
        before = np.r_[0, net][starts]  # running total before each day starts
        net = net - np.repeat(before, np.diff(np.r_[starts, len(net)]))
        ends = self.epoch + INTERVAL_S
        for at, day, count in adjustments:
            same_day = self.bday == day
            later = same_day & (ends > at)
            if later.any():
                net[later] += count
            elif same_day.any():
                net[np.flatnonzero(same_day)[-1]] += count
        return np.maximum(net, 0)


def store_days(world: World, store: Node, first: date, last: date) -> list[tuple[int, int, int, int]]:
    """(ordinal, open epoch, open minute, interval count) of each open store day."""
    ordinals, epochs, open_mins, counts = _day_arrays(world, store, first, last)
    return list(zip(ordinals.tolist(), epochs.tolist(), open_mins.tolist(), counts.tolist(), strict=True))


def _day_arrays(
    world: World, store: Node, first: date, last: date
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """store_days as arrays (ordinal, open epoch, open minute, interval count): the same
    days as World.hours_on gives, found per weekday in numpy rather than per day."""
    start = max(first, world.history_start)
    z = np.zeros(0, dtype=np.int64)
    if start > last or store.hours is None:
        return z, z, z, z
    ordinals = np.arange(start.toordinal(), last.toordinal() + 1, dtype=np.int64)
    open_by_weekday = np.zeros(7, dtype=np.int64)
    close_by_weekday = np.zeros(7, dtype=np.int64)
    open_weekday = np.zeros(7, dtype=bool)
    for weekday in range(7):
        hours = store.hours.get(weekday)
        if hours is not None:
            open_by_weekday[weekday], close_by_weekday[weekday] = hours
            open_weekday[weekday] = True
    weekdays = (ordinals - 1) % 7  # date.fromordinal(1) is a Monday
    is_open = open_weekday[weekdays]
    if store.closed_on_holidays and world.holidays:
        holidays = []
        for year in range(start.year, last.year + 1):
            for month, day in world.holidays:
                try:
                    holidays.append(date(year, month, day).toordinal())
                except ValueError:  # 29 February of a common year
                    continue
        is_open &= ~np.isin(ordinals, np.array(holidays, dtype=np.int64))
    if store.archive_date is not None:
        # The same text comparison as hours_on (ISO dates sort as text).
        archived = store.archive_date[:10]
        is_open &= np.array([date.fromordinal(o).isoformat() < archived for o in ordinals.tolist()], dtype=bool)
    ordinals = ordinals[is_open]
    open_mins = open_by_weekday[weekdays[is_open]]
    counts = (close_by_weekday[weekdays[is_open]] - open_mins) // 15
    tz_key = store.time_zone or "UTC"
    epochs = np.fromiter(
        (_open_epoch(tz_key, o, m) for o, m in zip(ordinals.tolist(), open_mins.tolist(), strict=True)),
        dtype=np.int64,
        count=len(ordinals),
    )
    return ordinals, epochs, open_mins, counts


@functools.lru_cache(maxsize=1 << 17)
def _open_epoch(tz_key: str, ordinal: int, open_min: int) -> int:
    """UTC epoch of a store day's opening (stores of a zone share most of them)."""
    tz = ZoneInfo(tz_key)
    opened = datetime.combine(date.fromordinal(ordinal), time(), tzinfo=tz) + timedelta(minutes=open_min)
    # Wall-clock arithmetic, then to UTC: right across DST changes.
    return int(opened.replace(tzinfo=None).replace(tzinfo=tz).timestamp())


def store_series(world: World, store: Node, first: date, last: date, now_epoch: float | None = None) -> Series:
    """Every interval of the store days first..last (only completed ones when
    `now_epoch` is given)."""
    ordinals, open_epochs, open_mins, counts = _day_arrays(world, store, first, last)
    if not len(ordinals):
        return _empty(store.uuid)
    total = int(counts.sum())
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    k = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    bday = np.repeat(ordinals, counts)
    bmin = np.repeat(open_mins, counts) + 15 * k
    epoch = np.repeat(open_epochs, counts) + INTERVAL_S * k

    key = location_key(world, store.uuid)
    mean = _mean(world, store, ordinals, counts)
    h1 = _mix(epoch.astype(np.uint64) ^ key)
    h2 = _mix(h1 ^ np.uint64(0x5851F42D4C957F2D))
    u1, u2 = _uniform(h1), _uniform(h2)
    z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    tin = np.maximum(0, np.rint(mean + 1.1 * np.sqrt(mean) * z)).astype(np.int64)

    # Sensor outages: a few days lose (or impute) a run of intervals.
    hd = _mix(ordinals.astype(np.uint64) ^ key ^ np.uint64(0xD1B54A32D192ED03))
    outage = _uniform(hd) < 0.05
    o_start = (hd >> np.uint64(20)).astype(np.int64) % np.maximum(counts, 1)
    o_len = 2 + (hd >> np.uint64(40)).astype(np.int64) % 8
    o_imputed = ((hd >> np.uint64(50)) & np.uint64(1)).astype(bool)
    hit = np.repeat(outage, counts) & (k >= np.repeat(o_start, counts)) & (k < np.repeat(o_start + o_len, counts))
    imputed = hit & np.repeat(o_imputed, counts)
    lost = hit & ~imputed
    tin = np.where(imputed, np.rint(mean).astype(np.int64), tin)
    tin = np.where(lost, tin * 3 // 10, tin)
    validity = np.where(imputed, IMPUTED, np.where(lost, INCOMPLETE, COMPLETE)).astype(np.int8)
    stopped = world.counting_stopped.get(store.uuid)
    if stopped is not None:  # a counter that stopped counting: nobody enters from then on
        tin = np.where(epoch >= int(stopped.timestamp()), 0, tin)

    # Half leave after one interval, the rest after two; the last interval takes
    # whoever is left, so every store day ends empty.
    half = tin // 2
    rest = tin - half
    tout = np.zeros_like(tin)
    tout[1:] += np.where(k[1:] >= 1, half[:-1], 0)
    tout[2:] += np.where(k[2:] >= 2, rest[:-2], 0)
    last_idx = starts + counts - 1
    tout[last_idx] += np.add.reduceat(tin, starts) - np.add.reduceat(tout, starts)

    series = Series(epoch, bday, bmin, bmin % 1440, tin, tout, validity, store.uuid)
    if now_epoch is not None:
        series = series.take(epoch + INTERVAL_S <= now_epoch)
    return series


def _mean(world: World, store: Node, ordinals: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The model's mean per interval. The daily curve is worked out once per day length
    and the day factors once per day, then spread over the intervals: the same
    element-wise arithmetic as per interval, in the same order, so the same numbers."""
    daily = np.concatenate([_daily_curve(int(c)) for c in counts.tolist()])
    weekday = _WEEKDAY[(ordinals - 1) % 7]  # date.fromordinal(1) is a Monday
    doy = (ordinals - date(2000, 1, 1).toordinal()) % 365.2425
    seasonal = 1.0 + 0.12 * np.cos(2 * np.pi * (doy - 200) / 365.2425) + 0.6 * np.exp(-(((doy - 352) / 9.0) ** 2))
    trend = 1.0 + 0.06 * (ordinals - world.history_start.toordinal()) / 365.0
    return (
        store.traffic_base * daily * np.repeat(weekday, counts) * np.repeat(seasonal, counts) * np.repeat(trend, counts)
    )


@functools.lru_cache(maxsize=256)
def _daily_curve(n: int) -> np.ndarray:
    """The daily shape over a store day of n intervals (read-only: it is shared)."""
    k = np.arange(n, dtype=np.int64)
    f = (k + 0.5) / np.int64(n)  # position in the store day, 0..1
    curve = 0.25 + np.sin(np.pi * f) ** 1.5 + 0.45 * np.exp(-(((f - 0.72) / 0.12) ** 2))
    curve.flags.writeable = False
    return curve


def _empty(store_uuid: str) -> Series:
    z = np.zeros(0, dtype=np.int64)
    return Series(z, z, z, z, z, z, np.zeros(0, dtype=np.int8), store_uuid)


def sublocation_series(world: World, node: Node, store_series_: Series) -> Series:
    """Entrances split their store's counts exactly; other sublocations see a share."""
    s = store_series_
    if node.archive_date is not None:
        return _empty(s.store_uuid)
    if node.location_type == "entrance":
        store = world.nodes[s.store_uuid]
        entrances = sorted(
            (n for n in world.walk(store.uuid) if n.location_type == "entrance" and n.archive_date is None),
            key=lambda n: n.uuid,
        )
        weights = np.array(
            [1.0 + 2.0 * float(_uniform(_mix(np.array([location_key(world, e.uuid)])))[0]) for e in entrances]
        )
        weights /= weights.sum()
        index = next(i for i, e in enumerate(entrances) if e.uuid == node.uuid)

        def share(values: np.ndarray) -> np.ndarray:
            parts = [np.floor(values * w).astype(np.int64) for w in weights[:-1]]
            if index < len(parts):
                return parts[index]
            return values - sum(parts, np.zeros_like(values))

        return Series(s.epoch, s.bday, s.bmin, s.wall_min, share(s.tin), share(s.tout), s.validity, s.store_uuid)
    key = location_key(world, node.uuid)
    factor = 0.15 + 0.45 * float(_uniform(_mix(np.array([key])))[0])
    h = _mix(s.epoch.astype(np.uint64) ^ key)
    tin = np.floor(s.tin * factor + _uniform(h)).astype(np.int64)
    tout = np.floor(s.tout * factor + _uniform(_mix(h))).astype(np.int64)
    return Series(s.epoch, s.bday, s.bmin, s.wall_min, tin, tout, s.validity, s.store_uuid)


def predicted(world: World, store: Node, first: date, last: date, today: date) -> list[tuple[datetime, int]]:
    """15-minute predictions: the mean of the same weekday and time over the last
    four weeks of history."""
    history = store_series(world, store, today - timedelta(days=28), today - timedelta(days=1))
    by_slot: dict[tuple[int, int], list[int]] = {}
    weekdays = (history.bday - 1) % 7
    for wd, minute, value in zip(weekdays.tolist(), history.bmin.tolist(), history.tin.tolist(), strict=True):
        by_slot.setdefault((wd, minute), []).append(value)
    out: list[tuple[datetime, int]] = []
    day = first
    while day <= last:
        hours = world.hours_on(store, day)
        if hours is not None:
            midnight = datetime.combine(day, time())
            for minute in range(hours[0], hours[1], 15):
                values = by_slot.get((day.weekday(), minute))
                value = round(sum(values) / len(values)) if values else 0
                out.append((midnight + timedelta(minutes=minute), value))
        day += timedelta(days=1)
    return out
