"""Set-up for the Occupancy pane and kiosk tests: the service tests' simulator helpers,
plus the context a pane is built with."""

from __future__ import annotations

from storeops.settings import Settings
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from tests.services.occupancy_env import (  # noqa: F401  (re-exported for the GUI tests)
    CHICAGO,
    FAST_RETRY,
    LIMITED_STORE,
    NO_LIMIT_STORE,
    SMALL_STORE,
    WEDNESDAY,
    a_wednesday,
    chicago,
    make_client,
    occupancy_now,
    put_closed,
    put_open,
    sent,
    store,
)


def make_ctx(client) -> PaneContext:
    return PaneContext(client=client, stores=StoreSelection(), status=StatusReporter(), settings=Settings())
