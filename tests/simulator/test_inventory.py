"""v1/inventory (next_page cursors) and v1/healthalerts (206 + X-Page-Next pages)."""

from __future__ import annotations

import concurrent.futures
import time
from datetime import datetime

import httpx
import pytest

from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.simulator.conftest import form_post


def walk_inventory(http, path, key, length, **params):
    items, cursor, pages = [], None, 0
    while True:
        headers = {"X-Page-Length": str(length)}
        if cursor:
            headers["X-Page-Start"] = cursor
        response = http.get(path, headers=headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] is True and isinstance(body["next_page"], str)
        assert len(body[key]) <= length
        items += body[key]
        pages += 1
        if body["next_page"] == "end":
            return items, pages
        cursor = body["next_page"]


def test_cameras_page_through_every_camera_once(http, frozen_sim):
    world = frozen_sim.world
    cameras, pages = walk_inventory(http, "/v1/inventory/cameras", "cameras", 7)
    assert [c["device_id"] for c in cameras] == [c.device_id for c in world.cameras]
    assert pages == -(-len(world.cameras) // 7)
    aurora = next(c for c in cameras if c["type"] == 1)
    assert aurora["model"] == "Aurora" and aurora["height"] > 0 and aurora["appliance_id"] == ""
    assert set(aurora) >= {"type", "device_id", "device_name", "store_uuid", "appliance_id", "vendor", "model",
                           "private_ip", "public_ip", "last_heard", "serial_number", "network_configuration",
                           "video_channel_uuids", "video_channel_count", "configuration_summary", "analytics"}
    xovis = next(c for c in cameras if c["vendor"] == "Xovis")
    assert xovis["type"] == 2 and "sensor_name" in xovis["configuration_summary"]
    assert {c["vendor"] for c in cameras} == {"RetailNext", "Xovis", "Brickstream", "Axis"}


def test_cameras_of_one_store(http, frozen_sim):
    store = frozen_sim.world.stores()[0]
    cameras, _ = walk_inventory(http, "/v1/inventory/cameras", "cameras", 100, store_uuid=store.uuid)
    assert cameras and all(c["store_uuid"] == store.uuid for c in cameras)
    assert len(cameras) == sum(1 for c in frozen_sim.world.cameras if c.store_uuid == store.uuid)
    assert http.get("/v1/inventory/cameras", params={"store_uuid": "nope"}).status_code == 400


def test_channels_and_appliances(http, frozen_sim):
    world = frozen_sim.world
    channels, _ = walk_inventory(http, "/v1/inventory/channels", "channels", 25)
    assert [c["channel_uuid"] for c in channels] == list(world.channels)
    assert "maximun_retention_days" in channels[0] and channels[0]["resolution"].count("x") == 1
    appliances, _ = walk_inventory(http, "/v1/inventory/appliances", "store_appliances", 5)
    assert [a["appliance_id"] for a in appliances] == [a.appliance_id for a in world.appliances]
    assert {a["network_configuration"]["mode"] for a in appliances} == {0, 1}


def test_page_length_defaults_and_caps_at_100(http, frozen_sim):
    assert len(http.get("/v1/inventory/channels").json()["channels"]) == min(100, len(frozen_sim.world.channels))
    capped = http.get("/v1/inventory/channels", headers={"X-Page-Length": "5000"}).json()["channels"]
    assert len(capped) == min(100, len(frozen_sim.world.channels))


@pytest.mark.parametrize("headers", [{"X-Page-Length": "ten"}, {"X-Page-Length": "0"}, {"X-Page-Start": "bogus"}])
def test_bad_page_headers_are_400(http, headers):
    response = http.get("/v1/inventory/cameras", headers=headers)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_more_than_three_concurrent_camera_requests_get_429(own_sim):
    own_sim.faults.add("/v1/inventory/cameras", "delay", count=3, seconds=0.5)
    with httpx.Client(base_url=own_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as c:
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            slow = [pool.submit(c.get, "/v1/inventory/cameras") for _ in range(3)]
            time.sleep(0.25)
            extra = c.get("/v1/inventory/cameras")
            assert extra.status_code == 429 and extra.headers["retry-after"] == "1"
            assert extra.json()["error"] == "too_many_requests"
            # channels are not in the cameras family
            assert c.get("/v1/inventory/channels").status_code == 200
            assert [f.result().status_code for f in slow] == [200, 200, 200]


def test_health_alert_pages(http, frozen_sim):
    world = frozen_sim.world
    seen, cursor, statuses = [], None, []
    while True:
        headers = {"X-Page-Length": "10"}
        if cursor:
            headers["X-Page-Start"] = cursor
        response = http.post("/v1/healthalerts", headers=headers)
        statuses.append(response.status_code)
        page = response.json()["result"]
        seen += page
        if response.status_code == 200:
            assert "x-page-next" not in response.headers
            break
        assert response.status_code == 206 and len(page) == 10
        cursor = response.headers["x-page-next"]
        assert len(cursor) == 36 and cursor.count("-") == 4  # a UUID, not an offset
    assert statuses == [206] * (len(statuses) - 1) + [200]
    assert [a["uuid"] for a in seen] == [a.uuid for a in world.alerts]
    assert any(a["resolved"] for a in seen) and any(not a["resolved"] for a in seen)
    open_alert = next(a for a in seen if not a["resolved"])
    assert open_alert["resolved_time"] is None and open_alert["severity"] != "resolved"
    created = [datetime.fromisoformat(a["alert_creation_time"]) for a in seen]
    assert created == sorted(created, reverse=True)


def test_health_alerts_before_start_time(http, frozen_sim):
    alerts = frozen_sim.world.alerts
    cut = alerts[len(alerts) // 2].created
    body = '{ "start_time" : "%s" }' % cut.isoformat()
    result = form_post(http, "/v1/healthalerts", body).json()["result"]
    assert result and all(datetime.fromisoformat(a["alert_creation_time"]) < cut for a in result)
    assert len(result) == sum(1 for a in alerts if a.created < cut)
    assert http.post("/v1/healthalerts", json={"start_time": "yesterday"}).status_code == 400
