"""Drives the Traffic pane from TrafficService: turns the controls into a query, loads
it without blocking the window (a newer choice cancels the older load), renders a
store's chart or a region's ranking, words the failures on the chart itself, and
exports PNG and CSV (the file question first, then the writing off the GUI thread).

The view (pane.py) never talks to the client; this controller owns the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QObject, QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QWidget
from shiboken6 import isValid

from storeops.api.errors import ApiError, ValidationError
from storeops.services import wording
from storeops.services.traffic import RegionTraffic, StoreTraffic, TrafficService
from storeops.services.traffic_query import Granularity, RangePreset, TrafficQuery, auto_granularity
from storeops.services.traffic_series import wall_seconds
from storeops.ui.traffic.pane import REGION_PAGE, SELECTED_STORE, STORE_PAGE, TrafficPane

log = logging.getLogger(__name__)

# choose_path(parent, title, suggested file name, filter) -> a path, or None if cancelled
ChoosePath = Callable[[QWidget, str, str, str], Awaitable[str | None]]


async def ask_save_path(parent: QWidget, title: str, suggested: str, name_filter: str) -> str | None:
    """A window-modal save dialog answered through a future: no nested event loop
    (exec() would run asyncio callbacks re-entrantly under qasync)."""
    dialog = QFileDialog(parent, title, suggested, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    answered: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def done(result: int) -> None:
        if not answered.done():
            files = dialog.selectedFiles()
            answered.set_result(files[0] if result and files else None)

    dialog.finished.connect(done)
    dialog.open()
    try:
        return await answered
    finally:
        dialog.deleteLater()


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")


def _write_image(path: Path, image: QImage) -> None:
    # QImage is reentrant: a copy made on the GUI thread may be saved on another.
    # PySide6 takes the format as str here, whatever its type stubs say.
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]
        raise OSError(f"could not write {path}")


class TrafficController(QObject):
    def __init__(
        self,
        view: TrafficPane,
        ctx,
        *,
        service: TrafficService | None = None,
        choose_path: ChoosePath | None = None,
    ):
        super().__init__(view)
        self.view = view
        self.ctx = ctx
        self.service: TrafficService = service or ctx.services.traffic
        self.choose_path: ChoosePath = choose_path or ask_save_path
        self.result: StoreTraffic | RegionTraffic | None = None
        self.loads = 0  # finished loads (tests wait on it)
        self._task: asyncio.Task[None] | None = None
        self._places_loaded = False
        self._came_from_region: str | None = None
        self._shut = False
        self._stale = False
        self._writes: set[asyncio.Task[Path | None]] = set()

        today = ctx.now().date()
        view.set_custom_days(today - timedelta(days=13), today)
        view.visibility_changed.connect(self._on_visibility)
        view.shutdown_requested.connect(self.shutdown)
        view.refresh_requested.connect(self.refresh)
        view.query_changed.connect(self.reload)
        view.bars_toggled.connect(view.chart.set_bars)
        view.export_png_requested.connect(self._export_png)
        view.export_csv_requested.connect(self._export_csv)
        view.back_requested.connect(self._back_to_region)
        view.region.store_chosen.connect(self.open_store)
        ctx.stores.changed.connect(self._selection_changed)

    # ------------------------------------------------------------ lifecycle

    def _on_visibility(self, shown: bool) -> None:
        # Shown again: load if nothing is shown yet, or the store changed meanwhile.
        if shown and not self.loading and (self.result is None or self._stale):
            self._stale = False
            self.reload()

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        if self._task is not None:
            self._task.cancel()
        with contextlib.suppress(RuntimeError, TypeError):
            self.ctx.stores.changed.disconnect(self._selection_changed)

    def refresh(self) -> None:
        """F5: forget this query's answer (and the store list) and read it again."""
        query = self.query()
        if query is not None:
            self.service.forget(query)
        self._places_loaded = False
        self.reload()

    @property
    def loading(self) -> bool:
        return self._task is not None and not self._task.done()

    async def wait_loaded(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def _alive(self) -> bool:
        return not self._shut and isValid(self.view)

    # ------------------------------------------------------------ the query

    def query(self) -> TrafficQuery | None:
        view = self.view
        scope = view.scope_key()
        region = scope != SELECTED_STORE
        if not region:
            store = self.ctx.stores.current()
            if store is None:
                return None
            scope = store.uuid
        preset = view.preset()
        return TrafficQuery(
            scope=scope,
            preset=preset,
            granularity=view.chosen_granularity(),
            store_hours_only=view.store_hours.isChecked(),
            comparison=view.chosen_comparison(),
            custom=view.custom_days() if preset is RangePreset.CUSTOM else None,
            forecast_days=view.forecast_days(),
            region=region,
        )

    def _selection_changed(self, _store: object) -> None:
        if not self._alive():
            return
        self.view.set_selected_name(self._selected_name())
        if self.view.scope_key() == SELECTED_STORE:
            if self.view.isVisible():
                self.reload()
            else:
                self._stale = True  # hidden panes cost nothing: read it when shown

    def _selected_name(self) -> str:
        store = self.ctx.stores.current()
        return store.name if store is not None else ""

    def reload(self) -> None:
        if not self._alive():
            return
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self._load())

    async def _load(self) -> None:
        view = self.view
        try:
            async with self.ctx.status.busy("Loading traffic"):
                if not self._places_loaded:
                    places = await self.service.places(reload=True)
                    self._places_loaded = True
                    if not self._alive():
                        return
                    view.set_regions([(r.uuid, r.name) for r in places.regions], self._selected_name())
                query = self.query()
                view.show_custom_error("")
                if query is None:
                    self._show_error("Choose a store in the store selector to see its traffic.")
                    return
                if self.service.cached(query) is None:
                    view.chart.show_message("Loading traffic…")
                result = await self.service.load(query)
        except asyncio.CancelledError:
            raise
        except ValidationError as exc:
            if self._alive():
                if self.view.preset() is RangePreset.CUSTOM:
                    view.show_custom_error(str(exc))
                self._show_error(f"Traffic not shown — {wording.reason(exc)}.")
            return
        except ApiError as exc:
            if self._alive():
                self._show_error(f"Traffic not loaded — {wording.reason(exc)}.")
                self.ctx.status.error(f"Traffic not loaded — {wording.reason(exc)}")
            return
        finally:
            self.loads += 1
        if self._alive():
            self.show(result)

    def _show_error(self, text: str) -> None:
        """On the chart, where the user looks: never an empty plot."""
        self.result = None
        view = self.view
        view.show_page(STORE_PAGE)
        view.chart.clear()
        view.chart.show_message(text, error=True)
        view.intraday.hide()
        for figure in (view.total, view.change, view.peak, view.today):
            figure.set("—")
        view.note.setText("")
        view.caption.setText("")

    # ------------------------------------------------------------ rendering

    def show(self, result: StoreTraffic | RegionTraffic) -> None:
        self.result = result
        view = self.view
        view.set_captions(region=isinstance(result, RegionTraffic))
        if isinstance(result, RegionTraffic):
            view.show_page(REGION_PAGE)
            view.back.hide()
            view.set_auto_label(result.granularity)
            view.region.show_region(result)
            self._region_figures(result)
            return
        view.show_page(STORE_PAGE)
        view.back.setVisible(self._came_from_region is not None)
        view.set_auto_label(auto_granularity(result.period))
        view.chart.show_result(result)
        self._store_figures(result)
        if result.intraday is not None:
            view.intraday.show_today(result.intraday, result.intraday.sentence(f"{result.now_local:%H:%M}"))
            view.intraday.show()
        else:
            view.intraday.hide()

    def _store_figures(self, r: StoreTraffic) -> None:
        view = self.view
        zone = r.store.time_zone or "UTC"
        view.caption.setText(
            f"<b>{r.store.name}</b> · {r.period.label()} · by {r.granularity.label.lower()} · "
            f"store time ({zone}), now {r.now_local:%a %H:%M}"
        )
        t = r.totals
        view.total.set(f"{t.traffic_in:,.0f}", f"out {t.traffic_out:,.0f} · complete {r.unit_words} only")
        ch = r.change
        if ch is not None and ch.percent is not None:
            colour = "#1b7a3a" if ch.percent >= 0 else "#a01020"
            assert r.comparison_period is not None
            view.change.set(
                f"{ch.percent:+.1f} %",
                f"vs {r.query.comparison.label.lower()} ({r.comparison_period.label()}): "
                f"{ch.current:,.0f} against {ch.previous:,.0f}, like for like",
                colour,
            )
        else:
            view.change.set("—", "no comparison" if r.comparison is None else "nothing to compare")
        if r.peak is not None:
            view.peak.set(r.peak.label(), f"{r.peak.traffic_in:,.0f} in over the range")
        else:
            view.peak.set("—", "no traffic")
        if r.intraday is not None and r.intraday.percent is not None:
            pct = r.intraday.percent
            view.today.set(
                f"{pct:+.0f} %",
                f"{r.intraday.actual_so_far:,.0f} in vs {r.intraday.expected_so_far:,.0f} expected by "
                f"{r.now_local:%H:%M}",
                "#1b7a3a" if pct >= -5 else "#a01020",
            )
        else:
            view.today.set("—", "the range does not include today" if r.intraday is None else "not open yet")
        notes = [t.note(r.unit_words)]
        if r.change is not None and r.change.pairs:
            notes.append(f"Change counts only the {r.change.pairs} {r.unit_words} complete in both periods.")
        notes.extend(r.notes)
        view.note.setText(" ".join(notes))

    def _region_figures(self, r: RegionTraffic) -> None:
        view = self.view
        view.caption.setText(f"<b>{r.region.name}</b> · {r.period.label()} · each store in its own time zone")
        total = sum(rank.totals.traffic_in for rank in r.ranks)
        view.total.set(f"{total:,.0f}", f"{len(r.ranks)} stores · complete {r.granularity.label.lower()}s only")
        current = sum(rank.change.current for rank in r.ranks if rank.change is not None)
        previous = sum(rank.change.previous for rank in r.ranks if rank.change is not None)
        if previous > 0:
            pct = (current - previous) / previous * 100.0
            view.change.set(
                f"{pct:+.1f} %", f"vs {r.query.comparison.label.lower()}", "#1b7a3a" if pct >= 0 else "#a01020"
            )
        else:
            view.change.set("—", "no comparison")
        best = r.ranks[0] if r.ranks else None
        view.peak.set(best.store.name if best else "—", f"{best.totals.traffic_in:,.0f} in" if best else "")
        left = sum(rank.totals.left_out for rank in r.ranks)
        intervals = sum(rank.totals.intervals for rank in r.ranks)
        view.today.set(f"{(left / intervals * 100.0) if intervals else 0:.0f} %", "incomplete or imputed days")
        view.note.setText(
            f"Totals leave out {left} incomplete or imputed {r.granularity.label.lower()}s of {intervals}. "
            + " ".join(r.notes)
        )

    # ------------------------------------------------------------ region → store

    def open_store(self, uuid: str) -> None:
        """A store clicked in the region view: its own chart (Back returns)."""
        self._came_from_region = self.view.scope_key()
        self.ctx.stores.set_current(uuid)
        self.view.choose(self.view.scope, SELECTED_STORE)
        self.view.set_selected_name(self._selected_name())
        self.reload()

    def _back_to_region(self) -> None:
        region, self._came_from_region = self._came_from_region, None
        if region is not None:
            self.view.choose(self.view.scope, region)
            self.reload()

    # ------------------------------------------------------------ export

    def _suggested(self, extension: str) -> str:
        r = self.result
        if isinstance(r, StoreTraffic):
            name, start = r.store.name, r.period.start
        elif isinstance(r, RegionTraffic):
            name, start = r.region.name, r.period.start
        else:
            return f"traffic.{extension}"
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")
        return f"traffic-{safe}-{start:%Y-%m-%d}.{extension}"

    def _export_png(self) -> None:
        self._spawn(self.export_png())

    def _export_csv(self) -> None:
        self._spawn(self.export_csv())

    def _spawn(self, work: Awaitable[Path | None]) -> None:
        task = asyncio.ensure_future(work)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def export_png(self) -> Path | None:
        if self.result is None:
            self.ctx.status.error("Nothing to export yet")
            return None
        path = await self.choose_path(self.view, "Save the chart as PNG", self._suggested("png"), "PNG image (*.png)")
        if not path or not self._alive():
            return None
        target = Path(path)
        # From the caption down: the picture says which store, which days and the figures.
        view = self.view
        top = view.caption.geometry().top()
        image = view.grab(QRect(0, top, view.width(), view.height() - top)).toImage().copy()
        return await self._write(target, lambda: _write_image(target, image))

    async def export_csv(self) -> Path | None:
        if self.result is None:
            self.ctx.status.error("Nothing to export yet")
            return None
        path = await self.choose_path(self.view, "Save the data as CSV", self._suggested("csv"), "CSV file (*.csv)")
        if not path or not self._alive():
            return None
        target = Path(path)
        result = self.result
        return await self._write(target, lambda: _write_text(target, result.csv()))

    async def _write(self, target: Path, write: Callable[[], None]) -> Path | None:
        try:
            await asyncio.to_thread(write)
        except OSError as exc:
            self.ctx.status.error(f"Not saved — {target}: {exc.strerror or exc}")
            return None
        self.ctx.status.info(f"Saved {target}")
        return target

    # ------------------------------------------------------------ demo

    async def show_demo_week(self) -> None:
        """The screenshot: the busiest store, last 7 days by hour, previous week, a week ahead."""
        places = await self.service.places()
        self._places_loaded = False
        busiest = next((s for s in places.stores if s.name == "Fifth Avenue"), None)
        if busiest is not None:
            self.ctx.stores.set_current(busiest.uuid)
        view = self.view
        view.choose(view.scope, SELECTED_STORE)
        view.choose(view.range, RangePreset.LAST_7_DAYS.value)
        view.choose(view.granularity, Granularity.HOUR.value)
        view.choose(view.forecast, 7)
        self.reload()

    def hover_demo_point(self) -> None:
        """Put the crosshair on a busy afternoon (the screenshot shows the hover box)."""
        r = self.result
        if isinstance(r, StoreTraffic) and len(r.series):
            best = int(r.series.ins.argmax())
            x = float((r.series.start[best] + r.series.end[best]) / 2)
            self.view.chart.hover_at(x)
        elif isinstance(r, StoreTraffic):
            self.view.chart.hover_at(wall_seconds(r.now_local))
