"""The cards' "Updated" time is the store's own wall-clock time, read from the pane's
clock (ctx.now / the simulator's), as every other time in the Occupancy pane — not the
time of the machine StoreOps runs on. Before the fix a manager in another zone saw their
own clock's hour on every card."""

from __future__ import annotations

import re
import time

import pytest

from storeops.ui.occupancy.pane import OccupancyPane, create_pane
from tests.helpers import wait_until
from tests.ui.occupancy_env import LIMITED_STORE, SMALL_STORE, chicago, make_client, make_ctx, store

pytestmark = pytest.mark.gui


@pytest.fixture
def machine_in_kolkata(monkeypatch):
    """The machine's own zone (+05:30) is none of the chain's: its hour shows on no card by chance."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_updated_is_the_stores_local_time_at_a_pinned_instant(qtbot, qloop, fresh_sim, machine_in_kolkata):
    fresh_sim.clock.freeze(chicago(15, 4))  # 20:04 UTC; 01:34 the next day in Kolkata
    client = make_client(fresh_sim)
    pane = create_pane(make_ctx(client), now=fresh_sim.clock.now, interval=0.3)
    assert isinstance(pane, OccupancyPane)
    qtbot.addWidget(pane)
    pane.resize(1200, 800)
    pane.show()
    try:
        qloop.run_until_complete(wait_until(lambda: pane.controller.polls >= 1 and len(pane.cards) == 14))
        loop_card = pane.cards[store(fresh_sim, LIMITED_STORE).uuid]  # America/Chicago
        west_card = pane.cards[store(fresh_sim, SMALL_STORE).uuid]  # America/Los_Angeles
        qloop.run_until_complete(wait_until(lambda: loop_card.updated_label.text().startswith("Updated ")))
        assert loop_card.updated_label.text() == "Updated 15:04:00 CDT"
        assert west_card.updated_label.text() == "Updated 13:04:00 PDT"
        # The pane's summary spans stores in several zones: it names the zone of its time.
        summary = pane.summary.text()
        assert "01:34" not in summary
        assert re.search(r"updated (15:04:00 CDT|13:04:00 PDT|16:04:00 EDT|21:04:00 BST)\b", summary), summary
    finally:
        pane.controller.stop()
        qloop.run_until_complete(pane.controller.wait_stopped())
        qloop.run_until_complete(client.aclose())
