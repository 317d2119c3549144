"""Store-local dates against the simulator, as the cloud reads them: a gregorian "Z"
is UTC, so the client sends each store's days with that zone's UTC offset.

The series the client gets back must equal the simulator's own traffic for the
store's local days: in each of the simulator's zones, across both 2026 DST changes
(US 8 March and 1 November, Europe 29 March and 25 October) and around local
midnight. The simulator is pinned after all four changes so that they are history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storeops.api.client import RetailNextClient
from storeops.api.datamine import (
    DatamineRequest,
    DateRange,
    DateSpec,
    GroupBy,
    gregorian_text,
    metric_rows,
)
from storeops.api.errors import InvalidRequest, ValidationError
from storeops.simulator import traffic
from storeops.simulator.server import RunningSimulator
from storeops.simulator.world import Node
from tests.conftest import start_pinned_simulator
from tests.helpers import not_none

from .conftest import make_client, sent

# Friday 20 November 2026, 18:00 UTC: every 2026 DST change is in the past.
AFTER_THE_CHANGES = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)

# One store per simulator zone, open every day (the Night Market past midnight).
STORES_BY_ZONE = {
    "America/Los_Angeles": "Caspar City Plaza",
    "America/Chicago": "Chicago Loop",
    "America/New_York": "Fifth Avenue",
    "Europe/London": "London Covent Garden",
}
OVERNIGHT = "Seattle Night Market"

US_SPRING, US_AUTUMN = date(2026, 3, 8), date(2026, 11, 1)
EU_SPRING, EU_AUTUMN = date(2026, 3, 29), date(2026, 10, 25)
DST_DAYS = {
    "America/Los_Angeles": (US_SPRING, US_AUTUMN),
    "America/Chicago": (US_SPRING, US_AUTUMN),
    "America/New_York": (US_SPRING, US_AUTUMN),
    "Europe/London": (EU_SPRING, EU_AUTUMN),
}


@pytest.fixture(scope="module")
def late_sim() -> Iterator[RunningSimulator]:
    running = start_pinned_simulator(at=AFTER_THE_CHANGES)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def late_client(late_sim) -> AsyncIterator[RetailNextClient]:
    async with make_client(late_sim) as c:
        yield c


def _store(running: RunningSimulator, name: str) -> Node:
    return next(s for s in running.world.stores() if s.name == name)


def _hourly_truth(running: RunningSimulator, store: Node, first: date, last: date) -> dict[tuple[date, str], int]:
    """The simulator's own traffic in of the store days first..last, by (day, "hh:00")."""
    s = traffic.store_series(running.world, store, first - timedelta(days=1), last)
    out: dict[tuple[date, str], int] = defaultdict(int)
    for bday, bmin, tin in zip(s.bday.tolist(), s.bmin.tolist(), s.tin.tolist(), strict=True):
        day = date.fromordinal(bday)
        if first <= day <= last:
            hour = bmin // 60
            label = f"+{hour - 24:02d}:00" if hour >= 24 else f"{hour:02d}:00"
            out[(day, label)] += tin
    return dict(out)


def _hourly(result_rows) -> dict[tuple[date, str], int]:
    out: dict[tuple[date, str], int] = {}
    for r in result_rows:
        label = ("+" if r.day_offset > 0 else "") + not_none(r.time)
        out[(not_none(r.day), label)] = int(not_none(r.value))
    return out


async def _hourly_days(client: RetailNextClient, store: Node, first: date, last: date, **range_kw):
    request = DatamineRequest(
        locations=[store.uuid],
        metrics=["traffic_in"],
        date_ranges=[DateRange.days(first, last + timedelta(days=1), **range_kw)],
        group_bys=[GroupBy.date("days", 1), GroupBy.time("hours", 1)],
    )
    return _hourly(metric_rows(await client.datamine(request), "traffic_in"))


# ---------------------------------------------------------------- the wire


