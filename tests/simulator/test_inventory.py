"""v1/inventory (next_page cursors) and v1/healthalerts (206 + X-Page-Next pages,
integer offsets by default, UUIDs once switched)."""

from __future__ import annotations

import concurrent.futures
import time
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.simulator.conftest import form_post


def walk_inventory(http, path, key, length, **params):
    """Pages of X-Page-Length items: 206 + a string X-Page-Next while more remain,
    200 on the last page, no next_page in the body (the header style)."""
    items, cursor, pages = [], None, 0
    while True:
        headers = {"X-Page-Length": str(length)}
        if cursor:
            headers["X-Page-Start"] = cursor
        response = http.get(path, headers=headers, params=params)
        assert response.status_code in (200, 206), response.text
        body = response.json()
        assert body["ok"] is True and "next_page" not in body
        assert len(body[key]) <= length
        items += body[key]
        pages += 1
        if response.status_code == 200:
            assert "x-page-next" not in response.headers
            return items, pages
        cursor = response.headers["x-page-next"]
        assert cursor and not cursor.isdigit()  # inventory cursors are strings, not offsets


def test_cameras_page_through_every_camera_once(http, frozen_sim):
    world = frozen_sim.world
    cameras, pages = walk_inventory(http, "/v1/inventory/cameras", "cameras", 7)
    assert [c["device_id"] for c in cameras] == [c.device_id for c in world.cameras]
    assert pages == -(-len(world.cameras) // 7)
    aurora = next(c for c in cameras if c["type"] == 1)
    assert aurora["model"] == "Aurora" and aurora["height"] > 0 and aurora["appliance_id"] == ""
    assert set(aurora) >= {
        "type",
        "device_id",
        "device_name",
        "store_uuid",
        "appliance_id",
        "vendor",
        "model",
        "private_ip",
        "public_ip",
        "last_heard",
        "serial_number",
        "network_configuration",
        "video_channel_uuids",
        "video_channel_count",
        "configuration_summary",
        "analytics",
    }
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
    with (
        httpx.Client(base_url=own_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as c,
        concurrent.futures.ThreadPoolExecutor(3) as pool,
    ):
        slow = [pool.submit(c.get, "/v1/inventory/cameras") for _ in range(3)]
        time.sleep(0.25)
        extra = c.get("/v1/inventory/cameras")
        assert extra.status_code == 429 and extra.headers["retry-after"] == "1"
        assert extra.json()["error"] == "too_many_requests"
        # channels are not in the cameras family
        assert c.get("/v1/inventory/channels").status_code == 200
        assert [f.result().status_code for f in slow] == [200, 200, 200]


@contextmanager
def alert_cursor(running, style):
    """Switch the running simulator's alert cursor style for the block."""
    running.set_alert_cursor(style)
    try:
        yield
    finally:
        running.set_alert_cursor("offset")


def walk_alerts(http, length, body=None):
    """Every page of v1/healthalerts: (alerts, statuses, the X-Page-Next of each 206)."""
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    statuses: list[int] = []
    cursors: list[str] = []
    while True:
        headers = {"X-Page-Length": str(length)}
        if cursor:
            headers["X-Page-Start"] = cursor
        response = http.post("/v1/healthalerts", headers=headers, json=body)
        statuses.append(response.status_code)
        page = response.json()["result"]
        seen += page
        if response.status_code == 200:
            assert "x-page-next" not in response.headers
            return seen, statuses, cursors
        assert response.status_code == 206 and len(page) == length
        cursor = response.headers["x-page-next"]
        cursors.append(cursor)


def test_health_alert_pages_use_integer_offsets_by_default(http, frozen_sim):
    world = frozen_sim.world
    assert frozen_sim.ctx.alert_cursor == "offset"
    seen, statuses, cursors = walk_alerts(http, 10)
    # The reference's example: a page of 20 answers "X-Page-Next: 20".
    assert cursors == [str(n) for n in range(10, len(world.alerts), 10)]
    assert statuses == [206] * len(cursors) + [200]
    assert [a["uuid"] for a in seen] == [a.uuid for a in world.alerts]
    assert any(a["resolved"] for a in seen) and any(not a["resolved"] for a in seen)
    open_alert = next(a for a in seen if not a["resolved"])
    assert open_alert["resolved_time"] is None and open_alert["severity"] != "resolved"
    created = [datetime.fromisoformat(a["alert_creation_time"]) for a in seen]
    assert created == sorted(created, reverse=True)


def test_health_alert_pages_answer_uuids_once_switched(http, frozen_sim):
    world = frozen_sim.world
    with alert_cursor(frozen_sim, "uuid"):
        seen, statuses, cursors = walk_alerts(http, 10)
    assert cursors == [a.uuid for a in world.alerts[10::10]]
    assert all(len(c) == 36 and c.count("-") == 4 for c in cursors)  # UUIDs, not offsets
    assert statuses == [206] * len(cursors) + [200]
    assert [a["uuid"] for a in seen] == [a.uuid for a in world.alerts]
    # Switched back: offsets again, on the same running server.
    assert http.post("/v1/healthalerts", headers={"X-Page-Length": "10"}).headers["x-page-next"] == "10"


def test_health_alert_offset_starts_anywhere(http, frozen_sim):
    alerts = frozen_sim.world.alerts
    middle = http.post("/v1/healthalerts", headers={"X-Page-Length": "5", "X-Page-Start": "3"})
    assert middle.status_code == 206 and middle.headers["x-page-next"] == "8"
    assert [a["uuid"] for a in middle.json()["result"]] == [a.uuid for a in alerts[3:8]]
    last = http.post("/v1/healthalerts", headers={"X-Page-Length": "5", "X-Page-Start": str(len(alerts) - 2)})
    assert last.status_code == 200 and len(last.json()["result"]) == 2
    for beyond in (str(len(alerts)), "999999", "9" * 60):  # the list may have shrunk: an empty last page
        past = http.post("/v1/healthalerts", headers={"X-Page-Start": beyond})
        assert past.status_code == 200 and past.json()["result"] == [], beyond


def test_health_alert_offsets_follow_start_time(http, frozen_sim):
    alerts = frozen_sim.world.alerts
    cut = alerts[len(alerts) // 3].created
    older = [a.uuid for a in alerts if a.created < cut]
    seen, _, cursors = walk_alerts(http, 4, {"start_time": cut.isoformat()})
    assert [a["uuid"] for a in seen] == older
    assert cursors == [str(n) for n in range(4, len(older), 4)]


# "\xb2" is "²" in Latin-1 (how header bytes decode): str.isdigit() says yes, int() says no.
@pytest.mark.parametrize(
    "start", [b"-1", b"-10", b"ten", b"1.5", b"+5", b"1_0", b"0x10", b"\xb2", b"2278d300-7777-11ec-87cc-4000727ce915"]
)
def test_bad_alert_offsets_are_400(http, start):
    response = http.post("/v1/healthalerts", headers={"X-Page-Start": start})
    assert response.status_code == 400, (start, response.text)
    body = response.json()
    assert body["error"] == "bad_request" and "non-negative integer" in body["error_detail"]


def test_uuid_mode_refuses_offsets_and_unknown_uuids(http, frozen_sim):
    alerts = frozen_sim.world.alerts
    with alert_cursor(frozen_sim, "uuid"):
        for start in ("10", "2278d300-7777-11ec-87cc-4000727ce915"):
            response = http.post("/v1/healthalerts", headers={"X-Page-Start": start})
            assert response.status_code == 400 and "X-Page-Start" in response.json()["error_detail"]
        ok = http.post("/v1/healthalerts", headers={"X-Page-Length": "3", "X-Page-Start": alerts[4].uuid})
        assert ok.status_code == 206 and ok.headers["x-page-next"] == alerts[7].uuid


def test_alert_cursor_style_is_checked(frozen_sim):
    with pytest.raises(ValueError):
        frozen_sim.set_alert_cursor("page")
    assert frozen_sim.ctx.alert_cursor == "offset"


def test_health_alerts_before_start_time(http, frozen_sim):
    alerts = frozen_sim.world.alerts
    cut = alerts[len(alerts) // 2].created
    body = '{ "start_time" : "%s" }' % cut.isoformat()
    result = form_post(http, "/v1/healthalerts", body).json()["result"]
    assert result and all(datetime.fromisoformat(a["alert_creation_time"]) < cut for a in result)
    assert len(result) == sum(1 for a in alerts if a.created < cut)
    assert http.post("/v1/healthalerts", json={"start_time": "yesterday"}).status_code == 400
