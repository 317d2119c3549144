"""The Cameras pane with pytest-qt against a frozen simulator (TEST_NOW: 16:07 in New
York): tables filled from the real inventory, the offline camera highlighted, filters
by store and text, sortable columns, the counting check in words, a double-clicked
channel asked for in live view, a failed read that keeps the tables, and the pane
contract (no reads while hidden, deaf after shutdown)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMainWindow

from storeops.api.client import RetailNextClient
from storeops.services.cameras import CameraRow, ChannelRow
from storeops.services.stores import load_stores
from storeops.settings import Settings
from storeops.simulator.seed import OFFLINE_CAMERA, STOPPED_COUNTER_STORE
from storeops.ui.cameras.models import OFFLINE_BG, ROW_ROLE
from storeops.ui.cameras.pane import ALL_STORES, CamerasPane, create_pane, prepare_screenshot
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from storeops.ui.live_view_request import LiveViewRequest, live_view_requests
from tests.conftest import ACCESS_KEY, SECRET_KEY, TEST_NOW
from tests.helpers import not_none, wait_until
from tests.services.cameras_env import frozen_sim


class Shell(QMainWindow):
    """Stands in for the main window: notes the panes it is asked to show."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def show_pane(self, key: str) -> None:
        self.shown.append(key)


@pytest.fixture
def running():
    with frozen_sim() as sim:
        yield sim


def sent(running, path: str) -> int:
    with running.world.lock:
        return running.world.requests[path]


def make(qtbot, running) -> tuple[Shell, CamerasPane, PaneContext, RetailNextClient]:
    client = RetailNextClient(running.url, ACCESS_KEY, SECRET_KEY)
    ctx = PaneContext(
        client=client, stores=StoreSelection(), status=StatusReporter(), settings=Settings(), now=running.clock.now
    )
    shell = Shell()
    qtbot.addWidget(shell)
    pane = create_pane(ctx)
    shell.setCentralWidget(pane)
    shell.resize(1280, 800)
    shell.show()
    return shell, pane, ctx, client


def visible(table) -> list:
    return table.visible_rows()


def test_tables_filters_sorting_and_the_counting_check(qtbot, qloop, running):
    _shell, pane, ctx, client = make(qtbot, running)

    async def scenario():
        stores = await load_stores(client)
        brooklyn = next(s for s in stores if s.name == OFFLINE_CAMERA[0])
        ctx.stores.set_stores(stores, preferred_uuid=brooklyn.uuid)
        pane.activate()
        await wait_until(lambda: pane.controller.report is not None, timeout=30)

        # Selected store by default: Brooklyn Heights only, its offline counter highlighted.
        cameras: list[CameraRow] = visible(pane.cameras)
        assert cameras and {c.store_name for c in cameras} == {"Brooklyn Heights"}
        first = pane.cameras.proxy.index(0, 0)
        assert first.data(ROW_ROLE).name == OFFLINE_CAMERA[1]  # the longest silence sorts first
        assert first.data(Qt.ItemDataRole.BackgroundRole).color() == OFFLINE_BG
        assert pane.cameras.proxy.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) is None
        assert pane.cameras.proxy.index(0, 5).data() == "Offline — 2 h 15 min ago"
        assert "1 offline" in pane.tabs.tabText(0) and "1 offline" in pane.summary.text()

        # The check, in words, names both problems of the chain.
        words = pane.findings.text()
        assert f"{STOPPED_COUNTER_STORE}: nobody counted since 15:00 while open" in words
        assert "Brooklyn Heights: " in words and "counting camera Back Entrance is offline" in words
        assert pane.findings_title.text() == "Counting check: 2 problems in 11 open stores."
        assert pane.findings_box.property("state") == "problem"

        # All stores; then text that must match every word.
        pane.choose_scope(ALL_STORES)
        assert len(visible(pane.cameras)) == len(running.world.cameras)
        pane.search.setText("xovis pc2s")
        assert {c.vendor for c in visible(pane.cameras)} == {"Xovis"} and len(visible(pane.cameras)) == 5
        assert visible(pane.channels) == []  # Xovis counters have no video channel
        pane.search.setText("")

        # Sorting by a column's own key: channels by store name, then by frame rate.
        pane.channels.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        names = [c.store_name for c in visible(pane.channels)]
        assert names == sorted(names, key=str.casefold)
        pane.channels.view.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        rates = [c.frame_rate for c in visible(pane.channels)]
        assert rates == sorted(rates, reverse=True) and len(set(rates)) == 2

        # One store picked in the list, without moving the shared selection.
        pane.choose_scope(next(s.uuid for s in stores if s.name == "Fifth Avenue"))
        assert {c.store_name for c in visible(pane.cameras)} == {"Fifth Avenue"}
        assert not_none(ctx.stores.current()).name == "Brooklyn Heights"
        counts = visible(pane.counts)
        assert [c.store_name for c in counts] == ["Fifth Avenue"] and counts[0].appliances == 1

        # Alerts: open ones first, the offline counter's among the critical.
        pane.choose_scope(ALL_STORES)
        alerts = visible(pane.alerts)
        opened = [a for a in alerts if a.open]
        assert alerts[: len(opened)] == opened and opened[0].severity == "critical"
        assert any(a.subject_name.startswith(OFFLINE_CAMERA[1]) and a.store_name == OFFLINE_CAMERA[0] for a in opened)

        # Tabs switch.
        pane.tabs.setCurrentIndex(1)
        assert pane.tabs.currentWidget() is pane.channels.view
        pane.shutdown()
        await client.aclose()

    qloop.run_until_complete(scenario())


