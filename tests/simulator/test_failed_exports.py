"""Exports of the seeded channel that does not record fail with 424 "recording
disabled", over real HTTP, while the same interval on a recording channel works."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from storeops.simulator.seed import build_world
from tests.simulator.conftest import WEDNESDAY_AFTERNOON


def _not_recording(world) -> list:
    return [c for c in world.channels.values() if not c.recording_enabled]


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _export(http: httpx.Client, channels: list[str], end: datetime, seconds: int = 2) -> httpx.Response:
    """Starts an export of `seconds` before `end` and polls its task until it settles."""
    params = [("channel", c) for c in channels]
    params += [("start", _iso(end - timedelta(seconds=seconds))), ("end", _iso(end))]
    started = http.post("/v1/video/export/start", params=tuple(params))  # a tuple: httpx types a list invariantly
    assert started.status_code == 201, started.text
    deadline = time.monotonic() + 30
    while True:
        task = http.get(started.headers["location"])
        if task.status_code != 202:
            return task
        assert time.monotonic() < deadline, "export did not settle"
        time.sleep(0.05)


def test_exactly_one_seeded_channel_does_not_record_whatever_the_seed():
    for seed in (0, 1, 7):
        first, again = build_world(seed, now=WEDNESDAY_AFTERNOON), build_world(seed, now=WEDNESDAY_AFTERNOON)
        (off,) = _not_recording(first)
        assert [c.uuid for c in _not_recording(again)] == [off.uuid]
        # On a store appliance, with siblings that do record: a grid export can include it.
        assert off.appliance_id
        assert any(c.appliance_id == off.appliance_id and c.recording_enabled for c in first.channels.values())


def test_inventory_reports_the_channel_as_not_recording(http, frozen_sim):
    (off,) = _not_recording(frozen_sim.world)
    listed = http.get("/v1/inventory/channels").json()["channels"]
    flags = {c["channel_uuid"]: c["recording_enabled"] for c in listed}
    assert flags[off.uuid] is False
    assert sum(1 for enabled in flags.values() if not enabled) == 1


def test_export_of_a_channel_without_recording_fails_with_424(http, frozen_sim):
    (off,) = _not_recording(frozen_sim.world)
    end = frozen_sim.clock.now().replace(microsecond=0) - timedelta(minutes=5)  # well inside retention
    failed = _export(http, [off.uuid], end)
    assert failed.status_code == 424, failed.text
    body = failed.json()
    assert body["ok"] is False
    assert "recording is disabled" in body["error"] and off.uuid in body["error"]
    # The same interval on a channel of the same appliance that records is exported.
    sibling = next(
        c for c in frozen_sim.world.channels.values() if c.appliance_id == off.appliance_id and c.recording_enabled
    )
    assert _export(http, [sibling.uuid], end).status_code == 302


def test_a_grid_export_including_it_fails_with_424(http, frozen_sim):
    (off,) = _not_recording(frozen_sim.world)
    siblings = [
        c.uuid for c in frozen_sim.world.channels.values() if c.appliance_id == off.appliance_id and c.uuid != off.uuid
    ]
    end = frozen_sim.clock.now().replace(microsecond=0) - timedelta(minutes=5)
    failed = _export(http, [*siblings[:1], off.uuid], end)
    assert failed.status_code == 424
    assert "recording is disabled" in failed.json()["error"]
