"""The simulator as a background thread and as `python -m storeops.simulator`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from storeops.simulator.server import start_simulator
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import simulator_process

REPO = Path(__file__).resolve().parents[2]


def test_start_stop_quickly_and_frees_the_port():
    running = start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    assert running.url.startswith("http://127.0.0.1:") and not running.url.endswith("/")
    with httpx.Client(base_url=running.url, auth=(ACCESS_KEY, SECRET_KEY)) as c:
        assert c.get("/v1/inventory/appliances").status_code == 200  # keep-alive connection stays open
        started = time.perf_counter()
        running.stop()
        assert time.perf_counter() - started < 1.0
        assert not running.running
        with pytest.raises(httpx.TransportError):
            c.get("/v1/inventory/appliances")


def test_context_manager_and_given_port():
    with start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=3) as first:
        port = first.port
        assert first.world.seed == 3 and first.data_dir.is_dir()
    assert not first.data_dir.exists()
    with start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, port=port) as again:
        assert again.port == port


def test_command_line_serves_and_stops_on_sigterm():
    with simulator_process("--seed", "5", access_key="KEY", secret_key="SECRET") as (url, proc):
        # What `curl -d @request.json` sends: the JSON with a form content type.
        body = '{ "extra_fields": [ "store.store_id" ], "where": { "and": [ { "location_types": [ "store" ] } ] } }'
        response = httpx.post(
            url + "/v2/location",
            content=body,
            auth=("KEY", "SECRET"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200 and response.json()["nodes"][0][0]["store_id"]
        assert httpx.post(url + "/v2/location", content=body).status_code == 401
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0


def test_command_line_stops_on_sigint_and_requires_keys():
    with simulator_process("--alert-cursor", "uuid") as (url, proc):
        alerts = httpx.post(url + "/v1/healthalerts", auth=("K", "S"), headers={"X-Page-Length": "2"})
        cursor = alerts.headers["x-page-next"]
        assert alerts.status_code == 206 and len(cursor) == 36 and cursor.count("-") == 4  # --alert-cursor uuid
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0
    missing = subprocess.run(
        [sys.executable, "-m", "storeops.simulator", "--port", "0"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert missing.returncode == 2 and "--access-key" in missing.stderr
