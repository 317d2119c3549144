"""v1/occupancy/adjust, v1/storehours and v1/predictedtraffic.

The clock is frozen on Wednesday 18 March 2026, 13:07 in Los Angeles, 20:07 in London."""

from __future__ import annotations

import concurrent.futures
import time
from datetime import UTC, date, datetime

import httpx
import pytest

from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.simulator.conftest import form_post, store_named

# ---------------------------------------------------------------- occupancy adjust


def test_adjust_now_and_at_a_local_time(own_http, own_sim):
    world = own_sim.world
    store = store_named(world, "Caspar City Plaza")
    now = own_http.post("/v1/occupancy/adjust", json={"store_uuid": store.uuid, "adjustment_count": -2})
    assert now.status_code == 200, now.text
    assert now.json()["adjustment_time"] == "2026-03-18T13:07:00-07:00"
    earlier = form_post(
        own_http,
        "/v1/occupancy/adjust",
        '{ "store_uuid" : "%s", "adjustment_time" : "2026-03-18T18:00:00+00:00", "adjustment_count" : 5 }' % store.uuid,
    )
    assert earlier.status_code == 200, earlier.text
    naive = own_http.post(
        "/v1/occupancy/adjust",
        json={"store_uuid": store.uuid, "adjustment_count": 1, "adjustment_time": "2026-03-18T10:30:00"},
    )
    assert naive.status_code == 200  # read in the store's time zone: 10:30 in LA is open
    assert [a.count for a in world.adjustments] == [-2, 5, 1]


@pytest.mark.parametrize(
    "case", ["zero", "missing", "string", "bool", "no_limit", "closed_now", "before_opening", "bad_time", "extra_field"]
)
def test_adjust_refusals(http, frozen_sim, case):
    world = frozen_sim.world
    open_store = store_named(world, "Fifth Avenue")
    body = {
        "zero": {"store_uuid": open_store.uuid, "adjustment_count": 0},
        "missing": {"store_uuid": open_store.uuid},
        "string": {"store_uuid": open_store.uuid, "adjustment_count": "5"},
        "bool": {"store_uuid": open_store.uuid, "adjustment_count": True},
        "no_limit": {"store_uuid": store_named(world, "Austin Domain").uuid, "adjustment_count": 1},
        "closed_now": {"store_uuid": store_named(world, "London Covent Garden").uuid, "adjustment_count": 1},
        "before_opening": {
            "store_uuid": open_store.uuid,
            "adjustment_count": 1,
            "adjustment_time": "2026-03-18T12:00:00Z",
        },  # 08:00 in New York
        "bad_time": {"store_uuid": open_store.uuid, "adjustment_count": 1, "adjustment_time": "noon"},
        "extra_field": {"store_uuid": open_store.uuid, "adjustment_count": 1, "reason": "x"},
    }[case]
    before = len(world.adjustments)
    response = http.post("/v1/occupancy/adjust", json=body)
    assert response.status_code == 400, response.text
    detail = response.json()["error_detail"]
    if case == "no_limit":
        assert "occupancy limit" in detail
    if case in ("closed_now", "before_opening"):
        assert "store hours" in detail
    assert len(world.adjustments) == before


def test_adjust_unknown_store_is_404(http, frozen_sim):
    region = next(n for n in frozen_sim.world.nodes.values() if n.location_type == "region")
    for uuid in ("no-such-store", region.uuid):
        response = http.post("/v1/occupancy/adjust", json={"store_uuid": uuid, "adjustment_count": 1})
        assert response.status_code == 404


# ---------------------------------------------------------------- store hours


