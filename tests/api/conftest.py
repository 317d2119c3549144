"""Fixtures for the client tests: a RetailNextClient on the simulator, with
short retry delays so retry tests take milliseconds, not seconds."""

from __future__ import annotations

import pytest

from storeops.api.client import RetailNextClient
from storeops.api.retry import RetryPolicy
from tests.conftest import ACCESS_KEY, SECRET_KEY

# `hostile`: a misbehaving HTTP server for the fault tests (tests/api/hostile_server.py).
from .hostile_server import hostile  # noqa: F401

FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, jitter=0.25, max_retry_after=2.0)


def make_client(running, **kw) -> RetailNextClient:
    kw.setdefault("retry", FAST_RETRY)
    return RetailNextClient(running.url, ACCESS_KEY, SECRET_KEY, **kw)


@pytest.fixture
async def client(sim):
    async with make_client(sim) as c:
        yield c


@pytest.fixture
async def fresh_client(fresh_sim):
    async with make_client(fresh_sim) as c:
        yield c


def sent(running, path: str) -> int:
    """Requests the simulator received for `path`."""
    with running.world.lock:
        return running.world.requests[path]
