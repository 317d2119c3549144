"""Injected faults: statuses, malformed bodies, delays and dropped connections."""

from __future__ import annotations

import time

import httpx
import pytest


def test_status_faults_answer_then_run_out(own_sim, own_http):
    own_sim.faults.add("/v2/location", "status", count=2, status=503)
    assert [own_http.post("/v2/location").status_code for _ in range(3)] == [503, 503, 200]
    own_sim.faults.add("/v1/inventory", "status", status=429, retry_after=2)
    limited = own_http.get("/v1/inventory/channels")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
    assert limited.json()["error"] == "injected_fault"
    assert own_sim.faults.fired["status"] == 3


def test_faults_match_by_prefix_and_clear(own_sim, own_http):
    own_sim.faults.add("/v1/inventory/cameras", "status", count=5, status=500)
    assert own_http.get("/v1/inventory/channels").status_code == 200
    assert own_http.get("/v1/inventory/cameras").status_code == 500
    assert own_sim.faults.pending() == 4
    own_sim.faults.clear()
    assert own_http.get("/v1/inventory/cameras").status_code == 200


def test_malformed_body(own_sim, own_http):
    own_sim.faults.add("/v2/location", "malformed")
    response = own_http.post("/v2/location")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    own_sim.faults.add("/v1/storehours", "malformed", body=b"<html>gateway</html>", status=502)
    assert own_http.post("/v1/storehours", json={}).content == b"<html>gateway</html>"


def test_delay(own_sim, own_http):
    own_sim.faults.add("/v1/inventory/appliances", "delay", seconds=0.3)
    started = time.perf_counter()
    assert own_http.get("/v1/inventory/appliances").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_delay_answer_applies_the_request_before_the_answer_is_lost(own_sim, own_http):
    store = next(s for s in own_sim.world.stores() if s.occupancy_limit and not s.archive_date)
    before = len(own_sim.world.adjustments)
    own_sim.faults.add("/v1/occupancy/adjust", "delay_answer", seconds=1.0)
    own_sim.clock.freeze(_open_moment(own_sim, store))
    with pytest.raises(httpx.ReadTimeout):
        own_http.post("/v1/occupancy/adjust", json={"store_uuid": store.uuid, "adjustment_count": 2}, timeout=0.3)
    # The client saw no answer, but the adjustment was recorded.
    assert len(own_sim.world.adjustments) == before + 1
    assert own_sim.world.adjustments[-1].count == 2


def _open_moment(sim, store):
    """An aware UTC moment when `store` is open (its hours on a recent day)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(store.time_zone)
    day = sim.clock.now().astimezone(tz).date()
    for offset in range(8):
        hours = sim.world.hours_on(store, day - dt.timedelta(days=offset))
        if hours is not None:
            opens, closes = hours  # minutes after the store day's local midnight
            midnight = dt.datetime.combine(day - dt.timedelta(days=offset), dt.time(), tzinfo=tz)
            return (midnight + dt.timedelta(minutes=(opens + closes) // 2)).astimezone(dt.UTC)
    raise AssertionError("store never open")


def test_disconnect_drops_the_connection_and_the_server_keeps_serving(own_sim, own_http):
    own_sim.faults.add("/v1/inventory/appliances", "disconnect")
    with pytest.raises(httpx.TransportError):
        own_http.get("/v1/inventory/appliances")
    assert own_http.get("/v1/inventory/appliances").status_code == 200
    assert own_sim.world.requests["/v1/inventory/appliances"] == 2


def test_unknown_fault_kind_is_refused(own_sim):
    with pytest.raises(ValueError):
        own_sim.faults.add("/v2/location", "explode")
