"""A request on a client the app has closed (a pane's poll in flight while the app
reconnects) ends in a typed error, at once, without retries: found by the chaos
session (tests/chaos), where httpx's bare RuntimeError escaped an Occupancy pane task."""

from __future__ import annotations

import time

import pytest

from storeops.api.client import RetailNextClient
from storeops.api.errors import ConnectionFailed
from storeops.api.retry import RetryPolicy
from tests.conftest import ACCESS_KEY, SECRET_KEY


async def test_calls_on_a_closed_client_are_typed_errors_without_retries(sim) -> None:
    client = RetailNextClient(sim.url, ACCESS_KEY, SECRET_KEY, retry=RetryPolicy(max_attempts=4, base_delay=1.0))
    await client.query_locations()
    await client.aclose()
    started = time.monotonic()
    with pytest.raises(ConnectionFailed, match="connection was closed"):
        await client.query_locations()  # safe: would be retried after 1 s, 2 s, ...
    with pytest.raises(ConnectionFailed):
        await client.adjust_occupancy("5f1c2a9e-0000-4000-8000-000000000001", 1)
    with pytest.raises(ConnectionFailed):
        [c async for c in client.cameras()]
    assert time.monotonic() - started < 1.0
