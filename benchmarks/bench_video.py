"""Video figures: segment encoding, export rendering, libvlc first-frame latency.

Goals (from the video issue / platform notes): a segment well under its 2 s of play
time; a 5-minute export in seconds, not minutes; first frame through libvlc in a few
hundred milliseconds on loopback."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx

from storeops.simulator.video.encode import encode_segment

ACCESS_KEY, SECRET_KEY = "bench-access", "bench-secret"


def _segment_ms() -> float:
    base = int(time.time() // 2)
    times = []
    for i in range(5):
        t0 = time.perf_counter()
        encode_segment("Registration Desk", "bench-channel", base - i)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _export_s(http: httpx.Client, channels: list[str], seconds: int, **extra: str) -> float:
    # Wall time from the start request to the 302 that points at the file.
    now = time.time()
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60))
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60 - seconds))
    params = [("channel", c) for c in channels] + [("start", start), ("end", end)] + list(extra.items())
    t0 = time.perf_counter()
    r = http.post("/v1/video/export/start", params=tuple(params))  # a tuple: httpx types a list invariantly
    r.raise_for_status()
    task = r.headers["location"]
    while (status := http.get(task)).status_code == 202:
        time.sleep(0.05)
    elapsed = time.perf_counter() - t0
    if status.status_code != 302:
        raise RuntimeError(f"export failed: {status.status_code} {status.text}")
    http.delete(task)
    return elapsed


def _first_frame_ms_and_delay_s(sim) -> tuple[float, float]:
    """Time to the first decoded frame, and how far behind the wall clock the live
    picture is a few seconds in (read from the clock drawn in the frame)."""
    from storeops.media import FrameGrabber, check_libvlc
    from storeops.simulator.video.font import read_text
    from storeops.simulator.video.picture import clock_position, text_scale

    check_libvlc()  # instance creation is not part of the latency
    channel = next(iter(sim.world.channels.values()))
    token = httpx.post(
        f"{sim.url}/v1/hlsapitoken", json={"location_uuid": channel.store_uuid}, auth=(ACCESS_KEY, SECRET_KEY)
    ).json()["token"]
    with FrameGrabber() as grabber:
        t0 = time.perf_counter()
        grabber.play(f"{sim.url}/v1/hls/{channel.uuid}.m3u8?token={token}")
        deadline = t0 + 20
        while grabber.frames == 0:
            if grabber.error or time.perf_counter() > deadline:
                raise RuntimeError(grabber.error or "no frame within 20 s")
            time.sleep(0.005)
        first_ms = (time.perf_counter() - t0) * 1000
        time.sleep(4)
        frame = grabber.latest
        if frame is None:
            raise RuntimeError("no frame kept after 4 s")
        now = sim.clock.now()
        x, y = clock_position(frame.height)
        text = read_text(frame.rgb(), x, y, text_scale(frame.height), 25)
        shown = datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f UTC").replace(tzinfo=UTC)
        return first_ms, (now - shown).total_seconds()


def run() -> Iterator[tuple[str, float, str]]:
    from storeops.simulator.server import start_simulator

    yield "video_segment_encode_ms", _segment_ms(), "ms"
    with start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=1) as sim:
        groups: dict[str, list[str]] = {}
        for ch in sim.world.channels.values():
            groups.setdefault(ch.appliance_id, []).append(ch.uuid)
        one = next(iter(sim.world.channels))
        grid = max(groups.values(), key=len)[:4]
        with httpx.Client(base_url=sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=30) as http:
            yield "video_export_30s_render_s", _export_s(http, [one], 30), "s"
            yield "video_export_5min_render_s", _export_s(http, [one], 300), "s"
            if len(grid) > 1:
                yield f"video_export_5min_grid{len(grid)}_render_s", _export_s(http, grid, 300), "s"
        # A fresh stream: the first segments are generated on demand, as for a user.
        first_ms, delay_s = _first_frame_ms_and_delay_s(sim)
        yield "vlc_first_frame_ms", first_ms, "ms"
        yield "vlc_live_delay_s", delay_s, "s"
