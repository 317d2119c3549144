"""DatamineRequest.to_body() produces exactly the reference's request bodies,
and the documented rules are refused before sending."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from storeops.api.datamine import (
    DatamineRequest,
    DateRange,
    DateSpec,
    GroupBy,
    TimeRange,
    current_occupancy_request,
    metric_rows,
)
from storeops.api.errors import ValidationError

STORE = "aec3dc7e-9e2c-11e5-9bb4-0e5ba9bee1b9"


def test_traffic_example_body_matches_reference():
    body = DatamineRequest(
        locations=[STORE],
        metrics=["traffic_in", "traffic_out"],
        date_ranges=[
            DateRange(
                DateSpec.relative(add_weeks=-1), DateSpec.relative(base=DateSpec.named("now"), truncate_to="week")
            )
        ],
        time_ranges=[TimeRange.store_hours()],
        group_bys=[GroupBy.date("days", 1)],
        time_zone="America/Los_Angeles",
    ).to_body()
    assert body == {
        "metrics": ["traffic_in", "traffic_out"],
        "date_ranges": [
            {
                "from": {"relative": {"add_weeks": -1}},
                "to": {"relative": {"base": {"name": "now"}, "truncate_to": "week"}},
            }
        ],
        "time_ranges": [{"type": "store_hours"}],
        "group_bys": [{"group": "date", "unit": "days", "value": 1}],
        "locations": [STORE],
        "time_zone": "America/Los_Angeles",
    }


def test_occupancy_example_body_matches_reference():
    store = "dace69f6-b307-11e9-819d-0000698cf233"
    body = current_occupancy_request([store], "America/Los_Angeles").to_body()
    # The reference sends value 0 for the location group; any value is "irrelevant"
    # there, and we send 1, which its "Supported Options" section shows.
    assert body == {
        "date_ranges": [{"from": {"name": "today"}, "to": {"relative": {"add_days": 1}}}],
        "group_bys": [{"group": "location", "unit": "", "value": 1}],
        "locations": [store],
        "metrics": ["traffic_in", "traffic_out", "total_occupancy"],
        "time_ranges": [{"type": "store_hours"}],
        "time_zone": "America/Los_Angeles",
    }


def test_the_four_date_forms():
    assert DateSpec.named("today").to_body() == {"name": "today"}
    assert DateSpec.gregorian(datetime(2021, 2, 27, tzinfo=UTC)).to_body() == {"gregorian": "2021-02-27T00:00:00Z"}
    assert DateSpec.gregorian(date(2021, 2, 28)).to_body() == {"gregorian": "2021-02-28T00:00:00Z"}
    assert DateSpec.absolute(year=2021, week=2, day=4).to_body() == {"absolute": {"year": 2021, "week": 2, "day": 4}}
    assert DateSpec.absolute(year=2017, quarter=2, month=3, week=2, day=5, hour=12, minute=45).to_body() == {
        "absolute": {"year": 2017, "quarter": 2, "month": 3, "week": 2, "day": 5, "hour": 12, "minute": 45}
    }
    rel = DateSpec.relative(base=DateSpec.gregorian("2021-02-27T00:00:00Z"))
    assert rel.to_body() == {"relative": {"base": {"gregorian": "2021-02-27T00:00:00Z"}}}
    assert DateRange(rel, DateSpec.relative(add_days=5)).to_body() == {
        "from": {"relative": {"base": {"gregorian": "2021-02-27T00:00:00Z"}}},
        "to": {"relative": {"add_days": 5}},
    }


def test_mixed_and_last_24_hours_example():
    body = DatamineRequest(
        locations=[STORE],
        metrics=["traffic_in"],
        date_ranges=[
            DateRange(
                DateSpec.relative(add_days=-1), DateSpec.relative(base=DateSpec.named("now"), truncate_to="minute")
            )
        ],
        time_ranges=[TimeRange.between("00:00", "24:00")],
        group_bys=[GroupBy.location(), GroupBy.date("days", 1), GroupBy.time("hours", 1)],
        time_zone="America/Los_Angeles",
    ).to_body()
    assert body["time_ranges"] == [{"from": "00:00", "until": "24:00"}]
    assert body["group_bys"] == [
        {"group": "location", "unit": "", "value": 1},
        {"group": "date", "unit": "days", "value": 1},
        {"group": "time", "unit": "hours", "value": 1},
    ]
    june = DateRange(DateSpec.absolute(year=2020, month=6), DateSpec.relative(add_months=4))
    assert june.to_body() == {"from": {"absolute": {"year": 2020, "month": 6}}, "to": {"relative": {"add_months": 4}}}
    assert GroupBy.day_of_week().to_body() == {"group": "day_of_week", "unit": "", "value": 1}


def test_named_dates_need_a_time_zone_even_inside_a_relative_base():
    request = DatamineRequest(
        locations=[STORE],
        metrics=["traffic_in"],
        date_ranges=[
            DateRange(
                DateSpec.relative(add_weeks=-1), DateSpec.relative(base=DateSpec.named("now"), truncate_to="week")
            )
        ],
    )
    with pytest.raises(ValidationError, match="time zone"):
        request.to_body()
    request.time_zone = "Europe/Paris"
    assert request.to_body()["time_zone"] == "Europe/Paris"


def test_gregorian_only_request_needs_no_time_zone():
    body = DatamineRequest([STORE], ["traffic_in"], [DateRange.days(date(2021, 2, 27), date(2021, 2, 28))]).to_body()
    assert "time_zone" not in body and "time_ranges" not in body


@pytest.mark.parametrize(
    "build",
    [
        lambda: TimeRange.between("9:00", "17:00"),
        lambda: TimeRange.between("09:00", "25:00"),
        lambda: TimeRange.between("24:00", "24:00"),
        lambda: GroupBy.date("hours", 1),
        lambda: GroupBy.time("days", 1),
        lambda: GroupBy.time("minutes", 0),
        lambda: GroupBy.time("minutes", True),
        lambda: GroupBy.date("days", -3),
        lambda: DateSpec.relative(truncate_to="fortnight"),
        lambda: DateSpec.absolute(year=2021, month=0),
        lambda: DateRange(DateSpec.relative(add_days=-1), DateSpec.relative(add_days=1)),
        lambda: DatamineRequest([], ["traffic_in"], [DateRange.days(date(2021, 1, 1), date(2021, 1, 2))]).to_body(),
        lambda: DatamineRequest([STORE], [], [DateRange.days(date(2021, 1, 1), date(2021, 1, 2))]).to_body(),
        lambda: DatamineRequest([STORE], ["traffic_in"], []).to_body(),
    ],
)
def test_invalid_pieces_are_refused(build):
    with pytest.raises(ValidationError):
        build()


@pytest.mark.parametrize("unit,value", [("minutes", 7), ("minutes", 1), ("minutes", 50), ("hours", 5), ("hours", 100)])
def test_time_groups_of_any_positive_size(unit, value):
    # "any positive integer": not only multiples of the 15-minute interval.
    assert GroupBy.time(unit, value).to_body() == {"group": "time", "unit": unit, "value": value}


def _minutes(hhmm: str | None) -> int:
    assert hhmm is not None
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


async def test_a_seven_minute_group_over_http(client, sim):
    day = sim.clock.now().date() - timedelta(days=7)
    store = next(s for s in sim.world.stores() if s.name == "Fifth Avenue")  # open every day

    def request(size: int) -> DatamineRequest:
        return DatamineRequest(
            [store.uuid],
            ["traffic_in"],
            [DateRange.days(day, day + timedelta(days=1))],
            group_bys=[GroupBy.time("minutes", size)],
        )

    quarters = metric_rows(await client.datamine(request(15)), "traffic_in")
    sevens = metric_rows(await client.datamine(request(7)), "traffic_in")
    assert len(quarters) > 20
    # Each quarter (15 > 7) lands alone in the 7-minute group its start falls in.
    assert [(_minutes(r.time) // 7 * 7, r.value) for r in quarters] == [(_minutes(r.time), r.value) for r in sevens]
