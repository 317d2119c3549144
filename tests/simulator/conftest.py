"""Simulators with a frozen clock (so "open now" and "today" are known) and plain
httpx clients: these tests check the server itself, not the app's client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import pytest

from storeops.simulator.clock import Clock
from storeops.simulator.server import RunningSimulator, start_simulator
from storeops.simulator.world import Node, World
from tests.conftest import ACCESS_KEY, SECRET_KEY

# Wednesday 18 March 2026, 13:07 in Los Angeles (PDT), 16:07 in New York,
# 20:07 in London: US stores are open, the London ones just closed. Fixed, not
# TEST_NOW: these tests assert what is open at this very instant.
WEDNESDAY_AFTERNOON = datetime(2026, 3, 18, 20, 7, tzinfo=UTC)


@contextmanager
def frozen_simulator(at: datetime = WEDNESDAY_AFTERNOON, **kw) -> Iterator[RunningSimulator]:
    clock = Clock(at, speed=0)
    running = start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=kw.pop("seed", 7), clock=clock, **kw)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def frozen_sim() -> Iterator[RunningSimulator]:
    """Shared by a module's read-only tests."""
    with frozen_simulator() as running:
        yield running


@pytest.fixture
def own_sim() -> Iterator[RunningSimulator]:
    """A simulator of the test's own, for tests that change the chain."""
    with frozen_simulator() as running:
        yield running


@pytest.fixture
def http(frozen_sim) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as client:
        yield client


@pytest.fixture
def own_http(own_sim) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as client:
        yield client


def store_named(world: World, name: str) -> Node:
    return next(s for s in world.stores() if s.name == name)


def form_post(client: httpx.Client, path: str, body: str) -> httpx.Response:
    """What `curl -d @request.json` sends: the JSON with a form content type."""
    return client.post(path, content=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
