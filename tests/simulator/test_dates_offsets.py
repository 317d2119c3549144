"""v2/datamine dates as the reference reads them: a gregorian "Z" is UTC, an ISO 8601
offset is that instant, each store reads the range in its own zone; and the
documented range limits (5 years for one store, 2 for several) refused with a 400."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from storeops.simulator import traffic
from storeops.simulator.server import RunningSimulator
from storeops.simulator.world import Node
from tests.conftest import ACCESS_KEY, SECRET_KEY

from .conftest import frozen_simulator, store_named

# Friday 20 November 2026, 18:00 UTC: the four 2026 DST changes are history.
LATE = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
LA, NY, LONDON = "America/Los_Angeles", "America/New_York", "Europe/London"


@pytest.fixture(scope="module")
def late_sim() -> Iterator[RunningSimulator]:
    with frozen_simulator(LATE) as running:
        yield running


@pytest.fixture
def web(late_sim) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=late_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as client:
        yield client


def _post(web: httpx.Client, store: Node, frm: dict, to: dict, **body) -> httpx.Response:
    body.setdefault(
        "group_bys", [{"group": "date", "unit": "days", "value": 1}, {"group": "time", "unit": "hours", "value": 1}]
    )
    return web.post(
        "/v2/datamine",
        json={"locations": [store.uuid], "metrics": ["traffic_in"], "date_ranges": [{"from": frm, "to": to}], **body},
    )


def _hours(web: httpx.Client, store: Node, frm: dict, to: dict, **body) -> dict[tuple[str, str], int]:
    response = _post(web, store, frm, to, **body)
    assert response.status_code == 200, response.text
    data = response.json()["metrics"][0]["data"]
    return {(d["group"]["from"]["gregorian"], d["group"]["group"]["from"]["time"]): d["value"] for d in data}


def _truth(sim: RunningSimulator, store: Node, lo: datetime, hi: datetime) -> dict[tuple[str, str], int]:
    """The store's own intervals starting in [lo, hi) (instants), by store day and hour."""
    s = traffic.store_series(sim.world, store, lo.date() - timedelta(days=2), hi.date() + timedelta(days=1))
    out: dict[tuple[str, str], int] = {}
    for bday, bmin, epoch, tin in zip(s.bday.tolist(), s.bmin.tolist(), s.epoch.tolist(), s.tin.tolist(), strict=True):
        if lo.timestamp() <= epoch and epoch + traffic.INTERVAL_S <= hi.timestamp():
            key = (date.fromordinal(bday).isoformat(), f"{bmin // 60:02d}:00")
            out[key] = out.get(key, 0) + tin
    return out


def _g(text: str) -> dict:
    return {"gregorian": text}


def test_z_is_utc_and_an_offset_is_that_instant(web, late_sim):
    store = store_named(late_sim.world, "Caspar City Plaza")  # Los Angeles, UTC-8 in November
    utc_day = _hours(web, store, _g("2026-11-12T00:00:00Z"), _g("2026-11-13T00:00:00Z"))
    local_day = _hours(web, store, _g("2026-11-12T00:00:00-08:00"), _g("2026-11-13T00:00:00-08:00"))
    same_as_z = _hours(web, store, _g("2026-11-11T16:00:00-08:00"), _g("2026-11-12T16:00:00-08:00"))
    plus_two = _hours(web, store, _g("2026-11-12T10:00:00+02:00"), _g("2026-11-12T12:00:00+02:00"))
    assert (
        utc_day
        == same_as_z
        == _truth(late_sim, store, datetime(2026, 11, 12, tzinfo=UTC), datetime(2026, 11, 13, tzinfo=UTC))
    )
    assert {day for day, _ in utc_day} == {"2026-11-11", "2026-11-12"}  # shifted: from 16:00 the day before
    assert {day for day, _ in local_day} == {"2026-11-12"}
    assert local_day == _truth(
        late_sim, store, datetime(2026, 11, 12, 8, tzinfo=UTC), datetime(2026, 11, 13, 8, tzinfo=UTC)
    )
    # 10:00+02:00 is 00:00 in Los Angeles: closed; 12:00+02:00 too. Nothing.
    assert plus_two == {}
    morning = _hours(web, store, _g("2026-11-12T20:00:00+02:00"), _g("2026-11-12T22:00:00+02:00"))
    assert morning == {
        ("2026-11-12", "10:00"): local_day[("2026-11-12", "10:00")],
        ("2026-11-12", "11:00"): local_day[("2026-11-12", "11:00")],
    }


def test_a_bare_gregorian_is_the_time_zones_or_each_stores_own(web, late_sim):
    ny, la = store_named(late_sim.world, "Fifth Avenue"), store_named(late_sim.world, "Caspar City Plaza")
    frm, to = _g("2026-11-12T12:00:00"), _g("2026-11-12T14:00:00")
    # No time_zone: each store's own wall time.
    assert set(_hours(web, ny, frm, to)) == {("2026-11-12", "12:00"), ("2026-11-12", "13:00")}
    assert set(_hours(web, la, frm, to)) == {("2026-11-12", "12:00"), ("2026-11-12", "13:00")}
    # With a time_zone: New York's noon is 09:00 in Los Angeles (closed until 10:00).
    assert set(_hours(web, la, frm, to, time_zone=NY)) == {("2026-11-12", "10:00")}
    assert set(_hours(web, ny, frm, to, time_zone=LA)) == {("2026-11-12", "15:00"), ("2026-11-12", "16:00")}