def test_double_clicking_a_channel_asks_for_it_in_live_view(qtbot, qloop, running):
    shell, pane, ctx, client = make(qtbot, running)
    asked: list[LiveViewRequest] = []
    live_view_requests(ctx).requested.connect(asked.append)

    async def scenario():
        ctx.stores.set_stores(await load_stores(client))
        pane.activate()
        await wait_until(lambda: pane.controller.inventory is not None, timeout=30)
        pane.tabs.setCurrentIndex(1)
        pane.choose_scope(ALL_STORES)
        await wait_until(lambda: pane.channels.view.isVisible())
        view = pane.channels.view
        rect = view.visualRect(pane.channels.proxy.index(2, 0))
        # QTest's double click alone is no double click to an item view: press first.
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center()))
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center()))
        channel: ChannelRow = pane.channels.proxy.index(2, 0).data(ROW_ROLE)
        assert asked == [LiveViewRequest(channel.channel_uuid, channel.name, channel.store_uuid, channel.store_name)]
        assert shell.shown == ["video"]
        # The Video pane, made by that switch, finds the request waiting, once.
        hub = live_view_requests(ctx)
        assert hub.take_pending() == asked[0] and hub.take_pending() is None
        # Enter on the current row asks too.
        pane.channels.view.setCurrentIndex(pane.channels.proxy.index(3, 0))
        pane.channels.view.setFocus()
        qtbot.keyClick(pane.channels.view, Qt.Key.Key_Return)
        assert [r.channel_uuid for r in asked[1:]] == [pane.channels.proxy.index(3, 0).data(ROW_ROLE).channel_uuid]
        assert shell.shown == ["video", "video"]
        pane.shutdown()
        await client.aclose()

    qloop.run_until_complete(scenario())


def test_a_failed_read_keeps_the_tables_and_says_why(qtbot, qloop, running):
    _shell, pane, ctx, client = make(qtbot, running)
    errors: list[str] = []
    ctx.status.error_reported.connect(errors.append)

    async def scenario():
        ctx.stores.set_stores(await load_stores(client))
        pane.choose_scope(ALL_STORES)
        pane.activate()
        await wait_until(lambda: pane.controller.report is not None, timeout=30)
        before = visible(pane.cameras)
        running.faults.add("/v1/inventory/channels", "status", status=403, detail="key lacks the cameras permission")
        assert await pane.controller.reload() is False
        assert visible(pane.cameras) == before
        assert pane.message.isVisible() and "Could not read the camera inventory" in pane.message.text()
        assert errors and errors[-1] == pane.message.text()
        # The next read works again and clears the message.
        assert await pane.controller.reload() is True
        assert not pane.message.isVisible()
        pane.shutdown()
        await client.aclose()

    qloop.run_until_complete(scenario())


def test_hidden_pane_reads_nothing_and_a_dropped_one_hears_nothing(qtbot, qloop, running):
    _shell, pane, ctx, client = make(qtbot, running)

    async def scenario():
        stores = await load_stores(client)
        ctx.stores.set_stores(stores)
        assert sent(running, "/v1/inventory/cameras") == 0  # made, not shown: nothing read
        pane.activate()
        await wait_until(lambda: pane.controller.report is not None, timeout=30)
        reads = sent(running, "/v1/inventory/cameras")
        pane.deactivate()
        pane.activate()  # back within REREAD_S: what was read is still fresh
        assert sent(running, "/v1/inventory/cameras") == reads
        # A camera goes offline: F5 shows it.
        gone = next(c for c in running.world.cameras if c.store_uuid == stores[0].uuid and c.type == 1)
        running.world.take_camera_offline(gone.device_id, TEST_NOW - timedelta(hours=1))
        await pane.refresh()
        assert any(c.device_id == gone.device_id and not c.online for c in visible(pane.cameras))
        pane.shutdown()
        label = pane.scope.itemText(0)
        ctx.stores.set_current(stores[1])
        assert pane.scope.itemText(0) == label  # no longer listening
        pane.activate()  # a dropped pane never reads again
        await pane.controller.reload()
        assert sent(running, "/v1/inventory/cameras") == reads + 1
        await client.aclose()

    qloop.run_until_complete(scenario())


def test_prepare_screenshot_shows_every_store_with_the_offline_camera_first(qtbot, qloop, running):
    _shell, pane, ctx, client = make(qtbot, running)

    async def scenario():
        ctx.stores.set_stores(await load_stores(client))
        await prepare_screenshot(pane)
        first = pane.cameras.proxy.index(0, 0).data(ROW_ROLE)
        assert not first.online and pane.tabs.currentIndex() == 0
        assert any(a.open for a in visible(pane.alerts))
        pane.shutdown()
        await client.aclose()

    qloop.run_until_complete(scenario())


def test_shown_before_the_store_list_it_reads_the_stores_itself(qtbot, qloop, running):
    _shell, pane, ctx, client = make(qtbot, running)

    async def scenario():
        assert ctx.stores.stores() == []
        pane.choose_scope(ALL_STORES)
        pane.activate()
        await wait_until(lambda: pane.controller.report is not None, timeout=30)
        # Names and the check as with the list: not "nothing to check".
        assert {c.store_name for c in visible(pane.cameras)} >= {"Brooklyn Heights", "Caspar City Plaza"}
        assert pane.findings_title.text() == "Counting check: 2 problems in 11 open stores."
        pane.shutdown()
        await client.aclose()

    qloop.run_until_complete(scenario())
