"""Small test helpers shared by the GUI tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.02):
    """Await until predicate() is truthy, letting the event loop (and Qt under qasync) run.

    Returns the predicate's value; raises AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)
