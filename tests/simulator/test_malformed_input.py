"""Malformed input gets the reference's error shape, a 400 with
{"error": "bad_request", "error_detail": ...}, never a 5xx: bodies nested
thousands deep, text that is not Unicode, numbers no field can hold."""

from __future__ import annotations

import pytest

JSON_BODY_ROUTES = [
    ("POST", "/v2/location"),
    ("POST", "/v2/location/create"),
    ("POST", "/v2/datamine"),
    ("POST", "/v1/occupancy/adjust"),
    ("POST", "/v1/storehours"),
    ("POST", "/v1/healthalerts"),
    ("POST", "/v1/hlsapitoken"),
    ("PUT", "/v2/location/{store}"),
]


def _route(frozen_sim, method: str, path: str) -> tuple[str, str]:
    return method, path.format(store=frozen_sim.world.stores()[0].uuid)


def _is_bad_request(response) -> str:
    assert response.status_code == 400, response.text
    payload = response.json()
    assert set(payload) == {"error", "error_detail"} and payload["error"] == "bad_request", payload
    return payload["error_detail"]


@pytest.mark.parametrize("method,path", JSON_BODY_ROUTES)
@pytest.mark.parametrize("opener,closer", [(b"[", b"]"), (b'{"a":', b"}")])
def test_a_body_nested_thousands_deep_is_a_400(http, frozen_sim, method, path, opener, closer):
    method, path = _route(frozen_sim, method, path)
    body = opener * 5000 + b"1" + closer * 5000
    assert "nested too deeply" in _is_bad_request(http.request(method, path, content=body))


def test_deep_nesting_inside_a_field_is_a_400_too(http):
    deep = b"[" * 5000 + b"]" * 5000
    detail = _is_bad_request(http.post("/v2/location", content=b'{"root_uuids": ' + deep + b"}"))
    assert "nested too deeply" in detail
    # A body nested a little (as real queries are) is read as before.
    assert http.post("/v2/location", content=b'{"where": {"and": [{"location_types": ["store"]}]}}').status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b'{"\\ud800": 1}',  # escaped lone surrogate as a key (echoed as unknown)
        b'{"location_uuid": "\\udc00"}',  # ... as a value (echoed as not found)
        b'{"location_uuid": "\xed\xa0\x80"}',  # a surrogate's UTF-8 bytes, which json.loads lets through
        b'{"location_uuid": "\xff"}',  # not UTF-8 at all
        b'{"location_uuid": "\xc3\x28"}',  # a broken two-byte sequence
    ],
)
@pytest.mark.parametrize("path", ["/v2/location", "/v1/hlsapitoken"])
def test_text_that_is_not_unicode_is_a_400(http, path, body):
    assert "malformed JSON body" in _is_bad_request(http.post(path, content=body))


def test_a_created_name_with_a_lone_surrogate_is_refused_not_stored(own_http, own_sim):
    store = own_sim.world.stores()[0].uuid
    before = len(own_sim.world.nodes)
    body = b'{"name": "Kiosk \\ud800", "parent_uuid": "%s", "location_type": "display"}' % store.encode()
    _is_bad_request(own_http.post("/v2/location/create", content=body))
    assert len(own_sim.world.nodes) == before
    assert own_http.post("/v2/location").status_code == 200


@pytest.mark.parametrize("body", [b"[]", b"null", b"42", b'"text"', b"1e999", b"[{}]"])
@pytest.mark.parametrize("path", ["/v2/location", "/v2/datamine", "/v1/occupancy/adjust"])
def test_a_body_that_is_not_an_object_is_a_400(http, path, body):
    assert "must be a JSON object" in _is_bad_request(http.post(path, content=body))


def test_integers_no_field_can_hold_are_a_400_and_leave_no_trace(own_http, own_sim):
    world = own_sim.world
    store = next(s for s in world.stores() if s.name == "Chicago Loop")  # open at the frozen instant
    for count in (10**30, -(10**30), 2**31, 1e300):
        detail = _is_bad_request(
            own_http.post("/v1/occupancy/adjust", json={"store_uuid": store.uuid, "adjustment_count": count})
        )
        assert "adjustment_count" in detail
    assert world.adjustments == []
    for field in ("occupancy_limit", "bandwidth_limit"):
        for value in (10**26, 1e300, 2**31):
            assert "out of range" in _is_bad_request(own_http.put(f"/v2/location/{store.uuid}", json={field: value}))
    # Integers as long as int() refuses to read are malformed JSON.
    too_long = b'{"adjustment_count": ' + b"9" * 5000 + b"}"
    assert "malformed JSON body" in _is_bad_request(own_http.post("/v1/occupancy/adjust", content=too_long))
    # The largest 32-bit count is taken, and today's occupancy query still answers.
    ok = own_http.post("/v1/occupancy/adjust", json={"store_uuid": store.uuid, "adjustment_count": 2**31 - 1})
    assert ok.status_code == 200, ok.text
    occupancy = own_http.post(
        "/v2/datamine",
        json={
            "locations": [store.uuid],
            "metrics": ["total_occupancy"],
            "time_ranges": [{"type": "store_hours"}],
            "date_ranges": [{"from": {"name": "today"}, "to": {"relative": {"add_days": 1}}}],
            "group_bys": [{"group": "location", "unit": "", "value": 0}],
            "time_zone": "America/Chicago",
        },
    )
    assert occupancy.status_code == 200 and occupancy.json()["metrics"][0]["data"][0]["value"] >= 2**31 - 1


@pytest.mark.parametrize(
    "start,end",
    [
        ("9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59-13:00"),  # past year 9999 once in UTC
        ("0001-01-01T00:00:00+14:00", "0001-01-01T01:00:00+14:00"),  # before year 1 once in UTC
    ],
)
def test_export_times_out_of_any_calendar_are_a_400(http, frozen_sim, start, end):
    channel = next(iter(frozen_sim.world.channels))
    response = http.post("/v1/video/export/start", params=[("channel", channel), ("start", start), ("end", end)])
    assert "out of range" in _is_bad_request(response)


def test_a_byte_range_too_long_to_read_is_refused_not_a_crash(http, frozen_sim):
    path = sorted(frozen_sim.world.files)[0]
    response = http.get("/v1/downloads/download", params={"file": path}, headers={"Range": "bytes=" + "9" * 5000 + "-"})
    assert response.status_code == 416 and response.json()["error"]
