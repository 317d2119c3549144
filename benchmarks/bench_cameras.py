"""Figures of the Cameras pane's service against the simulator (over real HTTP).

- cameras_inventory_ms: CamerasService.load over the demo chain (cameras, channels,
  appliances in 100-item pages, a month of health alerts, read side by side and
  joined into rows); cameras_inventory_bare_ms beside it: the same four first pages
  fetched with bare httpx and json() only, one after another as a script would.
- counting_check_ms: the counting check on that inventory (store hours, then one
  v2/datamine query per time zone), at an instant when most stores are open.
- inventory_pages_ratio_header_vs_body: walking every camera 5 at a time with
  206 + X-Page-Next ÷ with the body's next_page (same requests, same items): the
  two paging styles should cost the same (median of 28 interleaved pairs).
Medians of seven runs after a warm-up run otherwise.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import datetime

import httpx

from storeops.api.client import RetailNextClient
from storeops.services.cameras import CamerasService
from storeops.services.stores import load_stores
from storeops.simulator.clock import Clock
from storeops.simulator.server import start_simulator

KEY, SECRET = "bench-access", "bench-secret"
AT = datetime.fromisoformat("2026-04-22T20:07:00+00:00")  # a Wednesday afternoon in the US
RUNS = 7


async def _median_ms(action, runs: int = RUNS) -> float:
    await action()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await action()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


async def _figures(sim) -> dict[str, float]:
    async with RetailNextClient(sim.url, KEY, SECRET) as client, httpx.AsyncClient(auth=(KEY, SECRET)) as bare:
        service = CamerasService(client, now=sim.clock.now)
        stores = await load_stores(client)
        inventory = await service.load(stores)

        async def bare_pages():
            for path in ("/v1/inventory/cameras", "/v1/inventory/channels", "/v1/inventory/appliances"):
                (await bare.get(sim.url + path)).json()
            (await bare.post(sim.url + "/v1/healthalerts", json={})).json()

        async def walk(style: str) -> float:
            sim.ctx.inventory_paging = style
            try:
                t0 = time.perf_counter()
                [c async for c in client.cameras(page_length=5)]
                return time.perf_counter() - t0
            finally:
                sim.ctx.inventory_paging = "auto"

        # Interleaved: the machine's load drifts, and affects both styles alike then.
        await walk("auto")
        await walk("body")
        ratios = [await walk("auto") / await walk("body") for _ in range(4 * RUNS)]

        return {
            "inventory": await _median_ms(lambda: service.load(stores)),
            "bare": await _median_ms(bare_pages),
            "check": await _median_ms(lambda: service.check_counting(inventory, stores)),
            "ratio": statistics.median(ratios),
        }


def run():
    with start_simulator(access_key=KEY, secret_key=SECRET, seed=1, clock=Clock(AT, speed=0)) as sim:
        figures = asyncio.run(_figures(sim))
    yield "cameras_inventory_ms", figures["inventory"], "ms (65 cameras, 56 channels, 14 appliances, alerts)"
    yield "cameras_inventory_bare_ms", figures["bare"], "ms (baseline: the 4 first pages, bare httpx + json)"
    yield "counting_check_ms", figures["check"], "ms (store hours + one datamine query per time zone)"
    yield "inventory_pages_ratio_header_vs_body", figures["ratio"], "x (13 pages of 5 cameras; goal ~1)"
