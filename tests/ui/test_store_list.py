"""One owner of the store list: a rename or a limit change saved in the Locations pane
shows at once in the store selector and on the Occupancy card, with no reload."""

from __future__ import annotations

import pytest

from storeops.ui.sidebar import PANES
from tests.helpers import wait_until
from tests.ui.shell_env import profile_settings

pytestmark = pytest.mark.gui


def test_a_store_edited_in_locations_changes_everywhere(run_app, fresh_sim, memory_keyring):
    fresh_sim.clock.freeze(fresh_sim.clock.now())  # a fixed moment: the cards' data stays put

    async def body(app):
        w = app.window
        store = next(s for s in app.selection.stores() if s.name == "Chicago Loop")
        app.selection.set_current(store.uuid)
        w.sidebar.setCurrentRow([p.key for p in PANES].index("occupancy"))
        occupancy = w.panes.pane("occupancy")
        await wait_until(lambda: store.uuid in occupancy.cards and occupancy.controller.polls >= 1)
        w.sidebar.setCurrentRow([p.key for p in PANES].index("locations"))
        locations = w.panes.pane("locations")
        await wait_until(locations.loaded.is_set)
        locations.select(store.uuid)
        form = locations.form
        form.name_edit.setText("Chicago Loop Flagship")
        form.occupancy_edit.setText("95")
        loads = sum(n for p, n in fresh_sim.world.requests.items() if p.startswith("/v2/location"))
        form.save_button.click()
        await wait_until(lambda: form.state_label.text() == "Saved")
        # The selector, the shared list and the card follow, without reading the stores again.
        assert w.store_selector.currentText().startswith("Chicago Loop Flagship")
        assert next(s for s in app.selection.stores() if s.uuid == store.uuid).occupancy_limit == 95
        card = occupancy.cards[store.uuid]
        await wait_until(lambda: card.limit_label.text() == "of 95")
        assert "Chicago Loop Flagship" in card.name_label.toolTip() + card.name_label.text()
        after = sum(n for p, n in fresh_sim.world.requests.items() if p.startswith("/v2/location"))
        assert after - loads == 1  # the PUT only
        assert next(s for s in app.selection.stores() if s.uuid == store.uuid).time_zone == "America/Chicago"

    run_app(profile_settings(fresh_sim.url), body)
