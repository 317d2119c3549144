"""The on-demand traffic model: deterministic, shaped, within store hours, balanced."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from storeops.simulator import traffic
from storeops.simulator.seed import build_world

NOW = datetime(2026, 3, 18, 20, 7, tzinfo=UTC)
WORLD = build_world(7, now=NOW)


def _store(name):
    return next(s for s in WORLD.stores() if s.name == name)


def test_same_query_same_counts():
    store = _store("Chicago Loop")
    a = traffic.store_series(WORLD, store, date(2025, 6, 1), date(2025, 6, 30))
    b = traffic.store_series(build_world(7, now=NOW), store, date(2025, 6, 10), date(2025, 6, 12))
    mask = np.isin(a.epoch, b.epoch)
    assert np.array_equal(a.tin[mask], b.tin) and np.array_equal(a.tout[mask], b.tout)


def test_counts_only_within_store_hours_and_each_day_balances():
    store = _store("Fifth Avenue")
    s = traffic.store_series(WORLD, store, date(2025, 3, 1), date(2025, 3, 31))
    tz = ZoneInfo(store.time_zone)
    for epoch, bday in zip(s.epoch[::37].tolist(), s.bday[::37].tolist(), strict=True):
        local = datetime.fromtimestamp(epoch, tz)
        day = date.fromordinal(bday)
        hours = WORLD.hours_on(store, day)
        assert hours is not None
        open_min, close_min = hours
        minute = (local.date() - day).days * 1440 + local.hour * 60 + local.minute
        assert open_min <= minute < close_min
    for day in np.unique(s.bday):
        in_day = s.bday == day
        assert s.tin[in_day].sum() == s.tout[in_day].sum()
    assert (s.occupancy() >= 0).all()


def test_shape_weekly_and_seasonal():
    store = _store("Boston Back Bay")
    s = traffic.store_series(WORLD, store, date(2025, 1, 1), date(2025, 12, 31))
    weekday = (s.bday - 1) % 7
    per_day = {d: s.tin[weekday == d].sum() for d in range(7)}
    assert per_day[5] > 1.3 * per_day[1]  # Saturday busier than Tuesday
    months = np.array([date.fromordinal(int(d)).month for d in s.bday])
    assert s.tin[months == 12].sum() > s.tin[months == 2].sum() * 1.2  # December peak


def test_some_intervals_incomplete_or_imputed():
    s = traffic.store_series(WORLD, _store("Austin Domain"), date(2024, 6, 1), date(2025, 12, 31))
    assert (s.validity == traffic.INCOMPLETE).any()
    assert (s.validity == traffic.IMPUTED).any()
    assert (s.validity == traffic.COMPLETE).mean() > 0.95


def test_entrances_add_up_to_their_store():
    store = _store("Caspar City Plaza")
    s = traffic.store_series(WORLD, store, date(2025, 5, 1), date(2025, 5, 7))
    entrances = [n for n in WORLD.children(store.uuid) if n.location_type == "entrance" and not n.archive_date]
    total_in = sum(traffic.sublocation_series(WORLD, e, s).tin for e in entrances)
    assert np.array_equal(total_in, s.tin)
    display = next(n for n in WORLD.children(store.uuid) if n.location_type == "display" and not n.archive_date)
    shown = traffic.sublocation_series(WORLD, display, s).tin
    assert 0 < shown.sum() < s.tin.sum()


def test_overnight_store_runs_past_midnight_and_no_traffic_before_history():
    store = _store("Seattle Night Market")
    s = traffic.store_series(WORLD, store, date(2025, 7, 1), date(2025, 7, 2))
    assert s.plus.any() and (~s.plus).any()
    assert s.wall_min[s.plus].max() < 120
    early = traffic.store_series(
        WORLD, store, WORLD.history_start - timedelta(days=30), WORLD.history_start - timedelta(days=1)
    )
    assert len(early) == 0


def test_predictions_follow_recent_weeks():
    store = _store("Chicago Loop")
    today = date(2026, 3, 18)
    pred = traffic.predicted(WORLD, store, date(2026, 3, 21), date(2026, 3, 21), today)  # a Saturday
    assert pred[0][0] == datetime(2026, 3, 21, 9, 0)
    assert len(pred) == (1320 - 540) // 15
    hist = traffic.store_series(WORLD, store, date(2026, 2, 21), date(2026, 3, 14))
    saturday = hist.tin[(hist.bday - 1) % 7 == 5].reshape(4, -1).mean(axis=0)
    assert [v for _, v in pred] == [round(x) for x in saturday]
