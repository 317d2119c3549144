"""Shared set-up for the Occupancy service tests (and, through tests/ui/occupancy_env.py,
the pane and kiosk tests): a real client on a real simulator, the simulator's clock
put where stores are open or closed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storeops.api.client import RetailNextClient
from storeops.api.retry import RetryPolicy
from tests.conftest import ACCESS_KEY, SECRET_KEY

FAST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05, jitter=0.25, max_retry_after=1.0)

CHICAGO = ZoneInfo("America/Chicago")
LIMITED_STORE = "Chicago Loop"  # limit 80, open 10:00-21:00 on weekdays
SMALL_STORE = "Willow Glen"  # limit 15
NO_LIMIT_STORE = "Austin Domain"  # no occupancy limit


def make_client(running, *, timeout: float | None = None, retry: RetryPolicy | None = FAST_RETRY) -> RetailNextClient:
    return RetailNextClient(running.url, ACCESS_KEY, SECRET_KEY, retry=retry, timeout=timeout)


# An ordinary Wednesday (no holiday on it or the next day), fixed: the simulator's
# traffic depends on the date, so the levels these tests assert hold only for it.
# Scenarios that must hold at any instant live in tests/services/test_any_instant.py.
WEDNESDAY = date(2026, 4, 22)


def a_wednesday() -> date:
    return WEDNESDAY


def chicago(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(a_wednesday(), time(hour, minute), tzinfo=CHICAGO)


def put_open(running) -> None:
    """15:00 in Chicago on a Wednesday: 13:00 on the west coast, 16:00 in New York, 21:00 in London."""
    running.clock.freeze(chicago(15))


def put_closed(running) -> None:
    """07:00 in Chicago: Chicago Loop opens at 10:00."""
    running.clock.freeze(chicago(7))


def store(running, name: str):
    with running.world.lock:
        return next(s for s in running.world.stores() if s.name == name)


def sent(running, prefix: str) -> int:
    world = running.world
    with world.lock:
        return sum(count for path, count in world.requests.items() if path.startswith(prefix))


async def occupancy_now(client, uuid: str, tz: str) -> int:
    """What the server says, read independently of the code under test."""
    from storeops.api.datamine import current_occupancy_request

    result = await client.datamine(current_occupancy_request([uuid], tz))
    values = [p.value for p in result.metric("total_occupancy").data]
    return int(values[0]) if values else 0


def expected_open(world, store, instant: datetime) -> bool:
    """Open by the simulator's own hours: the store day that opened today or yesterday
    (an overnight store's) covers the store-local wall time."""
    local = instant.astimezone(ZoneInfo(store.time_zone)).replace(tzinfo=None)
    for day in (local.date() - timedelta(days=1), local.date()):
        hours = world.hours_on(store, day)
        if hours is None:
            continue
        midnight = datetime.combine(day, datetime.min.time())
        if midnight + timedelta(minutes=hours[0]) <= local < midnight + timedelta(minutes=hours[1]):
            return True
    return False
