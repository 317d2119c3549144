"""Authentication, JSON error bodies, and bad input that never gets a 5xx."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.simulator.conftest import form_post

POST_PATHS = [
    "/v2/location",
    "/v2/location/create",
    "/v2/datamine",
    "/v1/occupancy/adjust",
    "/v1/storehours",
    "/v1/predictedtraffic",
    "/v1/healthalerts",
]


@pytest.mark.parametrize("auth", [None, (ACCESS_KEY, "wrong"), ("wrong", SECRET_KEY), ("", "")])
def test_bad_credentials_get_401_json(frozen_sim, auth):
    response = httpx.post(frozen_sim.url + "/v2/location", json={}, auth=auth)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert "basic" in response.headers["www-authenticate"].lower()


def test_garbage_authorization_header_is_401(frozen_sim):
    for header in ["Basic !!!", "Bearer abc", "Basic " + "dXNlcg==", "Basic"]:
        response = httpx.get(frozen_sim.url + "/v1/inventory/cameras", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_json_accepted_with_form_content_type(http):
    response = form_post(http, "/v2/location", '{ "where": { "and": [ { "location_types": [ "store" ] } ] } }')
    assert response.status_code == 200
    assert response.json()["nodes"][0][0]["location_type"] == "store"


def test_unknown_path_and_method_are_json(http):
    missing = http.get("/v9/nothing")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = http.get("/v2/datamine")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


BAD_BODIES = [
    b"{",
    b"not json",
    b"[]",
    b"null",
    b"42",
    b'"text"',
    b'{"locations": 5}',
    b'{"stores": "x", "start_date": 1}',
    b'{"name": 1, "parent_uuid": [], "location_type": {}}',
    b'{"where": {"and": "x"}}',
    b'{"extra_fields": [1]}',
    b'{"root_uuids": "x"}',
    b'{"store_uuid": 5, "adjustment_count": "x"}',
    b'{"start_time": 17}',
    b'{"first_day": "2020-13-45", "last_day": null, "store_uuid": "x"}',
    b'{"metrics": ["traffic_in"], "locations": ["x"], "date_ranges": [{"from": 1, "to": 2}]}',
    b'{"metrics": [], "locations": [], "date_ranges": []}',
    b"\xff\xfe\x00garbage",
    b'{"a": ' * 50 + b"1" + b"}" * 50,
]


@pytest.mark.parametrize("path", POST_PATHS)
def test_bad_bodies_get_4xx_json_and_the_server_keeps_serving(http, path):
    for body in BAD_BODIES:
        response = http.post(path, content=body)
        assert 400 <= response.status_code < 500, (path, body, response.text)
        payload = response.json()
        assert payload.get("error") and payload.get("error_detail"), payload
    assert http.post("/v2/location", json={"where": {"uuids": []}}).status_code == 200


def test_bad_put_bodies(http, frozen_sim):
    store = frozen_sim.world.stores()[0]
    for body in [
        b"{",
        b"[]",
        b'{"area": "big"}',
        b'{"occupancy_limit": 2.5}',
        b'{"name": ""}',
        b'{"aggregate_to_parent": "yes"}',
        b'{"parent_uuid": 7}',
        b'{"unknown": 1}',
    ]:
        response = http.put(f"/v2/location/{store.uuid}", content=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"] == "bad_request"


def test_empty_body_where_required_is_400(http):
    for path in ["/v2/datamine", "/v2/location/create", "/v1/storehours"]:
        response = http.post(path)
        assert response.status_code == 400
        assert "empty" in response.json()["error_detail"]


def test_requests_are_counted_per_path(own_sim, own_http):
    before = own_sim.world.requests["/v1/inventory/appliances"]
    own_http.get("/v1/inventory/appliances")
    own_http.get("/v1/inventory/appliances")
    assert own_sim.world.requests["/v1/inventory/appliances"] == before + 2


def test_hls_segments_are_counted_per_channel_not_per_path(own_sim, own_http):
    channel = next(iter(own_sim.world.channels.values()))
    token = own_http.post("/v1/hlsapitoken", json={"location_uuid": channel.store_uuid}).json()["token"]
    playlist = httpx.get(f"{own_sim.url}/v1/hls/{channel.uuid}.m3u8", params={"token": token})
    assert playlist.status_code == 200
    newest = [line for line in playlist.text.splitlines() if ".ts?" in line][-1]  # "<channel>/<seq>.ts?token=..."
    segment = httpx.get(f"{own_sim.url}/v1/hls/{newest}")
    assert segment.status_code == 200 and segment.content
    # Segments long gone or not yet made, and refused tokens: still requests of the stream.
    for seq in (0, 1, 2, 10**9):
        assert httpx.get(f"{own_sim.url}/v1/hls/{channel.uuid}/{seq}.ts", params={"token": token}).status_code == 404
    assert httpx.get(f"{own_sim.url}/v1/hls/{channel.uuid}/5.ts", params={"token": "bad"}).status_code == 403
    with own_sim.world.lock:
        counted = dict(own_sim.world.requests)
    assert counted[f"/v1/hls/{channel.uuid}/segments"] == 6
    assert counted[f"/v1/hls/{channel.uuid}.m3u8"] == 1  # playlists keep their exact path
    assert counted["/v1/hlsapitoken"] == 1
    assert not [path for path in counted if path.endswith(".ts")]


def test_a_crashing_route_answers_json_500_and_keeps_the_connection(own_sim, own_http):
    def broken(path):
        raise RuntimeError("simulated bug")

    own_sim.world.file_bytes = broken  # the download route now fails inside
    crashed = own_http.get("/v1/downloads/download", params={"file": "custom_exports/x.csv"})
    assert crashed.status_code == 500
    assert crashed.json() == {"error": "internal_error", "error_detail": "internal simulator error"}
    assert own_http.get("/v1/inventory/appliances").status_code == 200
