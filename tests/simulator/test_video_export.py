"""Video exports over real HTTP: 201 -> 202 -> 302 -> a real MP4 covering the interval,
Range resume, DELETE, 424 for intervals without recordings, and refused requests."""

from __future__ import annotations

import json
import subprocess
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import httpx
import pytest

from storeops.simulator.video.font import read_text
from storeops.simulator.video.picture import clock_position, clock_text, text_scale
from tests.conftest import ACCESS_KEY, SECRET_KEY


@pytest.fixture
def http(sim):
    with httpx.Client(base_url=sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=20) as client:
        yield client


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _by_appliance(world) -> dict[str, list[str]]:
    """Channels by store appliance (cloud-connected cameras, with none, left out)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for ch in world.channels.values():
        if ch.appliance_id:
            groups[ch.appliance_id].append(ch.uuid)
    return groups


def _start(http: httpx.Client, channels: list[str], start: datetime, end: datetime, **extra) -> httpx.Response:
    params = [("channel", c) for c in channels] + [("start", _iso(start)), ("end", _iso(end))]
    params += [(k, str(v)) for k, v in extra.items()]
    return http.post("/v1/video/export/start", params=tuple(params))  # a tuple: httpx types a list invariantly


def _wait(http: httpx.Client, task: str, timeout: float = 30) -> tuple[httpx.Response, list[int]]:
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        r = http.get(task)
        seen.append(r.status_code)
        if r.status_code != 202:
            return r, seen
        assert r.json()["ok"] is True and r.json()["status"] == "in_progress"
        assert 0 <= r.json()["progress"] <= 1
        assert time.monotonic() < deadline, "export did not finish"
        time.sleep(0.1)


def _probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        timeout=20,
    )
    return json.loads(out.stdout)


def test_export_lifecycle_download_resume_and_delete(sim, http, tmp_path):
    channel = next(iter(sim.world.channels.values()))
    end = sim.clock.now().replace(microsecond=0) - timedelta(minutes=5)
    start = end - timedelta(seconds=30)
    r = _start(http, [channel.uuid], start, end, info_overlay=1, analytics_overlay=1, raw=0)
    assert r.status_code == 201, r.text
    assert r.json() == {"ok": True}
    task = r.headers["location"]
    assert task.startswith("/v1/video/export/task/")

    ready, seen = _wait(http, task)
    assert ready.status_code == 302, ready.text
    assert set(seen[:-1]) <= {202}
    file_url = ready.headers["location"]
    assert file_url.startswith(sim.url + "/")
    assert httpx.get(file_url).status_code == 401  # protected by basic auth like the API

    whole = http.get(file_url)
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    assert 0 < whole.content.find(b"moov") < whole.content.find(b"mdat")  # playable while downloading
    # Resume: the first kilobyte, then the rest from where it stopped.
    head = http.get(file_url, headers={"Range": "bytes=0-1023"})
    assert head.status_code == 206 and len(head.content) == 1024
    rest = http.get(file_url, headers={"Range": "bytes=1024-"})
    assert rest.status_code == 206
    assert rest.headers["content-range"] == f"bytes 1024-{len(whole.content) - 1}/{len(whole.content)}"
    assert head.content + rest.content == whole.content

    path = tmp_path / "export.mp4"
    path.write_bytes(whole.content)
    info = _probe(path)
    (stream,) = info["streams"]
    assert stream["codec_name"] == "mpeg4"
    assert abs(float(info["format"]["duration"]) - 30.0) < 0.5
    height = stream["height"]
    cx, cy = clock_position(height)
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    first, last = frames[0].to_ndarray(format="rgb24"), frames[-1].to_ndarray(format="rgb24")
    scale = text_scale(height)
    assert read_text(first, cx, cy, scale, 25) == clock_text(start)
    assert read_text(last, cx, cy, scale, 25) == clock_text(start + frames[-1].time * timedelta(seconds=1))
    assert end - timedelta(seconds=1) <= start + timedelta(seconds=frames[-1].time) < end

    assert http.delete(task).status_code in (200, 204)
    assert http.get(task).status_code == 404
    assert http.get(file_url).status_code == 404
    assert http.delete(task).status_code == 404


def test_long_export_reports_progress_then_lasts_the_whole_interval(sim, http, tmp_path):
    group = max(_by_appliance(sim.world).values(), key=len)
    assert len(group) >= 2, "the seeded chain has appliances with several channels"
    end = sim.clock.now().replace(microsecond=0) - timedelta(minutes=1)
    start = end - timedelta(minutes=5)
    r = _start(http, group[:4], start, end, resolution="640x480")
    assert r.status_code == 201, r.text
    ready, seen = _wait(http, r.headers["location"], timeout=60)
    assert seen[0] == 202  # a 5-minute export takes a moment: the first poll sees it working
    assert ready.status_code == 302, ready.text
    path = tmp_path / "grid.mp4"
    path.write_bytes(http.get(ready.headers["location"]).content)
    info = _probe(path)
    (stream,) = info["streams"]
    assert (stream["width"], stream["height"]) == (640, 480)
    assert abs(float(info["format"]["duration"]) - 300.0) < 1.0
    assert http.delete(r.headers["location"]).status_code in (200, 204)


def test_sixteen_channels_tile_at_the_default_resolution(sim, http, tmp_path):
    group = max(_by_appliance(sim.world).values(), key=len)[:16]
    assert len(group) == 16
    end = sim.clock.now().replace(microsecond=0) - timedelta(minutes=2)
    r = _start(http, group, end - timedelta(seconds=2), end)
    assert r.status_code == 201, r.text
    ready, _ = _wait(http, r.headers["location"])
    assert ready.status_code == 302, ready.text
    path = tmp_path / "sixteen.mp4"
    path.write_bytes(http.get(ready.headers["location"]).content)
    (stream,) = _probe(path)["streams"]
    assert (stream["width"], stream["height"]) == (1024, 768)
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    # A 4x4 grid: every tile shows a picture (none left black).
    for row in range(4):
        for col in range(4):
            tile = frame[row * 192 : (row + 1) * 192, col * 256 : (col + 1) * 256]
            assert tile.std() > 20, (row, col)
    http.delete(r.headers["location"])


def test_an_interval_older_than_retention_fails_with_424(sim, http):
    channel = next(iter(sim.world.channels.values()))
    start = sim.clock.now() - timedelta(days=120)  # beyond every channel's retention (90 days max)
    r = _start(http, [channel.uuid], start, start + timedelta(minutes=1))
    assert r.status_code == 201, r.text
    failed, _ = _wait(http, r.headers["location"])
    assert failed.status_code == 424
    body = failed.json()
    assert body["ok"] is False and "recordings" in body["error"]
    assert http.delete(r.headers["location"]).status_code in (200, 204)


def test_bad_export_requests_are_refused_with_a_reason(sim, http):
    groups = _by_appliance(sim.world)
    one = next(iter(sim.world.channels))
    group = max(groups.values(), key=len)
    a, b = (g[0] for g in list(groups.values())[:2])
    now = sim.clock.now().replace(microsecond=0)
    start, end = now - timedelta(minutes=10), now - timedelta(minutes=9)
    many = group[:17]  # one appliance: refused for the count alone
    assert len(many) == 17, "the seeded chain has an appliance with more than 16 channels"
    span = [("start", _iso(start)), ("end", _iso(end))]
    cases = {
        "no channel": span,
        "unknown channel": [("channel", "nope"), *span],
        "17 channels": [("channel", c) for c in many] + span,
        "two appliances": [("channel", a), ("channel", b), *span],
        "no start": [("channel", one), ("end", _iso(end))],
        "bad date": [("channel", one), ("start", "17/03/2021 13:00"), ("end", _iso(end))],
        "start after end": [("channel", one), ("start", _iso(end)), ("end", _iso(start))],
        "end in the future": [("channel", one), ("start", _iso(start)), ("end", _iso(now + timedelta(hours=1)))],
        "flag not 0/1": [("channel", one), *span, ("raw", "yes")],
        "bad resolution": [("channel", group[0]), ("channel", group[1]), *span, ("resolution", "huge")],
        "no pixels": [("channel", group[0]), ("channel", group[1]), *span, ("resolution", "0x480")],
    }
    for name, params in cases.items():
        r = http.post("/v1/video/export/start", params=params)
        assert r.status_code == 400, (name, r.status_code, r.text)
        assert r.json()["error"] == "bad_request" and r.json()["error_detail"], name
    assert "16" in http.post("/v1/video/export/start", params=cases["17 channels"]).json()["error_detail"]
    assert "appliance" in http.post("/v1/video/export/start", params=cases["two appliances"]).json()["error_detail"]
    cloud = [c.uuid for c in sim.world.channels.values() if not c.appliance_id][:2]
    assert len(cloud) == 2, "the seeded chain has cloud-connected cameras"
    together = http.post("/v1/video/export/start", params=[("channel", c) for c in cloud] + span)
    assert together.status_code == 400 and "appliance" in together.json()["error_detail"]
    assert http.get("/v1/video/export/task/not-an-export").status_code == 404
    assert http.get("/v1/video/export/file/not-an-export.mp4").status_code == 404
    assert httpx.post(f"{sim.url}/v1/video/export/start", params=cases["no channel"]).status_code == 401


def test_exports_expire_after_7_days(fresh_sim):
    with httpx.Client(base_url=fresh_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=20) as http:
        channel = next(iter(fresh_sim.world.channels))
        end = fresh_sim.clock.now() - timedelta(minutes=1)
        r = _start(http, [channel], end - timedelta(seconds=4), end)
        assert r.status_code == 201, r.text
        ready, _ = _wait(http, r.headers["location"])
        assert ready.status_code == 302
        fresh_sim.clock.advance(timedelta(days=6, hours=23))
        assert http.get(r.headers["location"]).status_code == 302
        fresh_sim.clock.advance(timedelta(hours=2))
        assert http.get(r.headers["location"]).status_code == 404
        assert http.get(ready.headers["location"]).status_code == 404
