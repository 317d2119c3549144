"""Shared set-up for the Locations pane tests: a real client on a real simulator,
a pane context, the pane with its tree loaded."""

from __future__ import annotations

from dataclasses import dataclass

from storeops.api.client import RetailNextClient
from storeops.api.models import Location
from storeops.api.retry import RetryPolicy
from storeops.settings import Settings
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from storeops.ui.locations.pane import LocationsPane, create_pane
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import wait_until

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, jitter=0.25, max_retry_after=2.0)


@dataclass
class Env:
    pane: LocationsPane
    ctx: PaneContext
    client: RetailNextClient
    sim: object

    def node_named(self, name: str) -> Location:
        return next(n for n in self.pane.tree.nodes.values() if n.name == name)

    def sim_node(self, uuid: str):
        with self.sim.world.lock:  # type: ignore[attr-defined]
            return self.sim.world.nodes.get(uuid)  # type: ignore[attr-defined]

    def sent(self, prefix: str) -> int:
        """Requests the simulator received on paths starting with `prefix`."""
        world = self.sim.world  # type: ignore[attr-defined]
        with world.lock:
            return sum(count for path, count in world.requests.items() if path.startswith(prefix))


def make_env(qtbot, qloop, running) -> Env:
    client = RetailNextClient(running.url, ACCESS_KEY, SECRET_KEY, retry=FAST_RETRY)
    ctx = PaneContext(client=client, stores=StoreSelection(), status=StatusReporter(), settings=Settings())
    pane = create_pane(ctx)
    assert isinstance(pane, LocationsPane)
    qtbot.addWidget(pane)
    pane.resize(1100, 700)
    pane.show()
    qloop.run_until_complete(wait_until(pane.loaded.is_set))
    return Env(pane, ctx, client, running)


def close_env(qloop, env: Env) -> None:
    qloop.run_until_complete(env.client.aclose())