def test_store_hours_reference_shape(http, frozen_sim):
    world = frozen_sim.world
    a, b = store_named(world, "Caspar City Plaza"), store_named(world, "Portland Pearl")
    body = (
        '{ "stores" : [ "%s", "%s" ], "start_date" : "2026-03-11T00:00:00Z" , '
        '"end_date" : "2026-03-18T00:00:00Z" }' % (a.uuid, b.uuid)
    )
    response = form_post(http, "/v1/storehours", body)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert list(result) == [a.uuid, b.uuid]
    days = result[a.uuid]
    assert len(days) == 8 and "2026-03-18T00:00:00Z" in days
    assert days["2026-03-18T00:00:00Z"] == {
        "store_uuid": a.uuid,
        "effective_day": "2026-03-18T00:00:00Z",
        "open": "2026-03-18T10:00:00Z",
        "close": "2026-03-18T21:00:00Z",
    }
    assert days["2026-03-15T00:00:00Z"]["open"] == "2026-03-15T11:00:00Z"  # Sunday hours
    sunday = result[b.uuid]["2026-03-15T00:00:00Z"]
    assert sunday["open"] is None and sunday["close"] is None  # closed days are listed with nulls


def test_store_hours_overnight_and_holidays(http, frozen_sim):
    world = frozen_sim.world
    night, caspar = store_named(world, "Seattle Night Market"), store_named(world, "Caspar City Plaza")
    result = http.post(
        "/v1/storehours",
        json={"stores": [night.uuid, caspar.uuid], "start_date": "2025-12-24", "end_date": "2025-12-26"},
    ).json()["result"]
    christmas = result[night.uuid]["2025-12-25T00:00:00Z"]
    assert christmas["open"] == "2025-12-25T18:00:00Z" and christmas["close"] == "2025-12-26T02:00:00Z"
    assert result[caspar.uuid]["2025-12-25T00:00:00Z"]["open"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"stores": [], "start_date": "2026-03-01", "end_date": "2026-03-02"},
        {"stores": ["nope"], "start_date": "2026-03-01", "end_date": "2026-03-02"},
        {"start_date": "2026-03-01", "end_date": "2026-03-02"},
        {"stores": "a-store-uuid", "start_date": "2026-03-01", "end_date": "2026-03-02"},
        {"stores": "STORE", "start_date": "2026-03-05", "end_date": "2026-03-02"},
        {"stores": "STORE", "start_date": "March", "end_date": "2026-03-02"},
        {"stores": "STORE", "start_date": "1800-01-01", "end_date": "2026-03-02"},
    ],
)
def test_store_hours_refusals(http, frozen_sim, body):
    if body.get("stores") == "STORE":  # a real store, so only the dates are wrong
        body = {**body, "stores": [frozen_sim.world.stores()[0].uuid]}
    response = http.post("/v1/storehours", json=body)
    assert response.status_code == 400, response.text


def test_store_hours_over_years_are_answered(http, frozen_sim):
    # The reference states no longest range: six years of two stores come back whole.
    stores = [s.uuid for s in frozen_sim.world.stores()[:2]]
    response = http.post(
        "/v1/storehours",
        json={"stores": stores, "start_date": "2020-01-01T00:00:00Z", "end_date": "2025-12-31T00:00:00Z"},
    )
    assert response.status_code == 200, response.text
    days = (date(2025, 12, 31) - date(2020, 1, 1)).days + 1
    assert [len(response.json()["result"][s]) for s in stores] == [days, days]


# ---------------------------------------------------------------- predicted traffic


