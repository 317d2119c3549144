"""Concurrency limits, so the client never earns a 429 by itself.

The reference documents per-subscription limits on concurrent requests for some
families of calls (over them the server answers 429). On top of those, a global
cap keeps httpcore's pool from stalling the event loop: with ~200 requests in
flight the loop freezes for hundreds of milliseconds (PLATFORM-NOTES).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from enum import StrEnum


class Family(StrEnum):
    """Which documented limit a call counts against."""

    LOCATION = "location"  # v2/location query, create, update
    INVENTORY = "inventory"  # v1/inventory/cameras, channels, appliances
    PREDICTED_TRAFFIC = "predicted_traffic"
    POS = "pos"
    OTHER = "other"  # no documented limit: the global cap only


#: Documented limits per subscription ("Request Limits" sections of the reference).
FAMILY_LIMITS: Mapping[Family, int] = {
    Family.LOCATION: 2,
    Family.INVENTORY: 3,
    Family.PREDICTED_TRAFFIC: 3,
    Family.POS: 10,
}

#: Requests in flight at once, all families together.
MAX_IN_FLIGHT = 16


class RequestLimits:
    """Semaphores shared by every request of one client (or of several clients of
    the same subscription, if they are given the same instance)."""

    def __init__(self, max_in_flight: int = MAX_IN_FLIGHT, family_limits: Mapping[Family, int] = FAMILY_LIMITS) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self.family_limits = dict(family_limits)
        self._global = asyncio.Semaphore(max_in_flight)
        self._families = {f: asyncio.Semaphore(n) for f, n in self.family_limits.items()}

    @asynccontextmanager
    async def slot(self, family: Family) -> AsyncIterator[None]:
        # Family first: a request waiting for its family must not sit on a global
        # slot that an unrelated call could use meanwhile.
        family_sem = self._families.get(family)
        if family_sem is None:
            async with self._global:
                yield
            return
        async with family_sem, self._global:
            yield
