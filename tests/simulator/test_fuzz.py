"""Seeded random mutations of valid bodies, and of their bytes: every answer is
JSON and never a 5xx."""

from __future__ import annotations

import json
import random

JUNK = [
    None,
    True,
    False,
    0,
    -1,
    10**30,
    1.5,
    1e308,
    "",
    "x",
    "24:00",
    "-1",
    [],
    {},
    [None],
    {"a": 1},
    "2026-02-30",
    "9999-12-31T23:59:59Z",
    "0001-01-01",
    -(10**9),
    10**9,
    "+99999-01-01",
    "2026-03-18T25:00:00",
    "23:60",
    100_001,
    # huge and non-finite numbers (json writes NaN / Infinity, which json.loads reads back)
    2**31,
    -(2**31) - 1,
    2**63,
    -(10**30),
    float("nan"),
    float("inf"),
    1e-320,
    # text that is JSON but not valid Unicode, and text that is unusual but valid
    "\ud800",
    "\udc00x",
    "\u0000",
    "\U0001f600",
    "é" * 300,
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
]


def _mutate(value, rng: random.Random):
    if isinstance(value, dict) and value:
        value = dict(value)
        key = rng.choice(list(value))
        roll = rng.random()
        if roll < 0.3:
            del value[key]
        elif roll < 0.6:
            value[key] = rng.choice(JUNK)
        else:
            value[key] = _mutate(value[key], rng)
        return value
    if isinstance(value, list) and value:
        value = list(value)
        i = rng.randrange(len(value))
        value[i] = rng.choice(JUNK) if rng.random() < 0.5 else _mutate(value[i], rng)
        return value
    return rng.choice(JUNK)


def _valid_bodies(world) -> dict[str, dict]:
    store = world.stores()[0].uuid
    return {
        "/v2/datamine": {
            "metrics": ["traffic_in", "total_occupancy"],
            "locations": [store, world.organization_uuid],
            "date_ranges": [
                {
                    "from": {"relative": {"add_weeks": -1}},
                    "to": {"relative": {"base": {"name": "now"}, "truncate_to": "week"}},
                },
                {"from": {"absolute": {"year": 2025, "month": 3}}, "to": {"gregorian": "2025-04-01"}},
            ],
            "time_ranges": [{"type": "store_hours"}, {"from": "10:00", "until": "24:00"}],
            "group_bys": [
                {"group": "location", "unit": "", "value": 1},
                {"group": "date", "unit": "days", "value": 1},
                {"group": "time", "unit": "hours", "value": 1},
            ],
            "time_zone": "America/Los_Angeles",
        },
        "/v2/location": {
            "extra_fields": ["store.store_id"],
            "root_uuids": [world.organization_uuid],
            "where": {"and": [{"location_types": ["store"]}], "uuids": [store]},
        },
        "/v1/occupancy/adjust": {"store_uuid": store, "adjustment_time": "2026-03-18T18:00:00Z", "adjustment_count": 5},
        "/v1/storehours": {"stores": [store], "start_date": "2026-03-01T00:00:00Z", "end_date": "2026-03-07T00:00:00Z"},
        "/v1/predictedtraffic": {"store_uuid": store, "first_day": "2026-03-20", "last_day": "2026-03-21"},
        "/v1/healthalerts": {"start_time": "2026-03-01T00:00:00Z"},
        "/v2/location/create": {
            "name": "Kiosk",
            "parent_uuid": store,
            "location_type": "display",
            "area": 12.5,
            "aggregate_to_parent": True,
            "aggregate_to_store": False,
        },
        "/v1/hlsapitoken": {"location_uuid": store},
    }


def test_mutated_bodies_never_get_a_server_error(http, frozen_sim):
    valid = _valid_bodies(frozen_sim.world)
    rng = random.Random(20260318)
    statuses = set()
    for path, body in valid.items():
        for _ in range(40):
            mutated = body
            for _ in range(rng.randrange(1, 4)):
                mutated = _mutate(mutated, rng)
            response = http.post(path, content=json.dumps(mutated))
            assert response.status_code < 500, (path, mutated, response.text)
            response.json()
            statuses.add(response.status_code)
    assert 400 in statuses and 200 in statuses


