"""The Occupancy pane against the real simulator: cards, colours, sorting,
manual adjust (sent once), refusals, the timeout path and the stale state."""

from __future__ import annotations

import asyncio
import json

import pytest
from PySide6.QtCore import Qt

from storeops.api.retry import RetryPolicy
from storeops.config import app_dirs
from storeops.services.audit import AUDIT_FILE
from storeops.ui.occupancy.pane import OccupancyPane, create_pane
from storeops.ui.occupancy.state import PALETTES, Level, percent
from tests.helpers import wait_until
from tests.ui.occupancy_env import (
    LIMITED_STORE,
    NO_LIMIT_STORE,
    SMALL_STORE,
    chicago,
    make_client,
    make_ctx,
    occupancy_now,
    put_closed,
    put_open,
    sent,
    store,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def open_pane(qtbot, qloop, fresh_sim):
    made = []

    def make(*, client=None, now=None, settings=None, interval=0.3) -> OccupancyPane:
        client = client or make_client(fresh_sim)
        ctx = make_ctx(client)
        if settings is not None:
            ctx.settings = settings
        pane = create_pane(ctx, now=now or fresh_sim.clock.now, interval=interval)
        assert isinstance(pane, OccupancyPane)
        qtbot.addWidget(pane)
        pane.resize(1200, 800)
        pane.show()
        made.append((pane, client))
        qloop.run_until_complete(wait_until(lambda: pane.controller.polls >= 1 and len(pane.cards) == 14))
        return pane

    yield make
    for pane, client in made:
        pane.controller.stop()
        qloop.run_until_complete(pane.controller.wait_stopped())
        qloop.run_until_complete(client.aclose())


def card_of(pane, running, name):
    return pane.cards[store(running, name).uuid]


def test_a_card_per_store_sorted_by_fullness_with_state_colours(open_pane, fresh_sim, qloop):
    put_open(fresh_sim)
    pane = open_pane()
    snaps = {u: pane.controller.service.snapshot(u) for u in pane.cards}
    open_order = [u for u in pane.order() if snaps[u].hours.open and snaps[u].store.limit]
    fullness = [p for u in open_order if (p := percent(snaps[u].occupancy, snaps[u].store.limit)) is not None]
    assert fullness == sorted(fullness, reverse=True) and len(open_order) >= 8
    # closed stores come last
    assert all(snaps[u].hours.open is False for u in pane.order()[-2:])

    loop_store = store(fresh_sim, LIMITED_STORE)
    card = pane.cards[loop_store.uuid]
    expected = qloop.run_until_complete(
        occupancy_now(pane.controller.service.client, loop_store.uuid, loop_store.time_zone)
    )
    assert card.count_label.text() == str(expected)
    assert card.limit_label.text() == "of 80"
    assert card.percent_label.text() == f"{100 * expected / 80:.0f} %"
    assert card.traffic_label.text().startswith("Today: in ")
    assert card.updated_label.text().startswith("Updated ")
    assert len(card.sparkline.values()) >= 2

    levels = {
        name: card_of(pane, fresh_sim, name).level
        for name in (SMALL_STORE, "Portland Pearl", LIMITED_STORE, NO_LIMIT_STORE, "London Covent Garden")
    }
    assert levels == {
        SMALL_STORE: Level.RED,
        "Portland Pearl": Level.AMBER,
        LIMITED_STORE: Level.GREEN,
        NO_LIMIT_STORE: Level.NO_LIMIT,
        "London Covent Garden": Level.CLOSED,
    }
    red = card_of(pane, fresh_sim, SMALL_STORE)
    assert PALETTES[Level.RED].background in red.styleSheet() and red.badge.level() is Level.RED
    assert card_of(pane, fresh_sim, NO_LIMIT_STORE).limit_label.text() == "no limit set"


def test_poll_interval_comes_from_settings(qtbot, qloop, sim):
    from storeops.settings import Settings

    client = make_client(sim)
    default = create_pane(make_ctx(client))
    ctx = make_ctx(client)
    ctx.settings = Settings(poll_interval_s=2)  # before the connection's services are made from it
    configured = create_pane(ctx)
    for pane in (default, configured):
        qtbot.addWidget(pane)
    assert default.controller.service.interval == 15.0 and configured.controller.service.interval == 2.0
    assert not default.controller.running  # a pane polls only once shown
    qloop.run_until_complete(client.aclose())


def test_thresholds_come_from_settings(open_pane, fresh_sim):
    from storeops.settings import Settings, Thresholds

    put_open(fresh_sim)
    pane = open_pane(settings=Settings(thresholds=Thresholds(amber=10, red=15)))
    occupancy = pane.controller.service.snapshot(store(fresh_sim, LIMITED_STORE).uuid).occupancy
    expected = Level.RED if occupancy / 80 >= 0.15 else Level.AMBER if occupancy / 80 >= 0.10 else Level.GREEN
    assert card_of(pane, fresh_sim, LIMITED_STORE).level is expected is not Level.GREEN


def test_plus_one_is_sent_once_and_audited(open_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    pane = open_pane()
    s = store(fresh_sim, LIMITED_STORE)
    before = qloop.run_until_complete(occupancy_now(pane.controller.service.client, s.uuid, s.time_zone))
    card = pane.cards[s.uuid]
    qtbot.mouseClick(card.plus_button, Qt.MouseButton.LeftButton)
    qloop.run_until_complete(wait_until(lambda: "Adjusted +1" in card.message_label.text()))
    assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
    assert qloop.run_until_complete(occupancy_now(pane.controller.service.client, s.uuid, s.time_zone)) == before + 1
    assert card.count_label.text() == str(before + 1)
    assert card.plus_button.isEnabled()
    lines = (app_dirs().data / AUDIT_FILE).read_text().splitlines()
    entry = json.loads(lines[-1])
    assert (entry["store_uuid"], entry["count"], entry["result"]) == (s.uuid, 1, "applied")
    assert entry["user"] and entry["time"]


def test_plus_minus_n_field(open_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    pane = open_pane()
    s = store(fresh_sim, LIMITED_STORE)
    card = pane.cards[s.uuid]
    assert not card.apply_button.isEnabled()  # zero is not an adjustment
    before = qloop.run_until_complete(occupancy_now(pane.controller.service.client, s.uuid, s.time_zone))
    card.amount.setValue(-2)
    assert card.apply_button.isEnabled()
    qtbot.mouseClick(card.apply_button, Qt.MouseButton.LeftButton)
    qloop.run_until_complete(wait_until(lambda: "Adjusted -2" in card.message_label.text()))
    assert qloop.run_until_complete(occupancy_now(pane.controller.service.client, s.uuid, s.time_zone)) == before - 2
    assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
    assert card.amount.value() == 0


def test_closed_store_cannot_be_adjusted_and_says_when_it_opens(open_pane, fresh_sim, qtbot):
    put_closed(fresh_sim)
    pane = open_pane()
    card = card_of(pane, fresh_sim, LIMITED_STORE)
    assert card.level is Level.CLOSED
    for control in (card.plus_button, card.minus_button, card.amount, card.apply_button):
        assert not control.isEnabled()
    assert card.plus_button.toolTip() == "Closed now — opens 10:00"
    assert card.reason_label.text() == "Adjust unavailable: Closed now — opens 10:00"
    qtbot.mouseClick(card.plus_button, Qt.MouseButton.LeftButton)
    assert sent(fresh_sim, "/v1/occupancy/adjust") == 0


def test_store_without_limit_cannot_be_adjusted(open_pane, fresh_sim):
    put_open(fresh_sim)
    pane = open_pane()
    card = card_of(pane, fresh_sim, NO_LIMIT_STORE)
    assert not card.plus_button.isEnabled() and not card.minus_button.isEnabled()
    assert "No occupancy limit set" in card.reason_label.text()
    assert card.plus_button.toolTip().startswith("No occupancy limit set") and "Locations" in card.plus_button.toolTip()


def test_server_refusal_is_shown_when_the_local_check_passes(open_pane, fresh_sim, qloop, qtbot):
    """This computer believes it is 15:00; the server's clock says 07:00."""
    put_closed(fresh_sim)
    pane = open_pane(now=lambda: chicago(15))
    card = card_of(pane, fresh_sim, LIMITED_STORE)
    assert card.plus_button.isEnabled()
    qtbot.mouseClick(card.plus_button, Qt.MouseButton.LeftButton)
    qloop.run_until_complete(wait_until(lambda: card.message_label.text().startswith("Not adjusted")))
    assert "store hours" in card.message_label.text()
    assert pane.controller.ctx.status.last_error and "store hours" in pane.controller.ctx.status.last_error
    assert sent(fresh_sim, "/v1/occupancy/adjust") == 1


# The timeout tests run each scenario in one run_until_complete: between two runs
# qasync processes pending Qt events with no running asyncio loop, and an adjust
# caught mid-request there fails inside httpx ("no running event loop").


def test_timeout_rereads_and_reports_the_outcome(open_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    pane = open_pane(client=make_client(fresh_sim, timeout=0.4))
    pane.controller.service.verify_delay = 0.1
    s = store(fresh_sim, LIMITED_STORE)
    card = pane.cards[s.uuid]

    async def scenario():
        before = await occupancy_now(pane.controller.service.client, s.uuid, s.time_zone)
        fresh_sim.faults.add("/v1/occupancy/adjust", "delay", seconds=1.0)
        qtbot.mouseClick(card.plus_button, Qt.MouseButton.LeftButton)
        assert not card.plus_button.isEnabled()  # no double send while waiting
        await wait_until(lambda: "checking whether" in card.reason_label.text())
        await wait_until(lambda: "take effect" in card.message_label.text())
        assert "did not take effect" in card.message_label.text()
        assert f"still {before}" in card.message_label.text()
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
        assert card.plus_button.isEnabled()

    qloop.run_until_complete(scenario())


def test_timeout_but_it_took_effect_says_so_and_is_audited(open_pane, fresh_sim, qloop, qtbot):
    """The server applies the +1 but its answer never reaches the pane in time:
    the pane re-reads, tells the user the adjustment DID take effect, records that
    in the audit log, and does not send it again."""
    put_open(fresh_sim)
    pane = open_pane(client=make_client(fresh_sim, timeout=0.4))
    pane.controller.service.verify_delay = 0.1
    s = store(fresh_sim, LIMITED_STORE)
    card = pane.cards[s.uuid]
    steps: list[str] = []  # the card's progress line changes too fast to catch by polling it
    shown = card.set_progress

    def progress(text: str) -> None:
        steps.append(text)
        shown(text)

    card.set_progress = progress

    async def scenario():
        before = await occupancy_now(pane.controller.service.client, s.uuid, s.time_zone)
        fresh_sim.faults.add("/v1/occupancy/adjust", "delay_answer", seconds=1.0)
        qtbot.mouseClick(card.plus_button, Qt.MouseButton.LeftButton)
        assert not card.plus_button.isEnabled()  # no double send while waiting
        await wait_until(lambda: "effect" in card.message_label.text())
        assert any("checking whether the adjust took effect" in step for step in steps), steps
        message = card.message_label.text()
        assert "slow to answer" in message and "took effect" in message and f"now {before + 1}" in message
        assert "8c1d18" not in card.message_label.styleSheet()  # told as a success, not an error
        assert card.count_label.text() == str(before + 1)
        assert pane.controller.ctx.status.last_error is None
        entry = json.loads((app_dirs().data / AUDIT_FILE).read_text().splitlines()[-1])
        assert (entry["store_uuid"], entry["count"], entry["result"]) == (s.uuid, 1, "timeout-applied")
        assert "took effect" in entry["detail"]
        await asyncio.sleep(0.8)  # past the held-back answer: applied once, never resent
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
        assert await occupancy_now(pane.controller.service.client, s.uuid, s.time_zone) == before + 1
        assert card.plus_button.isEnabled()

    qloop.run_until_complete(scenario())


def test_stale_after_two_failed_polls_and_recovery(open_pane, fresh_sim, qloop):
    put_open(fresh_sim)
    pane = open_pane(client=make_client(fresh_sim, retry=RetryPolicy.never()))
    card = card_of(pane, fresh_sim, LIMITED_STORE)
    count = card.count_label.text()
    fresh_sim.faults.add("/v2/datamine", "status", count=10_000, status=503)
    qloop.run_until_complete(wait_until(lambda: card.level is Level.STALE, timeout=5))
    assert pane.controller.service.snapshot(card.store_uuid).failed_polls == 2
    assert card.updated_label.text().startswith("As of ") and "not updating" in card.updated_label.text()
    assert PALETTES[Level.STALE].background in card.styleSheet()
    assert card.count_label.text() == count  # the last known figure stays, greyed
    assert pane.banner.isVisibleTo(pane) and "not updating" in pane.banner.text()
    fresh_sim.faults.clear()
    qloop.run_until_complete(wait_until(lambda: card.level is Level.GREEN, timeout=10))
    assert card.updated_label.text().startswith("Updated ") and not pane.banner.isVisibleTo(pane)


def test_scope_by_region_and_selected_store(open_pane, fresh_sim, qloop):
    put_open(fresh_sim)
    pane = open_pane()
    index = pane.scope.findText("Region: Central")
    assert index > 0
    pane.scope.setCurrentIndex(index)
    names = {pane.controller.service.snapshot(u).store.name for u in pane.cards}
    assert names == {LIMITED_STORE, NO_LIMIT_STORE, "Minneapolis Skyway"}
    pane.scope.setCurrentIndex(pane.scope.findText("Region: West"))  # includes its sub-region Bay Area
    assert len(pane.cards) == 5
    stores = qloop.run_until_complete(pane.controller.service.load_stores())
    pane.controller.ctx.stores.set_stores(stores, store(fresh_sim, SMALL_STORE).uuid)
    pane.scope.setCurrentIndex(pane.scope.findText("Selected store"))
    assert [pane.controller.service.snapshot(u).store.name for u in pane.cards] == [SMALL_STORE]
    qloop.run_until_complete(
        wait_until(lambda: pane.controller.service.snapshot(store(fresh_sim, SMALL_STORE).uuid).occupancy is not None)
    )
