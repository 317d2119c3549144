"""Traffic chart figures, each beside a baseline measured in the same run.

- chart_year_first_render_ms: one year of 15-minute traffic in and out, all day
  (35,040 intervals, 70,080 points), from the service's answer in hand (the parsed
  series with its comparison) to the first painted chart: setData on the curves
  made once, the shading, then a synchronous paint of the plot. Baseline: a bare
  QWidget of the same size painted the same way. The steps before it are timed
  too: the client's parse of the same answer (bytes -> DatamineResult, beside
  json.loads of the same bytes) and the answer -> series conversion.
- chart_year_redraw_ms: a pan or a wheel zoom of that chart (median of 30), each
  followed by a synchronous paint: what a drag costs per frame.
- chart_1m_redraw_ms: the same with 500,000 intervals in and out (1,000,000
  points): clip-to-view and peak downsampling keep it near the year's figure.
- traffic_region_50_stores_ms: a region of 50 stores of the simulator's big chain
  (--big: "Outlet District" regions of 50 stores), one year by day, from the load
  request (controller) to the painted ranking and small multiples, over loopback to
  a simulator process. Baselines: the same requests sent raw with httpx side by side
  and decoded with json.loads (the server's own share), and the same query again
  from the session cache (the client's rendering share).

The GUI work runs in a child process (offscreen Qt, its own QApplication); the
simulator of the region figure in a process of its own.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ACCESS, SECRET = "bench-access-key", "bench-secret-key-0123456789"
YEAR_INTERVALS = 365 * 96


def run():
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        STOREOPS_HOME=tempfile.mkdtemp(prefix="storeops-bench-traffic-"),
    )
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_traffic", "child"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    figures = None
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            figures = json.loads(line)
            break
    if figures is None:
        raise RuntimeError(f"traffic benchmark child failed ({out.returncode}): {out.stderr[-3000:]}")
    yield from (tuple(figure) for figure in figures["figures"])


# ---------------------------------------------------------------- the child


def _answer(intervals: int, first: date) -> bytes:
    """A datamine answer in the API's shape: date and 15-minute time groups, in and
    out, a few incomplete and imputed runs, for `intervals` intervals from `first`."""
    import numpy as np

    rng = np.random.default_rng(7)
    k = np.arange(intervals)
    minute = (k % 96) * 15
    shape = 5 + 40 * np.sin(np.pi * ((minute / 1440.0) % 1.0)) ** 2
    ins = rng.poisson(shape)
    outs = np.roll(ins, 1)
    validity = np.where((k // 96) % 37 == 3, "incomplete", np.where((k // 96) % 53 == 5, "imputed", "complete"))
    metrics = []
    for name, values in (("traffic_in", ins), ("traffic_out", outs)):
        data = []
        for i in range(intervals):
            day = first + timedelta(days=int(i // 96))
            m = int(minute[i])
            data.append(
                {
                    "value": int(values[i]),
                    "validity": str(validity[i]),
                    "group": {
                        "type": "date",
                        "from": {"gregorian": day.isoformat()},
                        "through": {"gregorian": day.isoformat()},
                        "group": {
                            "type": "time",
                            "from": {"time": f"{m // 60:02d}:{m % 60:02d}"},
                            "to": {"time": f"{(m + 15) // 60:02d}:{(m + 15) % 60:02d}"},
                        },
                    },
                    "index": i,
                }
            )
        metrics.append({"name": name, "ok": True, "data": data})
    return json.dumps({"ok": True, "metrics": metrics}).encode()


def _store_traffic(series, comparison, first: date, days: int):
    from storeops.api.models import Location
    from storeops.services.traffic import StoreTraffic
    from storeops.services.traffic_query import Granularity, Period, RangePreset, TrafficQuery
    from storeops.services.traffic_series import totals

    period = Period(
        datetime.combine(first, datetime.min.time()),
        datetime.combine(first + timedelta(days=days), datetime.min.time()),
    )
    store = Location(uuid="bench", name="Bench store", location_type="store", time_zone="America/Chicago")
    return StoreTraffic(
        query=TrafficQuery("bench", RangePreset.CUSTOM, Granularity.MIN15, store_hours_only=False),
        store=store,
        period=period,
        granularity=Granularity.MIN15,
        now_local=period.end,
        series=series,
        totals=totals(series),
        comparison=comparison,
        comparison_original=comparison,
    )


def _paint(widget) -> float:
    started = time.perf_counter()
    widget.repaint()
    return (time.perf_counter() - started) * 1000


def _redraws(chart, rounds: int = 30) -> float:
    view = chart.plot.getPlotItem().getViewBox()
    times = []
    for i in range(rounds):
        started = time.perf_counter()
        if i % 3 == 0:
            view.scaleBy(x=0.8 if i % 2 else 1.25)
        else:
            (x0, x1), _ = view.viewRange()
            view.translateBy(x=(x1 - x0) * (0.1 if i % 2 else -0.1))
        chart.plot.viewport().repaint()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _child() -> None:
    import numpy as np
    from PySide6.QtWidgets import QApplication, QWidget

    from storeops.api.parsing import datamine_result
    from storeops.services.traffic_query import Granularity
    from storeops.services.traffic_series import Series, series_from_result
    from storeops.ui.gc_guard import GuiThreadGc
    from storeops.ui.traffic.chart import TrafficChart

    app = QApplication.instance() or QApplication([])
    # As the app runs (storeops/ui/startup.py): no automatic cyclic GC, collections from a
    # GUI-thread timer. Python's automatic collector, on in a bare script, runs full
    # passes over every answer while the next one is parsed: it made the parse 5-10x
    # slower here than in the app (70,000 points: 3.5-5.5 s instead of ~0.5 s).
    gc_guard = GuiThreadGc(app, freeze_after_ms=None)
    figures: list[tuple[str, float, str]] = []

    # Baseline: a bare window painted the same way.
    bare = QWidget()
    bare.resize(1100, 600)
    bare.show()
    app.processEvents()
    bare_ms = statistics.median(_paint(bare) for _ in range(10))
    gc.freeze()  # start-up is over, as the app's guard does after 5 s

    first = date(2025, 4, 22)
    body = _answer(YEAR_INTERVALS, first)
    started = time.perf_counter()
    json.loads(body)
    json_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    result = datamine_result("bench", body)
    parse_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    series = series_from_result(result, Granularity.MIN15)
    series_ms = (time.perf_counter() - started) * 1000
    comparison = Series(series.start, series.end, series.ins * 0.9, series.outs * 0.9, series.validity)
    traffic = _store_traffic(series, comparison, first, 365)

    chart = TrafficChart()
    chart.resize(1100, 600)
    chart.show()
    app.processEvents()
    _paint(chart.plot.viewport())  # the empty chart's first paint (fonts, caches) is start-up, not this
    started = time.perf_counter()
    chart.show_result(traffic)
    chart.plot.viewport().repaint()
    first_ms = (time.perf_counter() - started) * 1000
    figures += [
        (
            "chart_year_first_render_ms",
            first_ms,
            f"ms ({2 * len(series):,} points; bare window paint {bare_ms:.1f} ms)",
        ),
        (
            "traffic_year_parse_ms",
            parse_ms,
            f"ms (client's parser, {len(body) / 1e6:.1f} MB; json.loads {json_ms:.0f} ms)",
        ),
        ("traffic_year_series_ms", series_ms, "ms (answer -> series, before the chart)"),
        ("chart_year_redraw_ms", _redraws(chart), f"ms median pan/zoom + paint (bare window paint {bare_ms:.1f} ms)"),
    ]

    n = 500_000
    start = np.arange(n, dtype=np.float64) * 900.0 + (datetime(2012, 1, 1) - datetime(1970, 1, 1)).total_seconds()
    rng = np.random.default_rng(3)
    ins = rng.poisson(20, n).astype(np.float64)
    big = Series(start, start + 900.0, ins, np.roll(ins, 1), np.zeros(n, dtype=np.int8))
    big_traffic = _store_traffic(big, None, date(2012, 1, 1), int(n / 96) + 1)
    started = time.perf_counter()
    chart.show_result(big_traffic)
    chart.plot.viewport().repaint()
    big_first = (time.perf_counter() - started) * 1000
    figures.append(
        (
            "chart_1m_redraw_ms",
            _redraws(chart),
            f"ms median pan/zoom + paint, 1,000,000 points (first render {big_first:.0f} ms)",
        )
    )
    chart.close()

    figures += _region(app)
    gc_guard.stop()
    print(json.dumps({"figures": figures}), flush=True)


def _region(app) -> list[tuple[str, float, str]]:
    import asyncio

    import httpx
    import qasync

    from storeops.api.client import RetailNextClient
    from storeops.services.stores import load_stores
    from storeops.services.traffic_query import RangePreset
    from storeops.settings import Settings
    from storeops.simulator.clock import Clock, parse_instant
    from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
    from storeops.ui.traffic.pane import create_pane

    out: list[tuple[str, float, str]] = []
    now = "2026-04-22T20:07:00Z"
    clock = Clock(parse_instant(now))
    # The simulator in a process of its own, as the cloud would be: its numpy work and
    # JSON writing must not share this process's GIL with the client's parsing.
    sim = subprocess.Popen(
        [
            *(sys.executable, "-m", "storeops.simulator", "--host", "127.0.0.1", "--port", "0", "--big"),
            *("--seed", "1", "--access-key", ACCESS, "--secret-key", SECRET, "--now", now),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sim.stdout is not None
    url = sim.stdout.readline().strip().rsplit(" ", 1)[1]
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def main() -> None:
        client = RetailNextClient(url, ACCESS, SECRET)
        ctx = PaneContext(
            client=client, stores=StoreSelection(), status=StatusReporter(), settings=Settings(), now=clock.now
        )
        ctx.stores.set_stores(await load_stores(client))
        pane = create_pane(ctx)
        pane.resize(1280, 800)
        pane.show()
        controller = pane.controller
        await controller.wait_loaded()
        await _settle(controller)
        places = await controller.service.places()
        region = next(r for r in places.regions if r.name.startswith("Outlet District") and len(r.stores) == 50)
        pane.choose(pane.range, RangePreset.LAST_12_MONTHS.value)
        pane.choose(pane.granularity, "day")
        pane.choose(pane.comparison, "previous")
        # The request bodies the load sends, kept for the baseline (the client is real).
        bodies: list[dict[str, Any]] = []
        send = client.datamine

        async def recording(request):
            bodies.append(request.to_body())
            return await send(request)

        client.datamine = recording  # type: ignore[method-assign]
        started = time.perf_counter()
        pane.choose(pane.scope, region.uuid)
        controller.reload()
        await _settle(controller)
        pane.region.table.viewport().repaint()
        pane.region.multiples.viewport().repaint()
        region_ms = (time.perf_counter() - started) * 1000
        rows = pane.region.table.rowCount()
        client.datamine = send  # type: ignore[method-assign]

        # The same query again from the session cache: the client's own share
        # (ranking, table, small multiples, paint).
        pane.choose(pane.scope, "__selected__")
        controller.reload()
        await _settle(controller)
        started = time.perf_counter()
        pane.choose(pane.scope, region.uuid)
        controller.reload()
        await _settle(controller)
        pane.region.table.viewport().repaint()
        pane.region.multiples.viewport().repaint()
        cached_ms = (time.perf_counter() - started) * 1000

        # Baseline: the same requests sent raw, side by side, decoded with json.loads.
        async with httpx.AsyncClient(auth=(ACCESS, SECRET), timeout=120) as http:
            started = time.perf_counter()

            async def raw(body: dict[str, Any]) -> None:
                answer = await http.post(f"{url}/v2/datamine", json=body)
                json.loads(answer.content)

            await asyncio.gather(*(raw(b) for b in bodies))
            raw_ms = (time.perf_counter() - started) * 1000
        out.append(
            (
                "traffic_region_50_stores_ms",
                region_ms,
                (
                    f"ms ({rows} stores ranked, one year by day, {len(bodies)} requests; the same requests raw "
                    f"+ json.loads {raw_ms:.0f} ms; from the session cache {cached_ms:.0f} ms)"
                ),
            )
        )
        pane.shutdown()
        await client.aclose()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
        sim.terminate()
        sim.wait(timeout=30)
        sim.stdout.close()
    return out


async def _settle(controller: Any) -> None:
    import asyncio

    while controller.loading:
        await asyncio.sleep(0.005)


if __name__ == "__main__" and sys.argv[1:] == ["child"]:
    _child()
