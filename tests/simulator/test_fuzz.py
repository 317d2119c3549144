"""Seeded random mutations of valid bodies: every answer is JSON and never a 5xx."""

from __future__ import annotations

import json
import random

JUNK = [None, True, False, 0, -1, 10**30, 1.5, 1e308, "", "x", "24:00", "-1", [], {}, [None], {"a": 1},
        "2026-02-30", "9999-12-31T23:59:59Z", "0001-01-01", -10**9, 10**9, "+99999-01-01",
        "2026-03-18T25:00:00", "23:60", 100_001]


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


def test_mutated_bodies_never_get_a_server_error(http, frozen_sim):
    world = frozen_sim.world
    store = world.stores()[0].uuid
    valid = {
        "/v2/datamine": {
            "metrics": ["traffic_in", "total_occupancy"], "locations": [store, world.organization_uuid],
            "date_ranges": [{"from": {"relative": {"add_weeks": -1}},
                             "to": {"relative": {"base": {"name": "now"}, "truncate_to": "week"}}},
                            {"from": {"absolute": {"year": 2025, "month": 3}}, "to": {"gregorian": "2025-04-01"}}],
            "time_ranges": [{"type": "store_hours"}, {"from": "10:00", "until": "24:00"}],
            "group_bys": [{"group": "location", "unit": "", "value": 1}, {"group": "date", "unit": "days", "value": 1},
                          {"group": "time", "unit": "hours", "value": 1}],
            "time_zone": "America/Los_Angeles"},
        "/v2/location": {"extra_fields": ["store.store_id"], "root_uuids": [world.organization_uuid],
                         "where": {"and": [{"location_types": ["store"]}], "uuids": [store]}},
        "/v1/occupancy/adjust": {"store_uuid": store, "adjustment_time": "2026-03-18T18:00:00Z", "adjustment_count": 5},
        "/v1/storehours": {"stores": [store], "start_date": "2026-03-01T00:00:00Z", "end_date": "2026-03-07T00:00:00Z"},
        "/v1/predictedtraffic": {"store_uuid": store, "first_day": "2026-03-20", "last_day": "2026-03-21"},
        "/v1/healthalerts": {"start_time": "2026-03-01T00:00:00Z"},
    }
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
