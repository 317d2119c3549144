"""v2/datamine: date forms, time ranges, group-bys, limits and response shapes.

The clock is frozen on Wednesday 18 March 2026, 13:07 in Los Angeles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from storeops.simulator import traffic
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.simulator.conftest import form_post, frozen_simulator, store_named

LA = "America/Los_Angeles"


def mine(http, **body):
    body.setdefault("metrics", ["traffic_in", "traffic_out"])
    response = http.post("/v2/datamine", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def values(result, metric="traffic_in"):
    m = next(m for m in result["metrics"] if m["name"] == metric)
    assert m["ok"], m
    return m["data"]


def day_range(first: str, to: str) -> list[dict]:
    # No "Z" and no time_zone: each store's own local days ("Z" would be UTC).
    return [{"from": {"gregorian": f"{first}T00:00:00"}, "to": {"gregorian": f"{to}T00:00:00"}}]


def test_reference_last_week_example(http, frozen_sim):
    store = store_named(frozen_sim.world, "Caspar City Plaza")
    body = (
        '{ "metrics" : [ "traffic_in", "traffic_out" ], "date_ranges" : [ { "from": { "relative": { "add_weeks": -1 } }, '
        '"to": { "relative": { "base": { "name": "now" }, "truncate_to": "week" } } } ], "time_ranges" : '
        '[ { "type": "store_hours" } ], "group_bys" : [ { "group": "date", "unit": "days", "value": 1 } ], '
        '"locations" : [ "%s" ], "time_zone": "America/Los_Angeles" }' % store.uuid
    )
    response = form_post(http, "/v2/datamine", body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is True and [m["name"] for m in result["metrics"]] == ["traffic_in", "traffic_out"]
    data = values(result)
    assert [d["group"]["from"]["gregorian"] for d in data] == [f"2026-03-{d:02d}" for d in range(8, 15)]
    first = data[0]
    assert set(first) == {"value", "validity", "group", "index"} and first["index"] == 0
    assert first["group"] == {
        "type": "date",
        "from": {"gregorian": "2026-03-08", "year": 2026, "month": 3, "day": 8},
        "through": {"gregorian": "2026-03-08", "year": 2026, "month": 3, "day": 8},
    }
    series = traffic.store_series(frozen_sim.world, store, date(2026, 3, 8), date(2026, 3, 14))
    expected = [int(series.tin[series.bday == date(2026, 3, d).toordinal()].sum()) for d in range(8, 15)]
    assert [d["value"] for d in data] == expected
    assert sum(d["value"] for d in values(result, "traffic_out")) == sum(expected)


def test_reference_occupancy_example_counts_completed_intervals_only(http, frozen_sim):
    store = store_named(frozen_sim.world, "San Jose Store")
    body = (
        '{ "date_ranges" : [ { "from" : { "name":"today" }, "to" : { "relative" : {"add_days" : 1}} } ], '
        '"group_bys" : [ { "group" : "location", "unit" : "", "value" : 0 } ], "locations" : [ "%s" ], '
        '"metrics" : [ "traffic_in", "traffic_out", "total_occupancy" ], "time_ranges" : [ {"type": "store_hours"} ], '
        '"time_zone": "America/Los_Angeles" }' % store.uuid
    )
    result = form_post(http, "/v2/datamine", body).json()
    [tin], [tout], [occ] = values(result), values(result, "traffic_out"), values(result, "total_occupancy")
    assert tin["group"] == {
        "name": "San Jose Store",
        "qualified_name": "San Jose Store",
        "type": "location",
        "uuid": store.uuid,
    }
    assert occ["value"] == tin["value"] - tout["value"] > 0
    # 10:00 to 13:07 local: twelve completed quarter hours, the last from 12:45.
    by_quarter = values(
        mine(
            http,
            locations=[store.uuid],
            time_zone=LA,
            date_ranges=[{"from": {"name": "today"}, "to": {"name": "now"}}],
            group_bys=[{"group": "time", "unit": "minutes", "value": 15}],
        )
    )
    assert len(by_quarter) == 12
    assert by_quarter[0]["group"]["from"]["time"] == "10:00"
    assert by_quarter[-1]["group"]["from"] == {"time": "12:45", "hour": 12, "minute": 45}
    assert by_quarter[-1]["group"]["to"]["time"] == "13:00"
    assert sum(d["value"] for d in by_quarter) == tin["value"]


def test_occupancy_reflects_adjustments(own_sim, own_http):
    store = store_named(own_sim.world, "Fifth Avenue")
    query = {
        "locations": [store.uuid],
        "metrics": ["total_occupancy"],
        "time_zone": "America/New_York",
        "date_ranges": [{"from": {"name": "today"}, "to": {"relative": {"add_days": 1}}}],
    }
    before = values(mine(own_http, **query), "total_occupancy")[0]["value"]
    assert (
        own_http.post("/v1/occupancy/adjust", json={"store_uuid": store.uuid, "adjustment_count": 5}).status_code == 200
    )
    assert values(mine(own_http, **query), "total_occupancy")[0]["value"] == before + 5
    own_http.post("/v1/occupancy/adjust", json={"store_uuid": store.uuid, "adjustment_count": -10_000})
    assert values(mine(own_http, **query), "total_occupancy")[0]["value"] == 0


def test_absolute_dates_weeks_start_on_sunday_and_month_13_rolls_over(http, frozen_sim):
    store = store_named(frozen_sim.world, "Chicago Loop")
    days = values(
        mine(
            http,
            locations=[store.uuid],
            group_bys=[{"group": "date", "unit": "days", "value": 1}],
            date_ranges=[
                {
                    "from": {"absolute": {"year": 2026, "week": 2, "day": 4}},
                    "to": {"absolute": {"year": 2026, "week": 3}},
                }
            ],
        )
    )
    assert [d["group"]["from"]["gregorian"] for d in days] == ["2026-01-14", "2026-01-15", "2026-01-16", "2026-01-17"]
    rolled = values(
        mine(
            http,
            locations=[store.uuid],
            group_bys=[{"group": "date", "unit": "days", "value": 1}],
            date_ranges=[{"from": {"absolute": {"year": 2025, "month": 13}}, "to": {"relative": {"add_days": 3}}}],
        )
    )
    assert [d["group"]["from"]["gregorian"] for d in rolled] == ["2026-01-02", "2026-01-03"]  # closed on 1 January
    nested = values(
        mine(
            http,
            locations=[store.uuid],
            group_bys=[{"group": "time", "unit": "hours", "value": 1}],
            date_ranges=[
                {
                    "from": {
                        "absolute": {
                            "year": 2025,
                            "quarter": 2,
                            "month": 3,
                            "week": 2,
                            "day": 5,
                            "hour": 12,
                            "minute": 45,
                        }
                    },
                    "to": {"relative": {"add_hours": 2}},
                }
            ],
        )
    )
    # 2nd week of June 2025 starts Sunday the 8th; its 5th day is Thursday the 12th.
    assert [d["group"]["from"]["hour"] for d in nested] == [12, 13, 14]  # 12:45 to 14:45


def test_relative_adding_months_truncates_to_month_end(http, frozen_sim):
    store = store_named(frozen_sim.world, "Fifth Avenue")
    months = values(
        mine(
            http,
            locations=[store.uuid],
            group_bys=[{"group": "date", "unit": "months", "value": 1}],
            date_ranges=[{"from": {"gregorian": "2025-01-31T00:00:00"}, "to": {"relative": {"add_months": 1}}}],
        )
    )
    assert [(d["group"]["from"]["gregorian"], d["group"]["through"]["gregorian"]) for d in months] == [
        ("2025-01-31", "2025-01-31"),
        ("2025-02-01", "2025-02-27"),
    ]


def test_relative_from_base_with_truncation(http, frozen_sim):
    store = store_named(frozen_sim.world, "Fifth Avenue")
    data = values(
        mine(
            http,
            locations=[store.uuid],
            group_bys=[{"group": "date", "unit": "weeks", "value": 1}],
            date_ranges=[
                {
                    "from": {
                        "relative": {
                            "base": {"gregorian": "2025-07-16T15:00:00"},
                            "truncate_to": "week",
                            "add_weeks": -1,
                        }
                    },
                    "to": {
                        "relative": {
                            "base": {"gregorian": "2025-07-16T15:00:00"},
                            "truncate_to": "quarter",
                            "add_quarters": 1,
                        }
                    },
                }
            ],
        )
    )
    assert data[0]["group"]["from"]["gregorian"] == "2025-07-06"
    assert data[-1]["group"]["through"]["gregorian"] == "2025-09-30"


@pytest.mark.parametrize(
    "date_range",
    [
        {"from": {"name": "today"}, "to": {"name": "now"}},  # name, no time zone
        {"from": {"relative": {"add_days": -1}}, "to": {"relative": {"add_days": 1}}},  # no base at all
        {"from": {"gregorian": "yesterday"}, "to": {"gregorian": "2026-01-01"}},
        {"from": {"absolute": {"month": 3}}, "to": {"gregorian": "2026-01-01"}},  # no year
        {"from": {"absolute": {"year": 2025, "colour": 1}}, "to": {"gregorian": "2026-01-01"}},
        {"from": {"gregorian": "2026-01-02"}, "to": {"gregorian": "2026-01-01"}},  # backwards
        {"from": {"gregorian": "2025-01-01", "name": "today"}, "to": {"gregorian": "2026-01-01"}},
        {
            "from": {"relative": {"base": {"gregorian": "2025-01-01"}, "truncate_to": "fortnight"}},
            "to": {"gregorian": "2026-01-01"},
        },
        {
            "from": {"relative": {"base": {"gregorian": "2025-01-01"}, "add_days": "2"}},
            "to": {"gregorian": "2026-01-01"},
        },
        {"to": {"gregorian": "2026-01-01"}},
    ],
)
def test_bad_date_ranges_are_400(http, frozen_sim, date_range):
    store = frozen_sim.world.stores()[0]
    response = http.post(
        "/v2/datamine", json={"locations": [store.uuid], "metrics": ["traffic_in"], "date_ranges": [date_range]}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request"


def test_unknown_name_and_time_zone_are_400(http, frozen_sim):
    store = frozen_sim.world.stores()[0]
    for name, tz in (("fortnight", LA), ("today", "Mars/Olympus")):
        response = http.post(
            "/v2/datamine",
            json={
                "locations": [store.uuid],
                "metrics": ["traffic_in"],
                "time_zone": tz,
                "date_ranges": [{"from": {"name": name}, "to": {"relative": {"add_days": 1}}}],
            },
        )
        assert response.status_code == 400


def test_date_range_limits(http, frozen_sim):
    world = frozen_sim.world
    one, two = world.stores()[0].uuid, world.stores()[1].uuid
    region = next(n for n in world.nodes.values() if n.name == "East")

    def status(locations, first, to):
        return http.post(
            "/v2/datamine",
            json={"locations": locations, "metrics": ["traffic_in"], "date_ranges": day_range(first, to)},
        ).status_code

    assert status([one], "2021-03-01", "2026-03-01") == 200
    assert status([one], "2021-03-01", "2026-03-02") == 400
    assert status([one, two], "2024-03-01", "2026-03-01") == 200
    assert status([one, two], "2024-03-01", "2026-03-02") == 400
    assert status([region.uuid], "2023-01-01", "2026-01-01") == 400  # a region is several stores


def test_unknown_metric_and_unknown_location_fail_only_as_metrics(http, frozen_sim):
    store = frozen_sim.world.stores()[0]
    result = mine(
        http,
        locations=[store.uuid],
        metrics=["traffic_in", "dwell_time"],
        date_ranges=day_range("2026-03-01", "2026-03-02"),
    )
    assert result["ok"] is False
    tin, dwell = result["metrics"]
    assert tin["ok"] is True and tin["data"]
    assert dwell["ok"] is False and "dwell_time" in dwell["error"]
    hidden = mine(
        http,
        locations=[store.uuid, "4e1f2a7c-0000-4000-8000-000000000000"],
        date_ranges=day_range("2026-03-01", "2026-03-02"),
    )
    assert hidden["ok"] is False
    assert all(m["ok"] is False and "4e1f2a7c" in m["error"] for m in hidden["metrics"])


def test_layered_groups_nest_in_order(http, frozen_sim):
    world = frozen_sim.world
    stores = [store_named(world, "Chicago Loop"), store_named(world, "Austin Domain")]
    body = (
        '{ "metrics": ["traffic_in"], "locations": ["%s", "%s"], "date_ranges": [ { "from": { "relative": '
        '{ "add_days": -1 } }, "to": { "relative": { "base": { "name": "now" }, "truncate_to": "minute" } } } ], '
        '"time_ranges": [ { "from": "00:00", "until": "24:00" } ], "group_bys": [ { "group": "location", '
        '"unit": "", "value": 1 }, { "group": "date", "unit": "days", "value": 1 }, { "group": "time", '
        '"unit": "hours", "value": 1 } ], "time_zone": "America/Los_Angeles" }' % tuple(s.uuid for s in stores)
    )
    data = values(form_post(http, "/v2/datamine", body).json())
    assert [d["index"] for d in data] == list(range(len(data)))
    first, last = data[0]["group"], data[-1]["group"]
    assert first["type"] == "location" and first["uuid"] == stores[0].uuid
    assert first["group"]["type"] == "date" and first["group"]["group"]["type"] == "time"
    assert last["uuid"] == stores[1].uuid
    keys = [
        (
            d["group"]["uuid"] == stores[1].uuid,
            d["group"]["group"]["from"]["gregorian"],
            d["group"]["group"]["group"]["from"]["hour"],
        )
        for d in data
    ]
    assert keys == sorted(keys)
    # 24 hours back from 15:07 Chicago time (13:07 in LA, the query's "now"): yesterday afternoon on.
    assert data[0]["group"]["group"]["from"]["gregorian"] == "2026-03-17"


def test_time_ranges_day_of_week_and_weeks(http, frozen_sim):
    store = store_named(frozen_sim.world, "Boston Back Bay")
    hours = values(
        mine(
            http,
            locations=[store.uuid],
            time_ranges=[{"from": "12:00", "until": "14:00"}],
            date_ranges=day_range("2026-02-02", "2026-02-09"),
            group_bys=[{"group": "time", "unit": "hours", "value": 1}],
        )
    )
    assert [d["group"]["from"]["hour"] for d in hours] == [12, 13]
    dow = values(
        mine(
            http,
            locations=[store.uuid],
            date_ranges=day_range("2026-02-01", "2026-03-01"),
            group_bys=[{"group": "day_of_week", "unit": "", "value": 1}],
        )
    )
    assert [d["group"]["name"] for d in dow] == [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ]
    weeks = values(
        mine(
            http,
            locations=[store.uuid],
            date_ranges=day_range("2026-02-04", "2026-03-01"),
            group_bys=[{"group": "date", "unit": "weeks", "value": 1}],
        )
    )
    assert [d["group"]["from"]["gregorian"] for d in weeks] == ["2026-02-04", "2026-02-08", "2026-02-15", "2026-02-22"]
    assert date.fromisoformat(weeks[1]["group"]["from"]["gregorian"]).weekday() == 6
    total = values(mine(http, locations=[store.uuid], date_ranges=day_range("2026-02-04", "2026-03-01")))
    assert len(total) == 1 and "group" not in total[0]
    assert total[0]["value"] == sum(w["value"] for w in weeks)


@pytest.mark.parametrize(
    "extra",
    [
        {"time_ranges": [{"from": "25:00", "until": "26:00"}]},
        {"time_ranges": [{"from": "9am", "until": "10:00"}]},
        {"time_ranges": [{"type": "opening"}]},
        {"group_bys": [{"group": "date", "unit": "fortnights", "value": 1}]},
        {"group_bys": [{"group": "time", "unit": "hours", "value": 0}]},
        {"group_bys": [{"group": "location", "unit": "days", "value": 1}]},
        {"group_bys": [{"group": "weather", "unit": "", "value": 1}]},
        {"time_zone": 5},
    ],
)
def test_bad_time_ranges_and_group_bys_are_400(http, frozen_sim, extra):
    store = frozen_sim.world.stores()[0]
    response = http.post(
        "/v2/datamine",
        json={
            "locations": [store.uuid],
            "metrics": ["traffic_in"],
            "date_ranges": day_range("2026-03-01", "2026-03-02"),
            **extra,
        },
    )
    assert response.status_code == 400, response.text


def test_regions_and_entrances_aggregate(http, frozen_sim):
    world = frozen_sim.world
    bay = next(n for n in world.nodes.values() if n.name == "Bay Area")
    rng = day_range("2026-03-02", "2026-03-03")
    region_total = values(mine(http, locations=[bay.uuid], date_ranges=rng))[0]["value"]
    per_store = values(
        mine(
            http,
            locations=[s.uuid for s in world.stores_under(bay.uuid)],
            date_ranges=rng,
            group_bys=[{"group": "location", "unit": "", "value": 1}],
        )
    )
    assert region_total == sum(d["value"] for d in per_store)
    store = store_named(world, "Caspar City Plaza")
    entrances = [n.uuid for n in world.children(store.uuid) if n.location_type == "entrance"]
    by_entrance = values(
        mine(http, locations=entrances, date_ranges=rng, group_bys=[{"group": "location", "unit": "", "value": 1}])
    )
    store_total = values(mine(http, locations=[store.uuid], date_ranges=rng))[0]["value"]
    assert sum(d["value"] for d in by_entrance) == store_total


def test_validity_reports_incomplete_and_imputed_days(http, frozen_sim):
    store = store_named(frozen_sim.world, "Austin Domain")
    data = values(
        mine(
            http,
            locations=[store.uuid],
            date_ranges=day_range("2025-01-01", "2026-01-01"),
            group_bys=[{"group": "date", "unit": "days", "value": 1}],
        )
    )
    kinds = {d["validity"] for d in data}
    assert kinds == {"complete", "incomplete", "imputed"}


def test_overnight_store_late_intervals_belong_to_the_opening_day():
    # 01:30 in Los Angeles on Thursday: the night market opened Wednesday 18:00.
    with (
        frozen_simulator(datetime(2026, 3, 19, 8, 30, tzinfo=UTC)) as sim,
        httpx.Client(base_url=sim.url, auth=(ACCESS_KEY, SECRET_KEY)) as http,
    ):
        store = store_named(sim.world, "Seattle Night Market")
        query = {
            "locations": [store.uuid],
            "time_zone": LA,
            "date_ranges": [{"from": {"name": "yesterday"}, "to": {"name": "now"}}],
        }
        quarters = values(mine(http, group_bys=[{"group": "time", "unit": "minutes", "value": 15}], **query))
        times = [d["group"]["from"]["time"] for d in quarters]
        assert times[0] == "18:00" and times[-1] == "+01:15"
        assert "+00:00" in times and "00:00" not in times
        days = values(mine(http, group_bys=[{"group": "date", "unit": "days", "value": 1}], **query))
        assert [d["group"]["from"]["gregorian"] for d in days] == ["2026-03-18"]
        today = values(
            mine(
                http,
                locations=[store.uuid],
                time_zone=LA,
                date_ranges=[{"from": {"name": "today"}, "to": {"relative": {"add_days": 1}}}],
            )
        )
        assert today == []
        adjust = http.post("/v1/occupancy/adjust", json={"store_uuid": store.uuid, "adjustment_count": 2})
        assert adjust.status_code == 200, adjust.text


def test_reference_date_examples_are_accepted(http, frozen_sim):
    store = frozen_sim.world.stores()[0].uuid
    ranges = [
        {"from": {"name": "today"}, "to": {"name": "now"}},
        {"from": {"gregorian": "2021-02-27T00:00:00Z"}, "to": {"gregorian": "2021-02-28T00:00:00Z"}},
        {"from": {"absolute": {"year": 2021, "week": 2, "day": 4}}, "to": {"absolute": {"year": 2021, "week": 3}}},
        {"from": {"relative": {"base": {"gregorian": "2021-02-27T00:00:00Z"}}}, "to": {"relative": {"add_days": 5}}},
        {"from": {"absolute": {"year": 2020, "month": 6}}, "to": {"relative": {"add_months": 4}}},
        {"from": {"relative": {"base": {"name": "now"}, "truncate_to": "month"}}, "to": {"name": "now"}},
    ]
    for date_range in ranges:
        result = mine(
            http,
            locations=[store],
            date_ranges=[date_range],
            time_zone=LA,
            group_bys=[{"group": "date", "unit": "days", "value": 1}],
        )
        assert result["ok"] is True
    month_to_date = mine(
        http,
        locations=[store],
        date_ranges=[ranges[-1]],
        time_zone=LA,
        group_bys=[{"group": "date", "unit": "days", "value": 1}],
    )
    assert values(month_to_date)[0]["group"]["from"]["gregorian"] == "2026-03-01"


def test_qualified_names_tell_duplicate_names_apart(http, frozen_sim):
    world = frozen_sim.world
    mains = [n for n in world.nodes.values() if n.name == "Main Entrance"][:2]
    data = values(
        mine(
            http,
            locations=[m.uuid for m in mains],
            date_ranges=day_range("2026-03-02", "2026-03-03"),
            group_bys=[{"group": "location", "unit": "", "value": 1}],
        )
    )
    groups = [d["group"] for d in data]
    assert [g["name"] for g in groups] == ["Main Entrance", "Main Entrance"]
    assert groups[0]["qualified_name"] != groups[1]["qualified_name"]
    assert groups[0]["qualified_name"] == f"{world.nodes[mains[0].parent_uuid].name} / Main Entrance"


def test_adjustment_before_the_first_completed_interval_leaves_yesterday_alone():
    # 10:05 in Los Angeles: Caspar City Plaza opened five minutes ago.
    with (
        frozen_simulator(datetime(2026, 3, 18, 17, 5, tzinfo=UTC)) as sim,
        httpx.Client(base_url=sim.url, auth=(ACCESS_KEY, SECRET_KEY)) as http,
    ):
        store = store_named(sim.world, "Caspar City Plaza")
        query = {
            "locations": [store.uuid],
            "metrics": ["total_occupancy"],
            "time_zone": LA,
            "date_ranges": [{"from": {"name": "yesterday"}, "to": {"name": "today"}}],
        }
        before = values(mine(http, **query), "total_occupancy")
        assert (
            http.post("/v1/occupancy/adjust", json={"store_uuid": store.uuid, "adjustment_count": 5}).status_code == 200
        )
        assert values(mine(http, **query), "total_occupancy") == before
        assert sim.world.adjustments[0].store_day == date(2026, 3, 18)
        sim.clock.advance(timedelta(minutes=15))  # the 10:00 interval completes
        today = dict(query, date_ranges=[{"from": {"name": "today"}, "to": {"name": "now"}}])
        [point] = values(mine(http, **today), "total_occupancy")
        counts = mine(http, **dict(today, metrics=["traffic_in", "traffic_out"]))
        tin, tout = values(counts)[0]["value"], values(counts, "traffic_out")[0]["value"]
        assert point["value"] == tin - tout + 5


def _today_in_san_jose(http, frozen_sim, group_by: dict, metrics=("traffic_in",)) -> list[dict]:
    store = store_named(frozen_sim.world, "San Jose Store")  # 10:00 - 13:07 local so far: 12 quarters
    return values(
        mine(
            http,
            locations=[store.uuid],
            time_zone=LA,
            metrics=list(metrics),
            date_ranges=[{"from": {"name": "today"}, "to": {"name": "now"}}],
            group_bys=[group_by],
        )
    )


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@pytest.mark.parametrize("size", [1, 7, 10, 50])
def test_time_groups_of_any_minutes_hold_each_quarter_where_it_starts(http, frozen_sim, size):
    quarters = _today_in_san_jose(http, frozen_sim, {"group": "time", "unit": "minutes", "value": 15})
    groups = _today_in_san_jose(http, frozen_sim, {"group": "time", "unit": "minutes", "value": size})
    # Groups run from the store day's midnight, `size` minutes each; a quarter's
    # counts all go to the group its start (10:00, 10:15, ...) falls in.
    expected: dict[int, int] = {}
    for n, quarter in enumerate(quarters):
        start = 600 + 15 * n
        assert quarter["group"]["from"]["time"] == _hhmm(start)
        key = start // size * size
        expected[key] = expected.get(key, 0) + quarter["value"]
    assert [(g["group"]["from"]["time"], g["group"]["to"]["time"], g["value"]) for g in groups] == [
        (_hhmm(k), _hhmm(k + size), v) for k, v in sorted(expected.items())
    ]
    assert [g["index"] for g in groups] == list(range(len(groups)))


def test_time_groups_of_any_hours_and_sizes_beyond_a_day(http, frozen_sim):
    quarters = _today_in_san_jose(http, frozen_sim, {"group": "time", "unit": "minutes", "value": 15})
    total = sum(q["value"] for q in quarters)
    [five] = _today_in_san_jose(http, frozen_sim, {"group": "time", "unit": "hours", "value": 5})
    assert (five["group"]["from"]["time"], five["group"]["to"]["time"], five["value"]) == ("10:00", "15:00", total)
    # Wider than any store day: one group from midnight, ending where a store day can end.
    for group_by in (
        {"group": "time", "unit": "minutes", "value": 10**12},
        {"group": "time", "unit": "hours", "value": 49},
    ):
        [whole] = _today_in_san_jose(http, frozen_sim, group_by)
        assert (whole["group"]["from"]["time"], whole["group"]["to"]["time"], whole["value"]) == (
            "00:00",
            "+24:00",
            total,
        )


@pytest.mark.parametrize("unit", ["days", "weeks", "months", "years"])
def test_date_groups_wider_than_the_range_are_one_group(http, frozen_sim, unit):
    store = store_named(frozen_sim.world, "Caspar City Plaza")
    query = {"locations": [store.uuid], "date_ranges": day_range("2026-02-10", "2026-03-10")}
    daily = values(mine(http, group_bys=[{"group": "date", "unit": "days", "value": 1}], **query))
    [whole] = values(mine(http, group_bys=[{"group": "date", "unit": unit, "value": 10**15}], **query))
    assert whole["group"]["through"]["gregorian"] == "2026-03-09"
    assert whole["group"]["from"]["gregorian"] == "2026-02-10"
    assert whole["value"] == sum(d["value"] for d in daily)
