"""Figures of the download manager (storeops/api/downloads.py) over real HTTP.

- download_curl_mb_s: curl's throughput for a 200 MB export from the simulator,
  written to disk: the baseline (the same file, the same server).
- download_client_mb_s: RetailNextClient.download_export of that file into a
  file, on a qasync loop as in the app (disk writes in the executor).
- download_ratio_vs_curl: client ÷ curl, medians of RUNS interleaved runs (a
  machine shared with others drifts: interleaving lets drift hit both alike).
  Goal ≥ 0.9.
- download_max_stall_ms: the longest the GUI thread went without running while
  the client downloaded: a QTimer beats every BEAT_MS, the figure is the longest
  gap between two beats minus BEAT_MS. Goal ≤ 30 ms. download_idle_stall_ms:
  the same heartbeat while curl downloads (our loop idle, the machine as busy):
  the baseline of what the machine alone costs.

The simulator runs in a child process, so neither downloader shares a GIL with
the server; the qasync measurement runs in another child (a QApplication of its
own, as bench_kiosk does). Figures, not pass/fail.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEY, SECRET = "bench-access", "bench-secret"
SIZE_MB = 200
RUNS = 3
BEAT_MS = 5


def run():
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_download", "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        measured = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_download", "--measure", info["url"], info["export_id"]],
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        if measured.returncode != 0:
            raise RuntimeError(measured.stderr[-2000:])
        result = json.loads(measured.stdout.strip().splitlines()[-1])
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(30)
    curl, client = statistics.median(result["curl"]), statistics.median(result["client"])
    yield "download_curl_mb_s", curl, f"MB/s (baseline: curl, {SIZE_MB} MB export to disk)"
    yield "download_client_mb_s", client, "MB/s (RetailNextClient.download_export on qasync)"
    yield "download_ratio_vs_curl", client / curl, "x curl (goal >= 0.9)"
    yield "download_max_stall_ms", result["client_stall_ms"], "ms longest GUI-thread stall (goal <= 30)"
    yield "download_idle_stall_ms", result["idle_stall_ms"], "ms (baseline: same heartbeat while curl downloads)"


def _serve() -> None:
    """Child: a simulator with one ready export of SIZE_MB random bytes; prints
    {url, export_id}, serves until stdin closes."""
    from datetime import timedelta

    from storeops.simulator.server import start_simulator
    from storeops.simulator.video.exports import ExportManager, parse_export_request

    sim = start_simulator(access_key=KEY, secret_key=SECRET, seed=7)
    try:
        channel = next(c for c in sim.world.channels.values() if c.recording_enabled)
        end = sim.clock.now().replace(microsecond=0) - timedelta(minutes=1)
        spec = parse_export_request(
            [("channel", channel.uuid), ("start", (end - timedelta(minutes=5)).isoformat()), ("end", end.isoformat())],
            sim.world.channels,
            sim.clock.now(),
        )
        source = Path(sim.ctx.data_dir) / "bench-source.mp4"
        with open(source, "wb") as f:
            for _ in range(SIZE_MB):  # random: nothing on the way can compress it
                f.write(os.urandom(1024 * 1024))
        task = ExportManager.of(sim.ctx.data_dir).add_ready(source, spec)
        print(json.dumps({"url": sim.url, "export_id": task.export_id}), flush=True)
        sys.stdin.read()
    finally:
        sim.stop()


def _measure(url: str, export_id: str) -> None:
    """Child: interleaved curl and client downloads on a qasync loop with a heartbeat."""
    import asyncio

    import qasync
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from storeops.api.client import RetailNextClient

    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    class Heartbeat:
        def __init__(self) -> None:
            self.timer = QTimer()
            self.timer.setTimerType(Qt.TimerType.PreciseTimer)
            self.timer.timeout.connect(self._beat)
            self.last = 0.0
            self.worst = 0.0

        def _beat(self) -> None:
            now = time.perf_counter()
            self.worst = max(self.worst, now - self.last)
            self.last = now

        def __enter__(self) -> Heartbeat:
            self.last, self.worst = time.perf_counter(), 0.0
            self.timer.start(BEAT_MS)
            return self

        def __exit__(self, *exc: object) -> None:
            self.timer.stop()

        @property
        def stall_ms(self) -> float:
            return max(0.0, self.worst * 1000 - BEAT_MS)

    folder = Path(tempfile.mkdtemp(prefix="bench-download-"))
    file_url = f"{url}/v1/video/export/file/{export_id}.mp4"

    def curl_once() -> float:
        out = folder / "curl.mp4"
        started = time.perf_counter()
        subprocess.run(["curl", "-sfS", "-u", f"{KEY}:{SECRET}", "-o", str(out), file_url], check=True)
        elapsed = time.perf_counter() - started
        size = out.stat().st_size
        out.unlink()
        return size / elapsed / 1e6

    async def main() -> dict:
        result: dict = {"curl": [], "client": [], "client_stall_ms": 0.0, "idle_stall_ms": 0.0}
        async with RetailNextClient(url, KEY, SECRET) as client:
            status = await client.export_status(export_id)
            await client.download_export(status, folder / "warm.mp4", if_exists="replace")  # page cache, pools
            await asyncio.to_thread((folder / "warm.mp4").unlink)
            for _ in range(RUNS):
                with Heartbeat() as beat:
                    result["curl"].append(await asyncio.to_thread(curl_once))
                result["idle_stall_ms"] = max(result["idle_stall_ms"], beat.stall_ms)
                dest = folder / "client.mp4"
                with Heartbeat() as beat:
                    started = time.perf_counter()
                    path = await client.download_export(status, dest, if_exists="replace")
                    elapsed = time.perf_counter() - started
                result["client_stall_ms"] = max(result["client_stall_ms"], beat.stall_ms)
                size = await asyncio.to_thread(os.path.getsize, path)
                result["client"].append(size / elapsed / 1e6)
                await asyncio.to_thread(path.unlink)
        return result

    try:
        result = loop.run_until_complete(main())
    finally:
        loop.close()
        folder.rmdir()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        _serve()
    elif sys.argv[1] == "--measure":
        _measure(sys.argv[2], sys.argv[3])
