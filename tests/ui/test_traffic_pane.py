"""The Traffic pane against the real simulator at the pinned instant: the chart draws
the service's series, shades incomplete and imputed intervals and names them on hover,
exports CSV (each row's validity) and PNG, ranks a region's stores and opens a store
from it, shows a failed request's message on the chart, and stays responsive while
loading. Each scenario runs in one run of the qasync loop."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage

from storeops.services.stores import load_stores
from storeops.services.traffic import RegionTraffic, StoreTraffic
from storeops.services.traffic_query import Comparison, Granularity, RangePreset
from storeops.services.traffic_series import IMPUTED, INCOMPLETE, VALIDITY_NAMES, wall_time
from storeops.settings import Settings
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from storeops.ui.traffic.pane import SELECTED_STORE, TrafficPane, create_pane
from tests.helpers import not_none, wait_until
from tests.services.occupancy_env import make_client

pytestmark = pytest.mark.gui


class Paths:
    """The file question, answered with a path chosen by the test."""

    def __init__(self) -> None:
        self.next: str | None = None
        self.asked: list[str] = []

    async def __call__(self, parent, title: str, suggested: str, name_filter: str) -> str | None:
        self.asked.append(suggested)
        return self.next


@pytest.fixture
def scenario(qtbot, qloop):
    """scenario(sim, body): a pane on a real client, `await body(pane, ctx, paths)`,
    then everything closed, all in one loop run."""

    def run(sim, body, *, store_name: str = "Chicago Loop"):
        async def main():
            client = make_client(sim)
            ctx = PaneContext(
                client=client, stores=StoreSelection(), status=StatusReporter(), settings=Settings(), now=sim.clock.now
            )
            stores = await load_stores(client)
            ctx.stores.set_stores(stores, preferred_uuid=next(s.uuid for s in stores if s.name == store_name))
            paths = Paths()
            pane = create_pane(ctx, choose_path=paths)
            assert isinstance(pane, TrafficPane)
            qtbot.addWidget(pane)
            pane.resize(1200, 800)
            try:
                pane.show()
                pane.activate()
                await wait_until(lambda: pane.controller.result is not None or pane.chart.message_text(), 20)
                return await body(pane, ctx, paths)
            finally:
                pane.deactivate()
                pane.shutdown()
                await pane.controller.wait_loaded()
                await client.aclose()

        return qloop.run_until_complete(main())

    return run


def cell(table, row: int, column: int) -> str:
    return not_none(table.item(row, column)).text()


def _points(curve) -> int:
    x = curve.getData()[0]
    return 0 if x is None else len(x)


async def settle(pane: TrafficPane) -> None:
    await wait_until(lambda: not pane.controller.loading, 20)


async def choose(pane: TrafficPane, combo, data) -> None:
    loads = pane.controller.loads
    combo.setCurrentIndex(combo.findData(data))
    await wait_until(lambda: pane.controller.loads > loads and not pane.controller.loading, 20)


def test_the_chart_draws_the_series_and_shades_incomplete_and_imputed_intervals(sim, scenario):
    async def body(pane: TrafficPane, ctx, paths):
        await settle(pane)
        # The default: last 7 days by hour, with the previous period and the forecast.
        first = pane.controller.result
        assert isinstance(first, StoreTraffic) and first.granularity is Granularity.HOUR
        assert len(pane.chart.forecast.getData()[0]) == len(first.forecast) > 0
        assert "Predicted" in [label.text for _, label in pane.chart.legend.items]

        await choose(pane, pane.range, RangePreset.LAST_12_MONTHS.value)
        await choose(pane, pane.granularity, Granularity.DAY.value)
        r = pane.controller.result
        assert isinstance(r, StoreTraffic) and r.granularity is Granularity.DAY
        x, y = pane.chart.traffic_in.getData()
        assert np.array_equal(y, r.series.ins)
        assert np.array_equal(x, (r.series.start + r.series.end) / 2)
        assert np.array_equal(pane.chart.traffic_out.getData()[1], r.series.outs)
        # The same intervals are shaded as the answer marks.
        shaded = pane.chart.shaded()
        assert shaded["incomplete"] == int((r.series.validity == INCOMPLETE).sum()) > 0
        assert shaded["imputed"] == int((r.series.validity == IMPUTED).sum()) > 0
        assert np.array_equal(pane.chart.incomplete.opts["x0"], r.series.start[r.series.validity == INCOMPLETE])
        # Totals leave them out, and say so.
        assert pane.total.value.text() == f"{r.totals.traffic_in:,.0f}"
        assert f"{r.totals.incomplete} incomplete and {r.totals.imputed} imputed days" in pane.note.text()
        assert r.totals.traffic_in < r.series.ins.sum()

        # Hover names the validity, with exact values in store-local time.
        i = int(np.flatnonzero(r.series.validity == INCOMPLETE)[0])
        text = pane.chart.hover_at(float(r.series.start[i]) + 3600)
        day = wall_time(r.series.start[i])
        assert f"{day:%a %d %b %Y}" in text and "America/Chicago" in text
        assert f"In <b>{r.series.ins[i]:,.0f}</b>" in text and "Incomplete" in text
        assert pane.chart.hover.isVisible() and pane.chart.crosshair.isVisible()
        j = int(np.flatnonzero(r.series.validity == IMPUTED)[0])
        assert "Imputed" in pane.chart.hover_at(float(r.series.start[j]) + 3600)

        # Bars instead of lines: the same numbers.
        pane.bars.setChecked(True)
        assert np.array_equal(pane.chart.in_bars.opts["height"], r.series.ins)
        assert _points(pane.chart.traffic_in) == 0

    scenario(sim, body)


def test_csv_and_png_exports_carry_the_data_and_the_picture(sim, scenario, tmp_path):
    async def body(pane: TrafficPane, ctx, paths):
        await choose(pane, pane.range, RangePreset.LAST_12_MONTHS.value)
        await choose(pane, pane.granularity, Granularity.DAY.value)
        r = pane.controller.result
        assert isinstance(r, StoreTraffic) and r.comparison is not None

        paths.next = str(tmp_path / "chicago.csv")
        saved = await pane.controller.export_csv()
        assert saved == Path(paths.next) and paths.asked[-1].startswith("traffic-Chicago-Loop-")
        rows = list(csv.reader(io.StringIO(await asyncio.to_thread(Path(saved).read_text, encoding="utf-8"))))
        assert rows[0] == [
            "series",
            "start (store local time)",
            "end (store local time)",
            "traffic in",
            "traffic out",
            "validity",
        ]
        actual = [row for row in rows[1:] if row[0] == "actual"]
        assert len(actual) == len(r.series)
        assert [row[5] for row in actual] == [VALIDITY_NAMES[int(v)] for v in r.series.validity]
        assert [int(row[3]) for row in actual] == [int(v) for v in r.series.ins]
        assert actual[0][1] == f"{r.period.start:%Y-%m-%d} 00:00" or actual[0][1] > f"{r.period.start:%Y-%m-%d}"
        comparison = [row for row in rows[1:] if row[0] == "comparison"]
        assert len(comparison) == len(r.comparison)
        assert r.comparison_period is not None
        assert comparison[0][1] >= f"{r.comparison_period.start:%Y-%m-%d}"  # its own dates, not moved
        assert comparison[-1][1] < f"{r.period.start:%Y-%m-%d}"

        paths.next = str(tmp_path / "chicago.png")
        saved = await pane.controller.export_png()
        assert saved is not None
        image = QImage(str(saved))
        assert not image.isNull() and image.width() > 600 and image.height() > 300
        # A chart, not a blank page: the line's blue is there.
        blue = sum(
            1
            for x in range(0, image.width(), 3)
            for y in range(0, image.height(), 3)
            if image.pixelColor(x, y).blue() > 150 and image.pixelColor(x, y).red() < 80
        )
        assert blue > 50

        paths.next = None  # cancelled: nothing written, nothing said
        assert await pane.controller.export_csv() is None

    scenario(sim, body)


def test_a_region_ranks_its_stores_and_a_click_opens_a_stores_chart(sim, scenario):
    with sim.world.lock:
        east = next(n for n in sim.world.nodes.values() if n.name == "East" and n.is_region)
        names = {s.name for s in sim.world.stores_under(east.uuid) if s.archive_date is None}

    async def body(pane: TrafficPane, ctx, paths):
        await settle(pane)
        await choose(pane, pane.range, RangePreset.LAST_4_WEEKS.value)
        await choose(pane, pane.scope, east.uuid)
        r = pane.controller.result
        assert isinstance(r, RegionTraffic)
        table = pane.region.table
        assert pane.pages.currentIndex() == 1 and table.rowCount() == len(names) == len(r.ranks)
        shown = [cell(table, row, 1) for row in range(table.rowCount())]
        assert set(shown) == names
        assert shown == [rank.store.name for rank in r.ranks]
        totals = [float(cell(table, row, 2).replace(",", "")) for row in range(table.rowCount())]
        assert totals == sorted(totals, reverse=True)
        for row, rank in enumerate(r.ranks):
            pct = rank.change_percent
            assert cell(table, row, 3) == (f"{pct:+.1f} %" if pct is not None else "—")
            assert cell(table, row, 4) == (rank.peak.label() if rank.peak else "—")
            assert cell(table, row, 5) == f"{rank.totals.incomplete_share * 100:.0f} %"
        assert len(pane.region.multiples.tiles) == len(names)

        # A click on a store's small chart opens its own chart; Back returns.
        tile = pane.region.multiples.tiles[1]
        loads = pane.controller.loads
        from PySide6.QtCore import QPoint, Qt
        from pytestqt.qtbot import QtBot

        QtBot.mouseClick(tile, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
        await wait_until(lambda: pane.controller.loads > loads and not pane.controller.loading, 20)
        store = pane.controller.result
        assert isinstance(store, StoreTraffic) and store.store.uuid == tile.rank.store.uuid
        assert ctx.stores.current().uuid == tile.rank.store.uuid
        assert pane.scope_key() == SELECTED_STORE and pane.pages.currentIndex() == 0
        assert pane.back.isVisible()
        loads = pane.controller.loads
        pane.back.click()
        await wait_until(lambda: pane.controller.loads > loads and not pane.controller.loading, 20)
        assert isinstance(pane.controller.result, RegionTraffic)

    scenario(sim, body)


def test_a_failed_request_shows_its_message_on_the_chart_then_f5_loads(fresh_sim, scenario):
    async def body(pane: TrafficPane, ctx, paths):
        await settle(pane)
        fresh_sim.faults.add("/v2/datamine", "status", count=200, status=503)
        await choose(pane, pane.range, RangePreset.YESTERDAY.value)
        message = pane.chart.message_text()
        assert message.startswith("Traffic not loaded — the server had a problem")
        assert pane.chart.message.isVisible()
        assert pane.controller.result is None and pane.chart.result is None
        assert _points(pane.chart.traffic_in) == 0
        assert ctx.status.last_error and "Traffic not loaded" in ctx.status.last_error
        assert pane.total.value.text() == "—"

        fresh_sim.faults.clear()
        loads = pane.controller.loads
        pane.refresh()  # F5
        await wait_until(lambda: pane.controller.loads > loads and not pane.controller.loading, 20)
        assert isinstance(pane.controller.result, StoreTraffic)
        assert not pane.chart.message.isVisible()

    scenario(fresh_sim, body)


def test_loading_never_freezes_the_window(fresh_sim, scenario):
    async def body(pane: TrafficPane, ctx, paths):
        await settle(pane)
        fresh_sim.faults.add("/v2/datamine", "delay", count=10, seconds=1.0)
        ticks = []
        timer = QTimer()
        timer.setInterval(20)
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start()
        pane.range.setCurrentIndex(pane.range.findData(RangePreset.YESTERDAY.value))
        await wait_until(lambda: pane.controller.loading)
        await wait_until(lambda: pane.chart.message_text() == "Loading traffic…")
        await settle(pane)
        timer.stop()
        # About a second of waiting with the GUI ticking all along.
        assert len(ticks) > 25
        assert isinstance(pane.controller.result, StoreTraffic)
        assert not pane.chart.message.isVisible()

    scenario(fresh_sim, body)


def test_a_custom_range_the_wrong_way_round_is_refused_beside_the_fields(sim, scenario):
    async def body(pane: TrafficPane, ctx, paths):
        await settle(pane)
        pane.range.setCurrentIndex(pane.range.findData(RangePreset.CUSTOM.value))
        assert pane.custom_box.isVisible()
        pane.set_custom_days(date(2026, 4, 10), date(2026, 4, 1))
        loads = pane.controller.loads
        pane.apply_custom.click()
        await wait_until(lambda: pane.controller.loads > loads and not pane.controller.loading)
        assert pane.custom_error.isVisible() and "before the first day" in pane.custom_error.text()
        assert "before the first day" in pane.chart.message_text()

        pane.set_custom_days(date(2026, 4, 1), date(2026, 4, 10))
        loads = pane.controller.loads
        pane.apply_custom.click()
        await wait_until(lambda: pane.controller.loads > loads and not pane.controller.loading)
        r = pane.controller.result
        assert isinstance(r, StoreTraffic) and r.period.days == 10 and not pane.custom_error.isVisible()
        assert r.granularity is Granularity.HOUR  # the automatic choice for ten days

    scenario(sim, body)


def test_the_comparison_overlay_and_forecast_follow_the_controls(sim, scenario):
    async def body(pane: TrafficPane, ctx, paths):
        await settle(pane)
        r = pane.controller.result
        assert isinstance(r, StoreTraffic) and r.comparison is not None
        assert np.array_equal(pane.chart.comparison.getData()[1], r.comparison.ins)
        await choose(pane, pane.comparison, Comparison.NONE.value)
        assert _points(pane.chart.comparison) == 0
        assert pane.change.value.text() == "—"
        await choose(pane, pane.forecast, 0)
        r = pane.controller.result
        assert isinstance(r, StoreTraffic)
        # The rest of today is still expected; no coming days.
        tomorrow = r.now_local.date().toordinal()
        assert all(wall_time(s).date().toordinal() < tomorrow + 1 for s in r.forecast.start)

    scenario(sim, body)


def test_a_hidden_pane_reads_nothing_and_shows_the_store_chosen_meanwhile_when_shown(sim, scenario):
    async def body(pane: TrafficPane, ctx, paths):
        await settle(pane)
        first = pane.controller.result
        assert isinstance(first, StoreTraffic) and first.store.name == "Chicago Loop"
        pane.deactivate()
        pane.hide()
        loads = pane.controller.loads
        other = next(s for s in ctx.stores.stores() if s.name == "Boston Back Bay")
        ctx.stores.set_current(other)
        await asyncio.sleep(0.3)
        assert pane.controller.loads == loads and not pane.controller.loading
        pane.show()
        pane.activate()
        await wait_until(lambda: pane.controller.loads > loads and not pane.controller.loading, 20)
        shown = pane.controller.result
        assert isinstance(shown, StoreTraffic) and shown.store.uuid == other.uuid
        assert "Boston Back Bay" in pane.caption.text() and pane.scope.itemText(0) == "Store: Boston Back Bay"

    scenario(sim, body)


def test_at_the_windows_minimum_width_the_choosers_keep_their_text(sim, scenario):
    # Seen under Xvfb at the main window's minimum size (980 px, a pane of ~780 px): the
    # choosers squeezed to "Store: Cas", "Last 7 day", "Auto (hour", "Previous p".
    async def body(pane, _ctx, _paths):
        choosers = [pane.scope, pane.range, pane.granularity, pane.comparison, pane.forecast]
        row = [*choosers, pane.store_hours, pane.bars, pane.export]
        pane.setMinimumSize(1, 1)  # as in the main window, whose own minimum rules
        for width in (780, 1200):
            pane.resize(width, 700)
            await asyncio.sleep(0.1)  # the layout settles
            assert pane.width() == width
            for combo in choosers:
                assert combo.width() >= combo.minimumSizeHint().width(), (width, combo.currentText())
            for i, one in enumerate(row):
                assert one.geometry().right() < pane.width(), (width, i)
                for other in row[i + 1 :]:
                    assert not one.geometry().intersects(other.geometry()), (width, i)
        # A wide pane keeps one line of controls.
        assert pane.export.geometry().top() <= pane.scope.geometry().bottom()

    scenario(sim, body)