@pytest.mark.parametrize(
    "day,zone,text",
    [
        (date(2026, 3, 7), "America/New_York", "2026-03-07T00:00:00-05:00"),
        (date(2026, 3, 8), "America/New_York", "2026-03-08T00:00:00-05:00"),  # the change is at 02:00
        (date(2026, 3, 9), "America/New_York", "2026-03-09T00:00:00-04:00"),
        (date(2026, 11, 1), "America/Los_Angeles", "2026-11-01T00:00:00-07:00"),
        (date(2026, 11, 2), "America/Los_Angeles", "2026-11-02T00:00:00-08:00"),
        (date(2026, 3, 29), "Europe/London", "2026-03-29T00:00:00+00:00"),
        (date(2026, 3, 30), "Europe/London", "2026-03-30T00:00:00+01:00"),
        (date(2026, 10, 26), "Europe/London", "2026-10-26T00:00:00+00:00"),
        (date(2026, 6, 1), "America/Chicago", "2026-06-01T00:00:00-05:00"),
        (date(2026, 1, 15), "America/Chicago", "2026-01-15T00:00:00-06:00"),
    ],
)
def test_a_store_day_is_sent_with_its_own_utc_offset(day, zone, text):
    assert DateSpec.gregorian(day, time_zone=zone).to_body() == {"gregorian": text}
    assert gregorian_text(day, zone) == text
    assert gregorian_text(day, ZoneInfo(zone)) == text


def test_naive_times_aware_times_and_the_requests_zone():
    ny = "America/New_York"
    # A wall time in the zone; an aware datetime keeps its instant (sent in UTC).
    assert DateSpec.gregorian(datetime(2026, 3, 8, 9, 30), time_zone=ny).to_body() == {
        "gregorian": "2026-03-08T09:30:00-04:00"
    }
    aware = datetime(2026, 3, 8, 9, 30, tzinfo=ZoneInfo(ny))
    assert DateSpec.gregorian(aware, time_zone="Europe/London").to_body() == {"gregorian": "2026-03-08T13:30:00Z"}
    # A naive value without a zone of its own takes the request's, at any depth.
    spec = DateSpec.relative(base=DateSpec.gregorian(date(2026, 3, 8)), add_days=1)
    request = DatamineRequest(["s"], ["traffic_in"], [DateRange(spec, DateSpec.gregorian(date(2026, 3, 10)))])
    request.time_zone = ny
    body = request.to_body()
    assert body["date_ranges"] == [
        {
            "from": {"relative": {"base": {"gregorian": "2026-03-08T00:00:00-05:00"}, "add_days": 1}},
            "to": {"gregorian": "2026-03-10T00:00:00-04:00"},
        }
    ]
    assert body["time_zone"] == ny
    # Nowhere a zone: the reference's bare form, which it defines as UTC.
    assert DateRange.days(date(2026, 3, 8), date(2026, 3, 9)).to_body() == {
        "from": {"gregorian": "2026-03-08T00:00:00Z"},
        "to": {"gregorian": "2026-03-09T00:00:00Z"},
    }
    # A zone given to the builder wins over the request's.
    own = DateRange.days(date(2026, 3, 8), date(2026, 3, 9), time_zone="Europe/London")
    assert DatamineRequest(["s"], ["traffic_in"], [own], time_zone=ny).to_body()["date_ranges"][0] == {
        "from": {"gregorian": "2026-03-08T00:00:00+00:00"},
        "to": {"gregorian": "2026-03-09T00:00:00+00:00"},
    }


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "not a zone"])
def test_an_unknown_time_zone_is_refused_before_sending(zone):
    with pytest.raises(ValidationError, match="time zone"):
        DateSpec.gregorian(date(2026, 3, 8), time_zone=zone)
    with pytest.raises(ValidationError, match="time zone"):
        DatamineRequest(
            ["s"], ["traffic_in"], [DateRange.days(date(2026, 3, 8), date(2026, 3, 9))], time_zone=zone or "x/y"
        ).to_body()


# ---------------------------------------------------------------- series equal the simulator's


@pytest.mark.parametrize("zone", sorted(STORES_BY_ZONE))
async def test_local_days_across_both_dst_changes_equal_the_simulators_data(late_client, late_sim, zone):
    store = _store(late_sim, STORES_BY_ZONE[zone])
    for change in DST_DAYS[zone]:
        first, last = change - timedelta(days=1), change + timedelta(days=1)
        got = await _hourly_days(late_client, store, first, last, time_zone=zone)
        truth = _hourly_truth(late_sim, store, first, last)
        assert got == truth, f"{store.name} around {change}"
        # London is closed on Sundays, the day Europe changes: two days then.
        assert {day for day, _ in got} >= {first, last}
        # Whole days cannot show an offset an hour out (the stores are closed at
        # midnight); two hours of each day, sent as wall times in the zone, can.
        for day in (first, change, last):
            noon = datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
            request = DatamineRequest(
                locations=[store.uuid],
                metrics=["traffic_in"],
                date_ranges=[DateRange.between(noon, noon + timedelta(hours=2), time_zone=zone)],
                group_bys=[GroupBy.date("days", 1), GroupBy.time("hours", 1)],
            )
            window = _hourly(metric_rows(await late_client.datamine(request), "traffic_in"))
            assert window == {k: v for k, v in truth.items() if k[0] == day and k[1] in ("12:00", "13:00")}