def test_names_are_read_in_the_time_zone(web, late_sim):
    # 18:00 UTC: 10:00 in Los Angeles, 13:00 in New York, 18:00 in London.
    london = store_named(late_sim.world, "London Covent Garden")
    own = _hours(web, london, {"name": "today"}, {"name": "now"}, time_zone=LONDON)
    from_la = _hours(web, london, {"name": "yesterday"}, {"name": "today"}, time_zone=LA)
    assert {d for d, _ in own} == {"2026-11-20"} and max(h for _, h in own) == "17:00"
    # Los Angeles' yesterday is 08:00 (UTC) on the 19th until 08:00 on the 20th in London.
    assert from_la == _truth(
        late_sim, london, datetime(2026, 11, 19, 8, tzinfo=UTC), datetime(2026, 11, 20, 8, tzinfo=UTC)
    )
    assert {d for d, _ in from_la} == {"2026-11-19"}


@pytest.mark.parametrize(
    "zone,store_name,change",
    [
        (NY, "Fifth Avenue", "2026-03-08"),
        (LA, "Caspar City Plaza", "2026-11-01"),
        (LONDON, "London Covent Garden", "2026-10-25"),
    ],
)
def test_relative_days_follow_the_time_zones_calendar(web, late_sim, zone, store_name, change):
    """A day added to a midnight is the next local midnight, 23 or 25 hours later."""
    store = store_named(late_sim.world, store_name)
    start = {"relative": {"base": _g(f"{change}T00:00:00"), "add_days": 1}}
    end = {"relative": {"add_hours": 2}}
    got = _hours(web, store, {"relative": {"base": start, "add_hours": 12}}, end, time_zone=zone)
    next_day = (date.fromisoformat(change) + timedelta(days=1)).isoformat()
    assert set(got) <= {(next_day, "12:00"), (next_day, "13:00")} and got


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-12T00:00:00+24:00",
        "2026-11-12T00:00:00+25:00",
        "1850-01-01T00:00:00Z",
        "2026-13-01T00:00:00Z",
    ],
)
def test_impossible_offsets_and_dates_are_refused(web, late_sim, text):
    store = store_named(late_sim.world, "Fifth Avenue")
    response = _post(web, store, _g(text), _g("2026-11-14T00:00:00Z"))
    assert response.status_code == 400 and response.json()["error"] == "bad_request", response.text


# ---------------------------------------------------------------- range limits


def _range_status(web: httpx.Client, locations: list[str], frm: str, to: str) -> httpx.Response:
    return web.post(
        "/v2/datamine",
        json={"locations": locations, "metrics": ["traffic_in"], "date_ranges": [{"from": _g(frm), "to": _g(to)}]},
    )


def test_range_limits_one_store_five_years(web, late_sim):
    store = store_named(late_sim.world, "Fifth Avenue")
    entrance = next(n for n in late_sim.world.walk(store.uuid) if n.location_type == "entrance")
    assert _range_status(web, [store.uuid], "2021-06-01T00:00:00-04:00", "2026-06-01T00:00:00-04:00").status_code == 200
    # A sublocation is its one store.
    assert (
        _range_status(web, [entrance.uuid], "2021-06-01T00:00:00-04:00", "2026-06-01T00:00:00-04:00").status_code == 200
    )
    over = _range_status(web, [store.uuid], "2021-06-01T00:00:00-04:00", "2026-06-01T00:00:01-04:00")
    assert over.status_code == 400
    assert over.json() == {
        "error": "bad_request",
        "error_detail": "date range too long: at most 5 years when querying one store",
    }
    # The limit is of the instants: the same wall times an hour apart in offset.
    assert _range_status(web, [store.uuid], "2021-06-01T00:00:00-04:00", "2026-06-01T00:00:00-05:00").status_code == 400


def test_range_limits_several_stores_two_years(web, late_sim):
    a, b = store_named(late_sim.world, "Fifth Avenue"), store_named(late_sim.world, "Chicago Loop")
    region = next(n for n in late_sim.world.nodes.values() if n.is_region and n.name == "Central")
    ok = _range_status(web, [a.uuid, b.uuid], "2024-06-01T00:00:00Z", "2026-06-01T00:00:00Z")
    assert ok.status_code == 200
    for locations in ([a.uuid, b.uuid], [region.uuid]):
        over = _range_status(web, locations, "2024-06-01T00:00:00Z", "2026-06-02T00:00:00Z")
        assert over.status_code == 400
        assert over.json()["error_detail"] == "date range too long: at most 2 years when querying several stores"
