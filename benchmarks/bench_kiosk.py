"""Kiosk figures: idle CPU and memory growth over many polls.

The simulator runs in this process (its CPU is not counted); the kiosk runs in
a child process, offscreen, showing one open store, and reports its own
figures. Environment overrides for quick runs:
  STOREOPS_BENCH_KIOSK_SECONDS (default 60), STOREOPS_BENCH_KIOSK_POLLS (default 10000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ACCESS, SECRET = "bench-access-key", "bench-secret-key-0123456789"
STORE = "Chicago Loop"
ROOT = Path(__file__).resolve().parents[1]


def _open_wednesday_afternoon() -> datetime:
    tz = ZoneInfo("America/Chicago")
    today = datetime.now(tz).date()
    day = today - timedelta(days=(today.weekday() - 2) % 7)
    if (day.month, day.day) in {(1, 1), (12, 25)}:
        day -= timedelta(days=7)
    return datetime.combine(day, time(15, 0), tzinfo=tz)


def _child(mode: str, url: str, amount: str) -> dict:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        STOREOPS_HOME=tempfile.mkdtemp(prefix="storeops-bench-kiosk-"),
    )
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_kiosk", mode, url, amount],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"kiosk child failed ({out.returncode}): {out.stderr[-2000:]}")


def run():
    from storeops.simulator.server import start_simulator

    seconds = os.environ.get("STOREOPS_BENCH_KIOSK_SECONDS", "60")
    polls = os.environ.get("STOREOPS_BENCH_KIOSK_POLLS", "10000")
    with start_simulator(access_key=ACCESS, secret_key=SECRET, seed=1) as sim:
        # Open hours (frozen clock): the display shows a live count, the normal case.
        sim.clock.freeze(_open_wednesday_afternoon())
        idle = _child("cpu", sim.url, seconds)
        yield "kiosk_idle_cpu_percent", idle["cpu_percent"], f"% of one core ({idle['seconds']:.0f} s, 1 s polls)"
        growth = _child("rss", sim.url, polls)
        yield (
            "kiosk_rss_growth_mb_10k_polls",
            growth["growth_mb"],
            f"MB ({growth['polls']} polls, {growth['rss_start_mb']:.0f} -> {growth['rss_end_mb']:.0f} MB)",
        )


# ---------------------------------------------------------------- the kiosk child


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_main(mode: str, url: str, amount: str) -> None:
    import asyncio
    import gc

    import qasync
    from PySide6.QtWidgets import QApplication

    from storeops.api.client import RetailNextClient
    from storeops.kiosk import KIOSK_TIMEOUT_S
    from storeops.ui.kiosk import KioskConfig, create_kiosk_widget
    from storeops.ui.kiosk.state import KioskState

    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def main() -> dict:
        client = RetailNextClient(url, ACCESS, SECRET, timeout=KIOSK_TIMEOUT_S)  # as `storeops kiosk`
        interval = 1.0 if mode == "cpu" else 0.001
        widget = create_kiosk_widget(client=client, store=STORE, interval=interval, config=KioskConfig())
        widget.resize(1920, 1080)
        widget.show()
        controller = widget.controller
        try:
            if mode == "cpu":
                controller.start()
                while widget.view().state is KioskState.STARTING:
                    await asyncio.sleep(0.1)
                await asyncio.sleep(3)  # warm-up: imports, first paints, hours and trend reads
                wall0, cpu0 = loop.time(), _cpu()
                await asyncio.sleep(float(amount))
                wall, cpu = loop.time() - wall0, _cpu() - cpu0
                return {"cpu_percent": 100 * cpu / wall, "seconds": wall}
            # rss: drive the same service loop the controller runs, counting polls.
            target = int(amount)
            warmup = min(500, target // 10)
            await controller._resolve_store()
            service = controller.service
            service.store_refresh = 5.0  # also exercise the periodic store re-read
            stop = asyncio.Event()
            count = 0
            marks: dict[str, float] = {}
            curve: list[float] = []

            def on_update(_snaps) -> None:
                nonlocal count
                count += 1
                controller.polled()  # what the controller does after each poll
                if count == warmup:
                    gc.collect()
                    marks["start"] = _rss_mb()
                if count % 1000 == 0:
                    curve.append(round(_rss_mb(), 2))
                if count >= warmup + target:
                    stop.set()

            ticker = asyncio.ensure_future(_let_qt_paint())
            await service.run(on_update, stop=stop)
            ticker.cancel()
            gc.collect()
            await asyncio.sleep(0.2)
            end = _rss_mb()
            return {
                "growth_mb": end - marks["start"],
                "polls": target,
                "rss_start_mb": marks["start"],
                "rss_end_mb": end,
                "curve": curve,
            }
        finally:
            controller.stop()
            await controller.wait_stopped()
            await client.aclose()

    result = loop.run_until_complete(main())
    print(json.dumps(result), flush=True)


async def _let_qt_paint() -> None:
    import asyncio

    while True:  # yields to Qt so repaints and timers run between polls
        await asyncio.sleep(0.01)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


if __name__ == "__main__":
    _child_main(*sys.argv[1:4])