@pytest.mark.parametrize("zone", sorted(STORES_BY_ZONE))
async def test_an_ordinary_week_in_each_zone(late_client, late_sim, zone):
    store = _store(late_sim, STORES_BY_ZONE[zone])
    first = date(2026, 11, 9)  # a Monday
    got = await _hourly_days(late_client, store, first, first + timedelta(days=6), time_zone=zone)
    assert got == _hourly_truth(late_sim, store, first, first + timedelta(days=6))


async def test_the_requests_time_zone_places_naive_days_too(late_client, late_sim):
    store = _store(late_sim, STORES_BY_ZONE["Europe/London"])
    first, last = EU_AUTUMN - timedelta(days=1), EU_AUTUMN + timedelta(days=1)
    request = DatamineRequest(
        locations=[store.uuid],
        metrics=["traffic_in"],
        date_ranges=[DateRange.days(first, last + timedelta(days=1))],
        group_bys=[GroupBy.date("days", 1), GroupBy.time("hours", 1)],
        time_zone=store.time_zone,
    )
    got = _hourly(metric_rows(await late_client.datamine(request), "traffic_in"))
    assert got == _hourly_truth(late_sim, store, first, last)


@pytest.mark.parametrize("name", [*sorted(STORES_BY_ZONE.values()), OVERNIGHT])
async def test_around_local_midnight_in_every_zone(late_client, late_sim, name):
    """From 16:00 the day before to noon, as UTC instants: the evening lands on the
    day before and the morning on the day, split at the store's own midnight
    (whatever UTC's date is then), an overnight store's small hours on the day it
    opened; every interval is the simulator's own."""
    store = _store(late_sim, name)
    tz = ZoneInfo(not_none(store.time_zone))
    for day in (US_AUTUMN, EU_AUTUMN, date(2026, 11, 11), date(2026, 11, 14)):
        start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=tz) + timedelta(hours=16)
        end = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=12)
        request = DatamineRequest(
            locations=[store.uuid],
            metrics=["traffic_in"],
            date_ranges=[DateRange.between(start.astimezone(UTC), end.astimezone(UTC))],
            group_bys=[GroupBy.date("days", 1), GroupBy.time("minutes", 15)],
        )
        got = metric_rows(await late_client.datamine(request), "traffic_in")
        s = traffic.store_series(late_sim.world, store, day - timedelta(days=2), day)
        lo, hi = start.timestamp(), end.timestamp()
        expected = sorted(
            (date.fromordinal(d), m, v)
            for d, m, e, v in zip(s.bday.tolist(), s.bmin.tolist(), s.epoch.tolist(), s.tin.tolist(), strict=True)
            if lo <= e and e + traffic.INTERVAL_S <= hi
        )
        assert expected, f"{name} has no traffic around midnight before {day}"
        assert sorted((not_none(r.day), _minute(r.time, r.day_offset), not_none(r.value)) for r in got) == expected
        evening = {d for d, m, _ in expected if m >= 16 * 60}
        assert evening <= {day - timedelta(days=1)}


def _minute(text: str | None, offset: int) -> int:
    hh, mm = not_none(text).split(":")
    return int(hh) * 60 + int(mm) + 1440 * max(offset, 0)


async def test_an_overnight_stores_day_keeps_its_hours_past_midnight(late_client, late_sim):
    store = _store(late_sim, OVERNIGHT)
    for day in (US_AUTUMN - timedelta(days=1), US_AUTUMN, date(2026, 11, 12)):
        got = await _hourly_days(late_client, store, day, day, time_zone=store.time_zone)
        truth = _hourly_truth(late_sim, store, day, day)
        assert got == truth and any(label.startswith("+") for _, label in got)


async def test_utc_days_are_shifted_by_the_stores_offset(late_client, late_sim):
    """The same dates sent with "Z" are UTC days: for Los Angeles (UTC-8 in
    November) they start at 16:00 local the day before, as the reference reads them."""
    store = _store(late_sim, STORES_BY_ZONE["America/Los_Angeles"])
    day = date(2026, 11, 12)
    local = await _hourly_days(late_client, store, day, day, time_zone=store.time_zone)
    utc = await _hourly_days(late_client, store, day, day)  # no zone: "…T00:00:00Z"
    assert local == _hourly_truth(late_sim, store, day, day)
    assert local != utc
    # The UTC day is local 16:00 the day before until 16:00 on the day.
    s = traffic.store_series(late_sim.world, store, day - timedelta(days=1), day)
    lo = datetime.combine(day, datetime.min.time(), tzinfo=UTC).timestamp()
    shifted: dict[tuple[date, str], int] = defaultdict(int)
    for bday, bmin, epoch, tin in zip(s.bday.tolist(), s.bmin.tolist(), s.epoch.tolist(), s.tin.tolist(), strict=True):
        if lo <= epoch and epoch + traffic.INTERVAL_S <= lo + 86400:
            shifted[(date.fromordinal(bday), f"{bmin // 60:02d}:00")] += tin
    assert utc == dict(shifted)
    assert min(d for d, _ in utc) == day - timedelta(days=1) and max(h for d, h in utc if d == day) == "15:00"


