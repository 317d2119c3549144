"""Figures of the RetailNext client against the simulator (over real HTTP).

- client_overhead_ratio: time per call through RetailNextClient ÷ a bare httpx
  request (+ response.json()) to the same endpoint (POST v1/storehours, one store,
  one day). Goal ≤ 1.3.
- location_10k_parse_ms: parsing a 10,000-node v2/location answer into models the
  way the client does for big answers (decoded and validated ~100 nodes at a
  time, see storeops/api/parsing.py). Goal ≤ 60 ms. location_10k_parse_onecall_ms: the same
  with one TypeAdapter.validate_json call, for comparison.
- location_10k_query_ms / location_10k_loop_stall_ms: the whole query through the
  client, and the longest the event loop went without running meanwhile. The big
  simulator runs in its own process here so its JSON encoding does not compete
  for this process's GIL.
- pages_10k_items_s: items per second paging through the big chain's 10,000 health
  alerts at the page limit (100 pages of 100, integer X-Page-Next offsets, the
  default); pages_10k_uuid_items_s: the same with UUID cursors (the simulator
  started with --alert-cursor uuid). Median of three walks after a warm-up walk.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

import httpx

from storeops.api import parsing
from storeops.api.client import _LOCATIONS, RetailNextClient
from storeops.api.models import LocationQuery
from storeops.simulator.server import start_simulator

KEY, SECRET = "bench-access", "bench-secret"
TARGET_ITEMS = 10_000


async def _overhead(sim) -> float:
    store = next(s for s in sim.world.stores() if s.archive_date is None)
    day = sim.clock.now().date() - timedelta(days=7)
    body = {"stores": [store.uuid], "start_date": f"{day}T00:00:00Z", "end_date": f"{day}T00:00:00Z"}
    async with httpx.AsyncClient() as bare, RetailNextClient(sim.url, KEY, SECRET) as client:

        async def bare_call():
            response = await bare.post(
                sim.url + "/v1/storehours", json=body, auth=(KEY, SECRET), headers={"Accept": "application/json"}
            )
            response.raise_for_status()
            return response.json()

        async def client_call():
            return await client.store_hours([store.uuid], day, day)

        for _ in range(30):  # warm both pools and code paths
            await bare_call()
            await client_call()
        ratios = []
        for _ in range(12):  # interleaved blocks: drift affects both sides alike
            t0 = time.perf_counter()
            for _ in range(25):
                await bare_call()
            t1 = time.perf_counter()
            for _ in range(25):
                await client_call()
            t2 = time.perf_counter()
            ratios.append((t2 - t1) / (t1 - t0))
        return statistics.median(ratios)


async def _location_query(sim) -> tuple[float, float, float, float]:
    async with httpx.AsyncClient() as bare:
        response = await bare.post(
            sim.url + "/v2/location", auth=(KEY, SECRET), json={"where": {"and": [{"node_types": ["location"]}]}}
        )
        response.raise_for_status()
        content = response.content

    def timed(parse) -> float:
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            nodes = parse()
            times.append(time.perf_counter() - t0)
            assert len(nodes) == TARGET_ITEMS
        return statistics.median(times) * 1000

    parse_ms = timed(lambda: parsing.location_nodes("bench", content))
    onecall_ms = timed(lambda: _LOCATIONS.validate_json(content).flat())

    async with RetailNextClient(sim.url, KEY, SECRET) as client:
        query = LocationQuery(node_types=["location"])
        await client.query_locations(query)
        stalls, totals = [], []
        for _ in range(5):
            stop = asyncio.Event()
            tick = asyncio.create_task(_longest_stall(stop))
            await asyncio.sleep(0.01)
            t0 = time.perf_counter()
            await client.query_locations(query)
            totals.append(time.perf_counter() - t0)
            stop.set()
            stalls.append(await tick)
    return parse_ms, onecall_ms, statistics.median(totals) * 1000, statistics.median(stalls) * 1000


async def _longest_stall(stop: asyncio.Event) -> float:
    """The longest gap between 2 ms ticks until `stop` is set: how long the loop was held."""
    worst, last = 0.0, time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.002)
        now = time.perf_counter()
        worst = max(worst, now - last)
        last = now
    return worst


@contextmanager
def _simulator_process(*args: str):
    """The simulator CLI in a child process; yields its URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "storeops.simulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--access-key",
            KEY,
            "--secret-key",
            SECRET,
            *args,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None  # stdout=PIPE
    try:
        line = proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"simulator did not start: {line!r}")
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _Remote:
    def __init__(self, url: str) -> None:
        self.url = url


async def _paging(sim) -> float:
    async with RetailNextClient(sim.url, KEY, SECRET) as client:

        async def walk() -> float:
            t0 = time.perf_counter()
            count = 0
            async for _ in client.health_alerts(page_length=100):
                count += 1
            elapsed = time.perf_counter() - t0
            if count != TARGET_ITEMS:  # a figure over fewer items would mislead
                raise RuntimeError(f"the big chain lists {count} health alerts, not {TARGET_ITEMS}")
            return count / elapsed

        await walk()  # warm the pool and both sides' code paths
        return statistics.median([await walk() for _ in range(3)])


def run():
    with start_simulator(access_key=KEY, secret_key=SECRET, seed=1) as sim:
        yield "client_overhead_ratio", asyncio.run(_overhead(sim)), "x (goal <= 1.3)"
    with _simulator_process("--seed", "1", "--big") as url:
        big = _Remote(url)
        parse_ms, onecall_ms, query_ms, stall_ms = asyncio.run(_location_query(big))
        yield "location_10k_parse_ms", parse_ms, "ms (goal <= 60)"
        yield "location_10k_parse_onecall_ms", onecall_ms, "ms"
        yield "location_10k_query_ms", query_ms, "ms"
        yield "location_10k_loop_stall_ms", stall_ms, "ms"
        yield "pages_10k_items_s", asyncio.run(_paging(big)), "items/s (10,000 alerts, 100 pages, offsets)"
    with _simulator_process("--seed", "1", "--big", "--alert-cursor", "uuid") as url:
        rate = asyncio.run(_paging(_Remote(url)))
        yield "pages_10k_uuid_items_s", rate, "items/s (10,000 alerts, 100 pages, UUID cursors)"
