"""Video export limits the reference does not state (at most 60 minutes,
resolutions within 160x120-1920x1080, 32 exports in progress, a resolution only
with several channels) are off by default and on with the simulator's
`export_limits` option (start_simulator keyword, SimContext attribute, CLI flag)."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import httpx
import pytest

from tests.conftest import ACCESS_KEY, SECRET_KEY, start_pinned_simulator
from tests.helpers import simulator_process

REPO = Path(__file__).resolve().parents[2]


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _group(world) -> list[str]:
    """Channels of the store appliance with the most channels."""
    groups: dict[str, list[str]] = defaultdict(list)
    for ch in world.channels.values():
        if ch.appliance_id and ch.recording_enabled:
            groups[ch.appliance_id].append(ch.uuid)
    return max(groups.values(), key=len)


def _start(http: httpx.Client, channels: list[str], start: datetime, end: datetime, **extra) -> httpx.Response:
    params = [("channel", c) for c in channels] + [("start", _iso(start)), ("end", _iso(end))]
    params += [(k, str(v)) for k, v in extra.items()]
    return http.post("/v1/video/export/start", params=tuple(params))  # a tuple: httpx types a list invariantly


def _ready(http: httpx.Client, task: str, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while (answer := http.get(task)).status_code == 202:
        assert time.monotonic() < deadline, "export did not finish"
        time.sleep(0.1)
    return answer


def _frame_size(http: httpx.Client, ready: httpx.Response, tmp_path: Path) -> tuple[int, int]:
    assert ready.status_code == 302, ready.text
    path = tmp_path / "export.mp4"
    path.write_bytes(http.get(ready.headers["location"]).content)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height


@pytest.fixture
def limited():
    running = start_pinned_simulator(export_limits=True)
    try:
        yield running
    finally:
        running.stop()


def _client(running) -> httpx.Client:
    return httpx.Client(base_url=running.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=20)


def test_exports_longer_than_an_hour_are_taken_by_default(fresh_sim):
    assert fresh_sim.ctx.export_limits is False
    channel = _group(fresh_sim.world)[0]
    end = fresh_sim.clock.now().replace(microsecond=0) - timedelta(minutes=1)
    with _client(fresh_sim) as http:
        answer = _start(http, [channel], end - timedelta(hours=2), end)
        assert answer.status_code == 201, answer.text
        task = answer.headers["location"]
        assert http.get(task).status_code in (202, 302)
        assert http.delete(task).status_code == 200 and http.get(task).status_code == 404


@pytest.mark.parametrize(
    "asked,rendered", [("4000x3000", (1920, 1080)), ("161x50", (160, 120)), ("640x480", (640, 480))]
)
def test_any_resolution_is_taken_by_default_and_rendered_within_bounds(fresh_sim, tmp_path, asked, rendered):
    end = fresh_sim.clock.now().replace(microsecond=0) - timedelta(minutes=1)
    with _client(fresh_sim) as http:
        answer = _start(http, _group(fresh_sim.world)[:2], end - timedelta(seconds=2), end, resolution=asked)
        assert answer.status_code == 201, answer.text
        assert _frame_size(http, _ready(http, answer.headers["location"]), tmp_path) == rendered


def test_a_resolution_with_one_channel_is_ignored_by_default(fresh_sim, tmp_path):
    end = fresh_sim.clock.now().replace(microsecond=0) - timedelta(minutes=1)
    with _client(fresh_sim) as http:
        answer = _start(http, _group(fresh_sim.world)[:1], end - timedelta(seconds=2), end, resolution="800x600")
        assert answer.status_code == 201, answer.text
        width, _ = _frame_size(http, _ready(http, answer.headers["location"]), tmp_path)
        assert width == 640  # a single channel keeps its own width


def test_more_than_32_exports_in_progress_are_taken_by_default(fresh_sim):
    channel = _group(fresh_sim.world)[0]
    end = fresh_sim.clock.now().replace(microsecond=0) - timedelta(minutes=1)
    with _client(fresh_sim) as http:
        tasks = []
        try:
            for n in range(34):
                answer = _start(http, [channel], end - timedelta(minutes=50 + n), end)
                assert answer.status_code == 201, (n, answer.text)
                tasks.append(answer.headers["location"])
        finally:
            for task in tasks:  # cancels the renders
                http.delete(task)


def test_the_limits_apply_when_asked_for(limited):
    assert limited.ctx.export_limits is True
    group = _group(limited.world)
    end = limited.clock.now().replace(microsecond=0) - timedelta(minutes=1)
    with _client(limited) as http:
        refusals = {
            "over an hour": (_start(http, group[:1], end - timedelta(minutes=61), end), "60 minutes"),
            "too big": (_start(http, group[:2], end - timedelta(seconds=2), end, resolution="4000x3000"), "1920x1080"),
            "too small": (_start(http, group[:2], end - timedelta(seconds=2), end, resolution="100x100"), "160x120"),
            "one channel": (
                _start(http, group[:1], end - timedelta(seconds=2), end, resolution="800x600"),
                "several channels",
            ),
        }
        for name, (answer, words) in refusals.items():
            assert answer.status_code == 400 and words in answer.json()["error_detail"], (name, answer.text)
        tasks = []
        try:
            for n in range(32):
                answer = _start(http, group[:1], end - timedelta(minutes=20 + n), end)
                assert answer.status_code == 201, (n, answer.text)
                tasks.append(answer.headers["location"])
            over = _start(http, group[:1], end - timedelta(minutes=10), end)
            assert over.status_code == 429 and over.headers["retry-after"]
            assert over.json()["error"] == "too_many_requests"
        finally:
            for task in tasks:
                http.delete(task)


def test_switching_the_limits_on_a_running_simulator(fresh_sim):
    channel = _group(fresh_sim.world)[0]
    end = fresh_sim.clock.now().replace(microsecond=0) - timedelta(minutes=1)
    with _client(fresh_sim) as http:
        fresh_sim.ctx.export_limits = True
        assert _start(http, [channel], end - timedelta(minutes=90), end).status_code == 400
        fresh_sim.ctx.export_limits = False
        answer = _start(http, [channel], end - timedelta(minutes=90), end)
        assert answer.status_code == 201
        http.delete(answer.headers["location"])


@pytest.mark.parametrize("flags,expected", [([], 201), (["--export-limits"], 400)])
def test_command_line_flag(flags, expected):
    with simulator_process(*flags) as (url, proc):
        with httpx.Client(base_url=url, auth=("K", "S"), timeout=20) as http:
            channel = http.get("/v1/inventory/channels").json()["channels"][0]["channel_uuid"]
            # Two hours long, and long past on any clock this runs on.
            answer = http.post(
                "/v1/video/export/start",
                params=[("channel", channel), ("start", "2020-01-01T00:00:00Z"), ("end", "2020-01-01T02:00:00Z")],
            )
            assert answer.status_code == expected, answer.text
            if expected == 201:
                http.delete(answer.headers["location"])
        proc.send_signal(2)
        assert proc.wait(timeout=5) == 0