# ---------------------------------------------------------------- range limits


def _request(locations: list[str], date_range: DateRange, **kw) -> DatamineRequest:
    return DatamineRequest(locations=locations, metrics=["traffic_in"], date_ranges=[date_range], **kw)


def test_range_limits_are_checked_before_sending():
    ny = "America/New_York"
    five = DateRange.days(date(2021, 3, 1), date(2026, 3, 1), time_zone=ny)
    over_five = DateRange.days(date(2021, 3, 1), date(2026, 3, 2), time_zone=ny)
    two = DateRange.days(date(2024, 3, 1), date(2026, 3, 1), time_zone=ny)
    over_two = DateRange.days(date(2024, 3, 1), date(2026, 3, 2), time_zone=ny)
    _request(["a"], five).to_body()  # exactly 5 years (from winter to winter offsets)
    _request(["a", "b"], two).to_body()
    with pytest.raises(ValidationError, match="at most 5 years when querying one store"):
        _request(["a"], over_five).to_body()
    with pytest.raises(ValidationError, match="at most 2 years when querying several stores"):
        _request(["a", "b"], over_two).to_body()
    # A region is one location but several stores: the caller says so.
    with pytest.raises(ValidationError, match="2 years"):
        _request(["region"], over_two, store_count=12).to_body()
    _request(["region"], over_two).to_body()
    # A relative end counts from the other one; "now" is the server's to know.
    longest = DateRange(DateSpec.gregorian(date(2020, 1, 1), time_zone=ny), DateSpec.relative(add_years=5))
    _request(["a"], longest).to_body()
    too_long = DateRange(DateSpec.gregorian(date(2020, 1, 1), time_zone=ny), DateSpec.relative(add_years=5, add_days=1))
    with pytest.raises(ValidationError, match="5 years"):
        _request(["a"], too_long).to_body()
    back = DateRange(DateSpec.relative(add_months=-25), DateSpec.gregorian(date(2026, 3, 1), time_zone=ny))
    with pytest.raises(ValidationError, match="2 years"):
        _request(["a", "b"], back).to_body()
    absolute = DateRange(DateSpec.absolute(year=2020, month=6), DateSpec.absolute(year=2025, month=6, day=2))
    with pytest.raises(ValidationError, match="5 years"):
        _request(["a"], absolute, time_zone=ny).to_body()
    from_now = DateRange(DateSpec.relative(base=DateSpec.named("now"), add_years=-6), DateSpec.named("now"))
    assert from_now.span_exceeds(5, ny) is None
    _request(["a"], from_now, time_zone=ny).to_body()  # undecidable here: the server decides


async def test_range_limit_refusals_send_nothing(late_client, late_sim):
    a, b = _store(late_sim, "Chicago Loop"), _store(late_sim, "Fifth Avenue")
    before = sent(late_sim, "/v2/datamine")
    with pytest.raises(ValidationError, match="2 years"):
        await late_client.datamine(
            _request([a.uuid, b.uuid], DateRange.days(date(2023, 1, 1), date(2025, 1, 2), time_zone=a.time_zone))
        )
    with pytest.raises(ValidationError, match="5 years"):
        await late_client.datamine(
            _request([a.uuid], DateRange.days(date(2020, 1, 1), date(2025, 1, 2), time_zone=a.time_zone))
        )
    assert sent(late_sim, "/v2/datamine") == before


async def test_the_server_refuses_what_the_client_could_not_decide(late_client, late_sim):
    store = _store(late_sim, "Chicago Loop")
    request = _request(
        [store.uuid],
        DateRange(DateSpec.relative(add_years=-5, add_days=-1), DateSpec.named("today")),
        time_zone=store.time_zone,
    )
    with pytest.raises(InvalidRequest) as info:
        await late_client.datamine(request)
    assert info.value.status == 400 and "at most 5 years" in not_none(info.value.detail)