def _mangle(raw: bytes, rng: random.Random) -> bytes:
    """One byte-level damage to a valid body: what a broken client or proxy sends."""
    at = rng.randrange(len(raw) + 1)
    kind = rng.randrange(7)
    if kind == 0:  # nested far deeper than any parser recurses
        depth = rng.choice([500, 3000, 20000])
        opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
        return raw[:at] + opener * depth + b"1" + closer * depth + raw[at:]
    if kind == 1:  # bytes that are not UTF-8
        return raw[:at] + rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf5\x80\x80\x80"]) + raw[at:]
    if kind == 2:  # cut short
        return raw[:at]
    if kind == 3:  # an integer too long to read
        return raw[:at] + b"1" * rng.choice([4301, 20000]) + raw[at:]
    if kind == 4:  # not an object at the top
        return rng.choice([b"[" + raw + b"]", b'"' + raw.replace(b'"', b"'") + b'"', b"null", b"1e999"])
    if kind == 5:  # a lone surrogate escape in place of a string
        return raw.replace(b'"', b'"\\udbff', 1) if rng.random() < 0.5 else raw.replace(b'":', b'\\ud800":', 1)
    return raw[:at] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8))) + raw[at:]


def test_damaged_bytes_never_get_a_server_error(http, frozen_sim):
    world = frozen_sim.world
    targets = [("POST", path, body) for path, body in _valid_bodies(world).items()]
    targets.append(("PUT", f"/v2/location/{world.stores()[0].uuid}", {"name": "Renamed", "area": 10.0}))
    rng = random.Random(20260319)
    statuses = set()
    for method, path, body in targets:
        raw = json.dumps(body).encode()
        for _ in range(25):
            damaged = _mangle(raw, rng)
            response = http.request(method, path, content=damaged)
            assert response.status_code < 500, (method, path, damaged[:200], response.text)
            payload = response.json()
            if response.status_code >= 400:
                assert payload["error"] and payload["error_detail"], payload
            statuses.add(response.status_code)
    assert 400 in statuses
    # The server survived all of it and still answers.
    assert http.post("/v2/location", json={"where": {"uuids": []}}).status_code == 200


QUERY_JUNK = [
    "",
    "x",
    "-1",
    "0",
    "1",
    "2",
    "9" * 30,
    "9" * 5000,
    "1e999",
    "NaN",
    "0x10",
    "10000x10000",
    "0x0",
    "2026-02-30T00:00:00Z",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2026-03-18T20:00:00Z",
    "2026-03-18T19:00:00+00:00",
    "../../etc/passwd",
    "custom_exports/../x",
    "bytes=0-",
    "bytes=-5",
    "bytes=5-1",
    "bytes=" + "9" * 40 + "-",
    "é",
    "%00",
    "a,b,,c",
]


def test_junk_query_strings_and_page_headers_never_get_a_server_error(http, frozen_sim):
    world = frozen_sim.world
    channels = list(world.channels)[:3]
    rng = random.Random(20260320)
    statuses = set()
    for _ in range(150):
        kind = rng.randrange(4)
        headers = {}
        if kind == 0:
            params = [
                (
                    rng.choice(["channel", "start", "end", "resolution", "raw", "info_overlay", "zoom"]),
                    rng.choice(QUERY_JUNK + channels),
                )
                for _ in range(rng.randrange(1, 6))
            ]
            response = http.post("/v1/video/export/start", params=params)
        elif kind == 1:
            response = http.get(
                "/v1/downloads/" + rng.choice(["list", "download"]),
                params={rng.choice(["prefix", "file"]): rng.choice(QUERY_JUNK + sorted(world.files))},
                headers={"Range": rng.choice(QUERY_JUNK)},
            )
        else:
            headers = {rng.choice(["X-Page-Length", "X-Page-Start"]): rng.choice(QUERY_JUNK).encode("utf-8")}
            path = rng.choice(["/v1/location", "/v1/inventory/cameras", "/v1/inventory/channels"])
            response = http.get(path, headers=headers) if kind == 2 else http.post("/v1/healthalerts", headers=headers)
        assert response.status_code < 500, (kind, response.request.url, headers, response.text)
        if response.headers.get("content-type", "").startswith("application/json"):
            response.json()
        statuses.add(response.status_code)
    assert 400 in statuses
