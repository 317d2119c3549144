"""Simulator figures: chain creation, a 10,000-node location answer, datamine, and
the last page of the big chain's 10,000 health alerts (offset 9,900)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from storeops.simulator.seed import build_world
from storeops.simulator.server import start_simulator

KEY, SECRET = "bench-key", "bench-secret"


def _best(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def run() -> Iterator[tuple[str, float, str]]:
    yield "sim_world_build_ms", _best(lambda: build_world(1)) * 1000, "ms"
    yield "sim_big_world_build_ms", _best(lambda: build_world(1, big=True), 3) * 1000, "ms"
    with (
        start_simulator(access_key=KEY, secret_key=SECRET, big=True) as sim,
        httpx.Client(base_url=sim.url, auth=(KEY, SECRET), timeout=30) as http,
    ):
        body = {"where": {"and": [{"node_types": ["location"]}]}}
        size = len(http.post("/v2/location", json=body).content)
        yield "sim_location_10k_answer_ms", _best(lambda: http.post("/v2/location", json=body)) * 1000, "ms"
        yield "sim_location_10k_answer_kb", size / 1024, "KiB"
        store = sim.world.stores()[0].uuid
        year = {
            "locations": [store],
            "metrics": ["traffic_in", "traffic_out", "total_occupancy"],
            "date_ranges": [
                {"from": {"relative": {"base": {"name": "today"}, "add_years": -1}}, "to": {"name": "today"}}
            ],
            "group_bys": [{"group": "date", "unit": "days", "value": 1}],
            "time_zone": "America/New_York",
        }
        yield "sim_datamine_store_year_daily_ms", _best(lambda: http.post("/v2/datamine", json=year)) * 1000, "ms"
        chain = {
            **year,
            "locations": [sim.world.organization_uuid],
            "date_ranges": [
                {"from": {"relative": {"base": {"name": "today"}, "add_days": -7}}, "to": {"name": "today"}}
            ],
        }
        yield "sim_datamine_10k_chain_week_ms", _best(lambda: http.post("/v2/datamine", json=chain), 2) * 1000, "ms"
        last_page = {"X-Page-Length": "100", "X-Page-Start": "9900"}
        assert len(http.post("/v1/healthalerts", headers=last_page).json()["result"]) == 100
        yield (
            "sim_healthalerts_last_page_ms",
            _best(lambda: http.post("/v1/healthalerts", headers=last_page), 20) * 1000,
            "ms",
        )
        yield "sim_request_roundtrip_ms", _best(lambda: http.get("/v1/inventory/appliances"), 20) * 1000, "ms"
