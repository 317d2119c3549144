"""Random faults by rate: the spec parser, rates honoured over a seeded run, each
kind's effect on a plain HTTP client, the counters, and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from storeops.simulator.fault_spec import FaultSpec, parse_fault_spec
from storeops.simulator.server import start_simulator
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import simulator_process
from tests.simulator.conftest import frozen_simulator

REPO = Path(__file__).resolve().parents[2]
CHEAP = "/v1/inventory/appliances"  # a small answer, no concurrency limit


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", FaultSpec()),
        ("none", FaultSpec()),
        ("5xx=0.1", FaultSpec(server_error=0.1)),
        (
            "5xx=0.1,429=0.05,reset=0.02,malformed=0.01,latency=0-3s,stall=0.05,drip=0.01",
            FaultSpec(0.1, 0.05, 0.02, 0.01, 0.05, 0.01, (0.0, 3.0)),
        ),
        (" 429 = 1 , latency = 2s ", FaultSpec(rate_limit=1.0, latency=(2.0, 2.0))),
        ("latency=100-500ms", FaultSpec(latency=(0.1, 0.5))),
        ("latency=200ms-1s", FaultSpec(latency=(0.2, 1.0))),
        ("RESET=0,Drip=1", FaultSpec(drip=1.0)),
        ("5xx=0.5,429=0.5", FaultSpec(server_error=0.5, rate_limit=0.5)),
    ],
)
def test_good_specs(text, expected):
    spec = parse_fault_spec(text)
    assert spec == expected
    assert parse_fault_spec(str(spec)) == spec  # str() spells it back


@pytest.mark.parametrize(
    "text, message",
    [
        ("explode=0.1", "unknown fault kind 'explode'"),
        ("5xx=0.1,timeout=0.2", "'timeout=0.2': unknown fault kind"),
        ("5xx=1.5", "'5xx=1.5': rate 1.5 is outside 0..1"),
        ("429=-0.1", "outside 0..1"),
        ("drip=nan", "outside 0..1"),
        ("reset=often", "'reset=often': rate 'often' is not a number"),
        ("5xx", "'5xx': expected kind=value"),
        ("stall=", "'stall=': expected kind=value"),
        ("5xx=0.1,,429=0.1", "empty part"),
        ("5xx=0.1,5xx=0.2", "given twice"),
        ("5xx=0.6,429=0.5", "add up to 1.1, over 1"),
        ("latency=3-1s", "'latency=3-1s': bad latency range"),
        ("latency=fast", "bad latency range 'fast'"),
        ("latency=0-100s", "at most 60s"),
        ("latency=1-2h", "bad latency range"),
    ],
)
def test_bad_specs_name_the_bad_part(text, message):
    with pytest.raises(ValueError) as refused:
        parse_fault_spec(text)
    assert message in str(refused.value)


def test_spec_is_frozen_and_checks_itself():
    spec = FaultSpec(server_error=0.2)
    with pytest.raises(AttributeError):
        spec.server_error = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        FaultSpec(reset=2.0)


def test_rate_one_always_fails_and_zero_never(own_sim, own_http):
    own_sim.faults.set_random("5xx=1")
    answers = [own_http.get(CHEAP) for _ in range(20)]
    assert {a.status_code for a in answers} <= {500, 502, 503}
    assert all(a.json()["error"] == "injected_fault" for a in answers)
    assert own_sim.faults.injected == {"5xx": 20} and own_sim.faults.drawn == 20
    own_sim.faults.set_random("5xx=0,429=0")
    assert {own_http.get(CHEAP).status_code for _ in range(20)} == {200}
    assert not own_sim.faults.injected
    own_sim.faults.set_random(None)
    assert own_http.get(CHEAP).status_code == 200 and own_sim.faults.drawn == 0


def test_a_rate_is_honoured_and_a_seed_repeats_the_run(own_sim, own_http):
    def run() -> list[int]:
        own_sim.faults.set_random("5xx=0.3")
        return [own_http.get(CHEAP).status_code for _ in range(200)]

    first = run()
    failed = sum(code >= 500 for code in first)
    assert 30 <= failed <= 90  # 60 expected; a wide band
    assert own_sim.faults.injected["5xx"] == failed and own_sim.faults.drawn == 200
    assert {500, 502, 503} <= set(first)  # all three server errors come up
    assert run() == first  # the simulator's seed again: the same run
    own_sim.faults.set_random("5xx=0.3", seed=own_sim.faults.seed + 1)
    assert [own_http.get(CHEAP).status_code for _ in range(200)] != first


def test_rate_limit_carries_retry_after(own_sim, own_http):
    own_sim.faults.set_random("429=1")
    limited = own_http.get(CHEAP)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    assert limited.json()["error"] == "injected_fault"


def test_reset_drops_the_connection_and_the_server_keeps_serving(own_sim, own_http):
    own_sim.faults.set_random("reset=1")
    with pytest.raises(httpx.TransportError):
        own_http.get(CHEAP)
    own_sim.faults.set_random(None)
    assert own_http.get(CHEAP).status_code == 200


def test_malformed_body(own_sim, own_http):
    own_sim.faults.set_random("malformed=1")
    answer = own_http.get(CHEAP)
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert own_sim.faults.injected == {"malformed": 1}


def _a_download(http: httpx.Client) -> str:
    files = http.get("/v1/downloads/list", params={"prefix": "custom_exports"}).json()["files"]
    return files[0]


def test_stall_ends_a_download_short_of_its_length(own_sim, own_http):
    name = _a_download(own_http)
    whole = own_http.get("/v1/downloads/download", params={"file": name}).content
    own_sim.faults.set_random("stall=1")
    received = 0
    length = None
    # The error comes while reading the body, after the status and headers came whole.
    with (
        pytest.raises(httpx.RemoteProtocolError),
        own_http.stream("GET", "/v1/downloads/download", params={"file": name}) as answer,
    ):
        length = int(answer.headers["content-length"])
        for chunk in answer.iter_raw():
            received += len(chunk)
    assert answer.status_code == 200 and length == len(whole)
    assert 0 < received < len(whole)
    assert own_sim.faults.injected == {"stall": 1}
    own_sim.faults.set_random(None)
    assert own_http.get(CHEAP).status_code == 200


def test_drip_sends_small_pieces_and_still_completes(own_sim, own_http):
    whole = own_http.get("/v1/inventory/channels").content
    own_sim.faults.set_random("drip=1")
    with own_http.stream("GET", "/v1/inventory/channels") as answer:
        chunks = list(answer.iter_raw())
    assert answer.status_code == 200 and b"".join(chunks) == whole
    assert len(chunks) > 1
    assert own_sim.faults.injected == {"drip": 1}


def test_latency_is_added_and_counted(own_sim, own_http):
    own_sim.faults.set_random("latency=200-200ms")
    started = time.perf_counter()
    assert own_http.get(CHEAP).status_code == 200
    assert time.perf_counter() - started >= 0.2
    assert own_sim.faults.injected == {"latency": 1}


def test_hls_gets_no_random_faults(own_sim, own_http):
    own_sim.faults.set_random("5xx=1")
    answer = own_http.get("/v1/hls/no-such-channel/live.m3u8")
    assert answer.status_code < 500
    assert own_sim.faults.drawn == 0


def test_a_scripted_fault_wins_over_a_random_one(own_sim, own_http):
    own_sim.faults.set_random("429=1")
    own_sim.faults.add(CHEAP, "status", status=418)
    assert [own_http.get(CHEAP).status_code for _ in range(2)] == [418, 429]
    assert own_sim.faults.fired == {"status": 1} and own_sim.faults.injected == {"429": 1}


def test_start_simulator_takes_a_spec_and_refuses_a_bad_one():
    with frozen_simulator(faults="5xx=1") as running:
        with httpx.Client(base_url=running.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as http:
            assert http.get(CHEAP).status_code >= 500
        assert running.faults.spec == FaultSpec(server_error=1.0)
    with pytest.raises(ValueError, match="unknown fault kind"):
        start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, faults="boom=1")


def _simulator_command(*flags: str) -> list[str]:
    return [sys.executable, "-m", "storeops.simulator", "--port", "0", "--access-key", "K", "--secret-key", "S", *flags]


def test_command_line_refuses_a_bad_spec_as_a_usage_error():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        _simulator_command("--faults", "5xx=2"), cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "argument --faults: '5xx=2': rate 2 is outside 0..1" in done.stderr


def test_command_line_injects_the_faults():
    with simulator_process("--faults", "429=1", "--now", "2026-03-18T20:07:00Z", "--speed", "0") as (url, _proc):
        assert httpx.get(url + CHEAP, auth=("K", "S"), timeout=10).status_code == 429


async def test_the_demo_connection_starts_its_simulator_with_the_faults():
    """`storeops --demo --demo-faults SPEC` reaches the demo simulator through the
    connection manager (App and the kiosk hand it over as they are given it)."""
    from storeops.services.connection import ConnectionManager
    from storeops.services.jobs import JobService
    from storeops.settings import Settings
    from tests.conftest import TEST_NOW, pinned_clock

    spec = parse_fault_spec("latency=0-1ms")  # on, but harmless to reading the stores

    class NoSecrets:
        def get(self, profile_id: str) -> str | None:
            return None

    manager = ConnectionManager(
        Settings(), NoSecrets(), JobService(), demo_clock=pinned_clock(TEST_NOW), demo_faults=spec
    )
    try:
        await manager.open()
        assert manager.simulator is not None
        assert manager.simulator.faults.spec == spec and manager.simulator.faults.drawn > 0
    finally:
        await manager.close(final=True)
