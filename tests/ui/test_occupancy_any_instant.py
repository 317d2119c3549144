"""The Occupancy pane's cards at fixed instants around the year (times of day, DST
changes, the days before holidays): each card's level is what the simulator's own
world and answers say at that instant, whatever day the suite runs."""

from __future__ import annotations

import pytest

from storeops.simulator.clock import Clock, parse_instant
from storeops.simulator.server import start_simulator
from storeops.ui.occupancy.pane import create_pane
from storeops.ui.occupancy.state import Level, level_for
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import not_none, wait_until
from tests.services.occupancy_env import expected_open, make_client, occupancy_now
from tests.services.test_any_instant import INSTANTS
from tests.ui.occupancy_env import make_ctx

pytestmark = pytest.mark.gui

# The GUI costs more per instant than the service: one per kind of moment.
PANE_INSTANTS = [
    "2026-04-22T03:00:00Z",
    "2026-04-22T13:30:00Z",
    "2026-04-22T18:47:00Z",
    "2026-03-08T08:03:00Z",
    "2026-11-01T07:30:00Z",
    "2026-10-25T01:30:00Z",
    "2026-12-24T18:47:00Z",
    "2026-12-31T23:58:00Z",
]
assert set(PANE_INSTANTS) <= set(INSTANTS)


@pytest.mark.parametrize("instant", PANE_INSTANTS)
def test_every_card_shows_the_level_of_its_store_at_that_instant(instant, qtbot, qloop):
    at = parse_instant(instant)
    running = start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=7, clock=Clock(at, speed=0))
    client = make_client(running)
    pane = create_pane(make_ctx(client), now=running.clock.now, interval=0.3)
    qtbot.addWidget(pane)
    pane.resize(1200, 800)
    pane.show()

    async def scenario():
        await wait_until(lambda: pane.controller.polls >= 1 and len(pane.cards) == 14)
        stores = {s.uuid: s for s in running.world.stores() if s.archive_date is None}
        for uuid, node in stores.items():
            card = pane.cards[uuid]
            if not expected_open(running.world, node, at):
                assert card.level is Level.CLOSED, (node.name, instant)
                continue
            read = await occupancy_now(client, uuid, not_none(node.time_zone))
            assert card.count_label.text() == str(read), node.name
            assert card.level is level_for(read, node.occupancy_limit), (node.name, instant)
        pane.controller.stop()
        await wait_until(lambda: not pane.controller.running)
        await client.aclose()

    try:
        qloop.run_until_complete(scenario())
    finally:
        running.stop()
