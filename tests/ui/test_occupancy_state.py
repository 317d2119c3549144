"""Pure colour-state logic and store-hours arithmetic (no network, no widgets)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storeops.api.models import StoreHours
from storeops.services.occupancy import StoreOccupancy, StoreRef
from storeops.services.store_hours import OpenState, local_now, open_state
from storeops.settings import Settings
from storeops.settings import Thresholds as SettingsThresholds
from storeops.ui.occupancy.state import Level, Thresholds, card_level, fullness_key, level_for, percent


@pytest.mark.parametrize(
    ("occupancy", "limit", "level"),
    [
        (0, 50, Level.GREEN),
        (39, 50, Level.GREEN),  # 78 %
        (40, 50, Level.AMBER),  # exactly 80 %
        (49, 50, Level.AMBER),
        (50, 50, Level.RED),  # exactly 100 %
        (75, 50, Level.RED),
        (10, None, Level.NO_LIMIT),
        (10, 0, Level.NO_LIMIT),
        (None, 50, Level.UNKNOWN),
    ],
)
def test_default_thresholds(occupancy, limit, level):
    assert level_for(occupancy, limit) is level


def test_custom_thresholds_from_settings():
    t = Thresholds.from_settings(Settings(thresholds=SettingsThresholds(amber=50, red=90)))
    assert (t.amber_percent, t.red_percent) == (50, 90)
    assert level_for(24, 50, t) is Level.GREEN
    assert level_for(25, 50, t) is Level.AMBER
    assert level_for(45, 50, t) is Level.RED
    assert Thresholds.from_settings(object()) == Thresholds()


def test_percent():
    assert percent(40, 50) == 80.0
    assert percent(5, None) is None and percent(None, 5) is None


def _snap(name, occupancy, limit, *, failed=0, open_=True, updated=datetime(2026, 1, 1, 12)):
    return StoreOccupancy(
        StoreRef(name, name, limit=limit),
        occupancy=occupancy,
        updated_at=updated,
        failed_polls=failed,
        hours=OpenState(open_),
    )


def test_stale_and_closed_override_the_colour():
    assert card_level(_snap("a", 60, 50)) is Level.RED
    assert card_level(_snap("a", 60, 50, failed=1)) is Level.RED  # one failure is not stale yet
    assert card_level(_snap("a", 60, 50, failed=2)) is Level.STALE
    assert card_level(_snap("a", 60, 50, open_=False)) is Level.CLOSED
    assert card_level(_snap("a", 60, 50, open_=None)) is Level.RED  # unknown hours: show the count


def test_sorted_by_fullness_closed_and_unlimited_last():
    snaps = [
        _snap("low", 5, 50),
        _snap("shut", 49, 50, open_=False),
        _snap("full", 50, 50),
        _snap("nolimit", 30, None),
        _snap("mid", 30, 50),
    ]
    assert [s.store.name for s in sorted(snaps, key=fullness_key)] == ["full", "mid", "low", "nolimit", "shut"]


def _day(open_, close):
    return StoreHours(
        store_uuid="s",
        effective_day=open_[:10] + "T00:00:00Z",
        open=open_ + "Z" if open_ else None,
        close=close + "Z" if close else None,
    )


def test_open_state_in_store_local_time_including_overnight_days():
    days = [_day("2026-11-18T18:00:00", "2026-11-19T02:00:00"), _day("2026-11-19T18:00:00", "2026-11-20T02:00:00")]
    assert open_state(days, datetime(2026, 11, 19, 1, 30)).open is True  # yesterday's store day
    closed = open_state(days, datetime(2026, 11, 19, 9, 0))
    assert closed == OpenState(False, opens_at=datetime(2026, 11, 19, 18, 0))
    assert closed.closed_reason(datetime(2026, 11, 19, 9, 0)) == "Closed now — opens 18:00"
    assert closed.closed_reason(datetime(2026, 11, 18, 23, 0)) == "Closed now — opens tomorrow 18:00"
    assert open_state([], datetime(2026, 11, 19, 9)).open is None


def test_local_now_uses_the_store_zone():

    instant = datetime(2026, 11, 18, 21, 0, tzinfo=UTC)
    assert local_now(instant, "America/Chicago") == datetime(2026, 11, 18, 15, 0)
    assert local_now(instant, "Europe/London") == datetime(2026, 11, 18, 21, 0)
    assert local_now(instant, "Not/AZone") == datetime(2026, 11, 18, 21, 0)  # falls back to UTC