def test_predicted_traffic_week(http, frozen_sim):
    store = store_named(frozen_sim.world, "Caspar City Plaza")
    body = '{ "store_uuid" : "%s", "first_day" : "2026-03-19", "last_day" : "2026-03-25" }' % store.uuid
    response = form_post(http, "/v1/predictedtraffic", body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is True and result["error"] == ""
    times = [p["time"] for p in result["predictions"]]
    assert times[0] == "2026-03-19T10:00:00Z" and times[1] == "2026-03-19T10:15:00Z"
    assert times[-1] == "2026-03-25T20:45:00Z"
    assert all(isinstance(p["value"], int) and p["value"] >= 0 for p in result["predictions"])
    assert sum(p["value"] for p in result["predictions"]) > 0


def test_predicted_traffic_from_tomorrow_to_the_horizon(http, frozen_sim):
    store = store_named(frozen_sim.world, "Caspar City Plaza")
    tomorrow = http.post(
        "/v1/predictedtraffic", json={"store_uuid": store.uuid, "first_day": "2026-03-19", "last_day": "2026-03-19"}
    )
    assert tomorrow.status_code == 200 and tomorrow.json()["predictions"]
    last = http.post(
        "/v1/predictedtraffic", json={"store_uuid": store.uuid, "first_day": "2026-04-12", "last_day": "2026-04-18"}
    )
    assert last.status_code == 200 and last.json()["predictions"]


def test_predicted_traffic_refuses_today(http, frozen_sim):
    # "Must be in the future": the store's today is not, even before it opens.
    store = store_named(frozen_sim.world, "Caspar City Plaza")
    response = http.post(
        "/v1/predictedtraffic", json={"store_uuid": store.uuid, "first_day": "2026-03-18", "last_day": "2026-03-19"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["predictions"] == []
    assert "future" in body["error"] and "2026-03-18" in body["error_detail"]


def test_predicted_traffic_today_is_the_store_local_day(own_sim, own_http):
    # 02:30 UTC on Thursday 19 March: already the 19th in London, still the 18th in
    # Los Angeles, so the 19th is "the future" only for the Los Angeles store.
    own_sim.clock.freeze(datetime(2026, 3, 19, 2, 30, tzinfo=UTC))
    body = {"first_day": "2026-03-19", "last_day": "2026-03-20"}
    london = store_named(own_sim.world, "London Covent Garden")
    refused = own_http.post("/v1/predictedtraffic", json={**body, "store_uuid": london.uuid})
    assert refused.status_code == 400 and "2026-03-19" in refused.json()["error_detail"]
    la = store_named(own_sim.world, "Caspar City Plaza")
    accepted = own_http.post("/v1/predictedtraffic", json={**body, "store_uuid": la.uuid})
    assert accepted.status_code == 200 and accepted.json()["predictions"]
    tomorrow = own_http.post(
        "/v1/predictedtraffic", json={"store_uuid": london.uuid, "first_day": "2026-03-20", "last_day": "2026-03-20"}
    )
    assert tomorrow.status_code == 200


@pytest.mark.parametrize(
    "first, last, fragment",
    [
        ("2026-03-17", "2026-03-19", "future"),
        ("2026-03-18", "2026-03-18", "future"),
        ("2026-03-19", "2026-03-26", "7 days"),
        ("2026-04-15", "2026-04-19", "31 days"),
        ("2026-03-22", "2026-03-20", "before"),
        ("2026/03/20", "2026-03-21", "yyyy-mm-dd"),
        ("2026-03-20T00:00:00Z", "2026-03-21", "yyyy-mm-dd"),
    ],
)
def test_predicted_traffic_refusals(http, frozen_sim, first, last, fragment):
    store = store_named(frozen_sim.world, "Caspar City Plaza")
    response = http.post("/v1/predictedtraffic", json={"store_uuid": store.uuid, "first_day": first, "last_day": last})
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and fragment in body["error"] and body["predictions"] == []


def test_predicted_traffic_unknown_store_and_missing_fields(http):
    assert (
        http.post(
            "/v1/predictedtraffic", json={"store_uuid": "nope", "first_day": "2026-03-20", "last_day": "2026-03-20"}
        ).status_code
        == 404
    )
    missing = http.post("/v1/predictedtraffic", json={"first_day": "2026-03-20"})
    assert missing.status_code == 400 and missing.json()["ok"] is False


def test_more_than_three_concurrent_predictions_get_429(own_sim):
    store = store_named(own_sim.world, "Caspar City Plaza")
    body = {"store_uuid": store.uuid, "first_day": "2026-03-20", "last_day": "2026-03-20"}
    own_sim.faults.add("/v1/predictedtraffic", "delay", count=3, seconds=0.5)
    with (
        httpx.Client(base_url=own_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as c,
        concurrent.futures.ThreadPoolExecutor(3) as pool,
    ):
        slow = [pool.submit(c.post, "/v1/predictedtraffic", json=body) for _ in range(3)]
        time.sleep(0.25)
        extra = c.post("/v1/predictedtraffic", json=body)
        assert extra.status_code == 429 and extra.headers["retry-after"] == "1"
        assert [f.result().status_code for f in slow] == [200, 200, 200]
    assert own_sim.limits.peak["predicted_traffic"] == 3
