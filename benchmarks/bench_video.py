"""Video figures: segment encoding, export rendering, libvlc first-frame latency, and
the Live video pane's own costs.

Goals (from the video issue / platform notes): a segment well under its 2 s of play
time; a 5-minute export in seconds, not minutes; first frame through libvlc in a few
hundred milliseconds on loopback; the pane:
- video_first_frame_ms: a tile (LiveStream) opened to its first decoded frame, token
  already kept, segments already made by the server (a manager reopening a view), on
  loopback; goal <= 300. Median of 5 opens, beside one HTTP GET of a segment.
- video_4_tiles_cpu_percent: the pane showing a 2×2 grid, all four playing, in percent
  of one core (user + system of the whole process, libvlc's threads included); goal
  <= 60. Beside a bare shown Qt window over the same time.
- video_hidden_cpu_percent: the same pane once hidden (deactivated); goal <= 1.
The pane runs in a child process, offscreen, so the simulator's encoding (in this
process) is not counted. STOREOPS_BENCH_VIDEO_SECONDS sets each CPU window (10 s)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx

from storeops.simulator.video.encode import encode_segment

ACCESS_KEY, SECRET_KEY = "bench-access", "bench-secret"
ROOT = Path(__file__).resolve().parents[1]


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
        pane = _pane_child(sim.url)
        yield "video_segment_get_ms (baseline)", pane["segment_get_ms"], "ms"
        yield "video_first_frame_ms", pane["first_frame_ms"], "ms"
        yield "video_bare_window_cpu_percent (baseline)", pane["bare_window_cpu"], "%"
        yield "video_4_tiles_cpu_percent", pane["four_tiles_cpu"], "%"
        yield "video_hidden_cpu_percent", pane["hidden_cpu"], "%"


# ---------------------------------------------------------------- the pane, in a child


def _pane_child(url: str) -> dict[str, float]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        STOREOPS_HOME=tempfile.mkdtemp(prefix="storeops-bench-video-"),
    )
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_video", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            result: dict[str, float] = json.loads(line)
            return result
    raise RuntimeError(f"video pane child failed ({out.returncode}): {out.stderr[-2000:]}")


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


async def _cpu_percent(seconds: float) -> float:
    import asyncio

    wall0, cpu0 = time.perf_counter(), _cpu()
    await asyncio.sleep(seconds)
    return 100 * (_cpu() - cpu0) / (time.perf_counter() - wall0)


def _child_main(url: str) -> None:
    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication, QWidget

    seconds = float(os.environ.get("STOREOPS_BENCH_VIDEO_SECONDS", "10"))
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)  # the bare window closes, the pane hides: go on
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def main() -> dict[str, float]:
        from storeops.api.client import RetailNextClient
        from storeops.media.live import LiveStream, StreamState
        from storeops.settings import Settings
        from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
        from storeops.ui.video.pane import VideoPane, create_pane

        result: dict[str, float] = {}
        bare = QWidget()
        bare.resize(1280, 800)
        bare.show()
        await asyncio.sleep(1)
        result["bare_window_cpu"] = await _cpu_percent(seconds)
        bare.close()

        async with RetailNextClient(url, ACCESS_KEY, SECRET_KEY) as client:
            stores = StoreSelection()
            stores.set_stores([loc for loc in await client.query_locations() if loc.location_type == "store"])
            ctx = PaneContext(client=client, stores=stores, status=StatusReporter(), settings=Settings())
            pane = create_pane(ctx)
            assert isinstance(pane, VideoPane)
            pane.resize(1280, 800)
            pane.show()
            pane.activate()
            controller = pane.controller
            deadline = time.monotonic() + 60
            tiles = pane.grid.visible_tiles()
            while not (controller.loaded and all(t.playing and t.frames_shown > 10 for t in tiles)):
                if time.monotonic() > deadline:
                    raise RuntimeError([t.state_text for t in tiles])
                await asyncio.sleep(0.1)

            # First frame: a tile reopening a channel whose token is kept and whose
            # segments the server has made (the grid above made them).
            entry = controller.channels[tiles[0].channel_uuid or ""]
            stream_url = await controller.service.stream_url(entry)
            base = stream_url.split("/v1/hls/")[0] + "/v1/hls/"
            gets, firsts = [], []
            async with httpx.AsyncClient() as http:
                segment = (await http.get(stream_url)).text.split()[-1]
                (await http.get(base + segment)).raise_for_status()  # made and cached by the server
                for _ in range(5):
                    t0 = time.perf_counter()
                    (await http.get(base + segment)).raise_for_status()
                    gets.append((time.perf_counter() - t0) * 1000)
            for _ in range(5):

                async def same() -> str:
                    return stream_url

                first: asyncio.Future[float] = asyncio.get_running_loop().create_future()

                def on_frame(_frame: object, fut: asyncio.Future[float] = first) -> None:
                    # libvlc's thread: the time now, handed to the loop
                    loop.call_soon_threadsafe(_settle, fut, time.perf_counter())

                stream = LiveStream(same, on_frame=on_frame)
                t0 = time.perf_counter()
                stream.start()
                firsts.append((await asyncio.wait_for(first, 20) - t0) * 1000)
                await stream.aclose()
            result["segment_get_ms"] = statistics.median(gets)
            result["first_frame_ms"] = statistics.median(firsts)

            await asyncio.sleep(1)
            assert all(s.status.state is StreamState.PLAYING for s in controller.playing_streams())
            result["four_tiles_cpu"] = await _cpu_percent(seconds)
            pane.deactivate()
            pane.hide()
            await asyncio.sleep(2)  # libvlc's stop and the last queued frames
            result["hidden_cpu"] = await _cpu_percent(seconds)
            pane.shutdown()
            await controller.wait_idle()
        return result

    try:
        print(json.dumps(loop.run_until_complete(main())), flush=True)
    finally:
        loop.close()


def _settle(future, at: float) -> None:
    if not future.done():
        future.set_result(at)


if __name__ == "__main__":
    _child_main(sys.argv[1])
