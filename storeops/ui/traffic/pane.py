"""The Traffic pane's view: what to show (store or region, range, granularity,
comparison, forecast, store hours only, lines or bars), the summary figures, and the
chart — or for a region the ranking and small multiples. It only lays out and reports
what the user does; `TrafficController` (controller.py) loads, renders and exports.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from storeops.services.traffic_query import GRANULARITY_ORDER, Comparison, Granularity, RangePreset
from storeops.ui.traffic.chart import IntradayChart, TrafficChart
from storeops.ui.traffic.region import RegionView

if TYPE_CHECKING:
    from storeops.ui.traffic.controller import TrafficController

SELECTED_STORE = "__selected__"
AUTO = "auto"
FORECAST_CHOICES = ((0, "No forecast"), (7, "Forecast 7 days"), (14, "Forecast 14 days"), (31, "Forecast 31 days"))
STORE_PAGE, REGION_PAGE = 0, 1


class Figure(QFrame):
    """One summary figure: a caption over a big number, a line of detail under it."""

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("TrafficFigure")
        self.setStyleSheet("#TrafficFigure { background: #f5f7fa; border: 1px solid #dde2e8; border-radius: 6px; }")
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #555; font-size: 11px;")
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 20px; font-weight: 600; color: #111;")
        self.detail = QLabel("")
        self.detail.setStyleSheet("color: #555; font-size: 11px;")
        self.detail.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 6, 10, 6)
        box.setSpacing(1)
        box.addWidget(self.caption)
        box.addWidget(self.value)
        box.addWidget(self.detail)

    def set(self, value: str, detail: str = "", colour: str = "#111") -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"font-size: 20px; font-weight: 600; color: {colour};")
        self.detail.setText(detail)


class TrafficPane(QWidget):
    controller: TrafficController

    query_changed = Signal()
    bars_toggled = Signal(bool)
    export_png_requested = Signal()
    export_csv_requested = Signal()
    back_requested = Signal()
    visibility_changed = Signal(bool)
    shutdown_requested = Signal()
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("TrafficPane")
        title = QLabel("Traffic")
        title.setStyleSheet("font-size: 20px; font-weight: 600;")

        self.scope = QComboBox()
        self.scope.setToolTip("A store (the one chosen in the store selector) or a region's stores side by side")
        self.scope.addItem("Selected store", SELECTED_STORE)
        # Wide enough for "Store: " and a long store name; the full name is in the caption.
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope.setMinimumContentsLength(24)
        self.range = QComboBox()
        self.range.setToolTip("Days in the store's own time zone")
        for preset in RangePreset:
            self.range.addItem(preset.label, preset.value)
        self.range.setCurrentIndex(self.range.findData(RangePreset.LAST_7_DAYS.value))
        self.first_day = QDateEdit()
        self.last_day = QDateEdit()
        for edit in (self.first_day, self.last_day):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
        self.custom_error = QLabel()
        self.custom_error.setObjectName("CustomRangeError")
        self.custom_error.setStyleSheet("color: #a01020;")
        self.custom_error.hide()
        self.custom_box = QWidget()
        custom = QHBoxLayout(self.custom_box)
        custom.setContentsMargins(0, 0, 0, 0)
        custom.addWidget(QLabel("From"))
        custom.addWidget(self.first_day)
        custom.addWidget(QLabel("to"))
        custom.addWidget(self.last_day)
        self.apply_custom = QPushButton("Show")
        custom.addWidget(self.apply_custom)
        custom.addWidget(self.custom_error)
        self.custom_box.hide()

        self.granularity = QComboBox()
        self.granularity.setToolTip("How long each point or bar is")
        self.granularity.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.granularity.setMinimumContentsLength(12)  # "Auto (15 min)"
        self.granularity.addItem("Auto", AUTO)
        for g in GRANULARITY_ORDER:
            self.granularity.addItem(g.label, g.value)
        self.comparison = QComboBox()
        for c in Comparison:
            self.comparison.addItem(c.label, c.value)
        self.comparison.setCurrentIndex(self.comparison.findData(Comparison.PREVIOUS.value))
        self.comparison.setToolTip(
            "Previous period: as long, just before. Same period last year: 52 weeks earlier (same weekdays)."
        )
        self.forecast = QComboBox()
        for days, label in FORECAST_CHOICES:
            self.forecast.addItem(label, days)
        self.forecast.setCurrentIndex(1)
        self.forecast.setToolTip("Predicted traffic for the rest of today and the coming days")
        self.store_hours = QCheckBox("Store hours only")
        self.store_hours.setChecked(True)
        self.bars = QCheckBox("Bars")
        self.bars.setToolTip("Bars instead of lines (up to a few thousand intervals)")
        self.export = QToolButton()
        self.export.setText("Export")
        self.export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export)
        self.export_png = menu.addAction("Chart as PNG…")
        self.export_csv = menu.addAction("Data as CSV…")
        self.export.setMenu(menu)
        self.back = QPushButton("← Back to region")
        self.back.hide()

        what = QHBoxLayout()
        what.addWidget(title)
        what.addSpacing(10)
        what.addWidget(self.scope)
        what.addWidget(self.range)
        what.addWidget(self.granularity)
        what.addStretch(1)
        how = QHBoxLayout()
        how.addWidget(self.comparison)
        how.addWidget(self.forecast)
        how.addWidget(self.store_hours)
        how.addWidget(self.bars)
        how.addStretch(1)
        how.addWidget(self.back)
        how.addWidget(self.export)
        # Two lines of controls when a narrow window has no room for one (the choosers
        # were squeezed to "Store: Cas", "Last 7 day"... at the window's minimum width).
        head = self._head = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        head.addLayout(what)
        head.addLayout(how, 1)
        self._head_rows = (what, how)

        self.caption = QLabel()
        self.caption.setObjectName("TrafficCaption")
        self.caption.setStyleSheet("color: #333;")
        self.total = Figure("Total in")
        self.change = Figure("Change")
        self.peak = Figure("Busiest hour")
        self.today = Figure("Today so far")
        figures = QHBoxLayout()
        for fig in (self.total, self.change, self.peak, self.today):
            figures.addWidget(fig, 1)
        self.note = QLabel()
        self.note.setObjectName("TrafficNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")

        self.chart = TrafficChart()
        self.intraday = IntradayChart()
        self.intraday.setMinimumHeight(150)
        self.intraday.setMaximumHeight(190)
        self.intraday.hide()
        store_page = QWidget()
        store_box = QVBoxLayout(store_page)
        store_box.setContentsMargins(0, 0, 0, 0)
        store_box.addWidget(self.chart, 1)
        store_box.addWidget(self.intraday)
        self.region = RegionView()
        self.pages = QStackedWidget()
        self.pages.addWidget(store_page)
        self.pages.addWidget(self.region)

        box = QVBoxLayout(self)
        box.addLayout(head)
        box.addWidget(self.custom_box)
        box.addWidget(self.caption)
        box.addLayout(figures)
        box.addWidget(self.note)
        box.addWidget(self.pages, 1)

        for combo in (self.scope, self.range, self.granularity, self.comparison, self.forecast):
            combo.currentIndexChanged.connect(self._changed)
        self.store_hours.toggled.connect(self._changed)
        self.apply_custom.clicked.connect(self.query_changed)
        self.bars.toggled.connect(self.bars_toggled)
        self.export_png.triggered.connect(self.export_png_requested)
        self.export_csv.triggered.connect(self.export_csv_requested)
        self.back.clicked.connect(self.back_requested)

    def _changed(self, *_args: object) -> None:
        custom = self.range.currentData() == RangePreset.CUSTOM.value
        self.custom_box.setVisible(custom)
        if custom:
            return  # the user picks the days, then Show
        self.query_changed.emit()

    # ------------------------------------------------------------ lifecycle

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        layout = self.layout()
        margins = layout.contentsMargins() if layout is not None else self.contentsMargins()
        room = event.size().width() - margins.left() - margins.right()
        what, how = self._head_rows
        one_line = what.minimumSize().width() + how.minimumSize().width() + self._head.spacing()
        direction = QBoxLayout.Direction.LeftToRight if room >= one_line else QBoxLayout.Direction.TopToBottom
        if self._head.direction() != direction:
            self._head.setDirection(direction)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.visibility_changed.emit(True)

    def activate(self) -> None:
        self.visibility_changed.emit(True)

    def deactivate(self) -> None:
        self.visibility_changed.emit(False)

    def shutdown(self) -> None:
        self.shutdown_requested.emit()

    def refresh(self) -> None:
        """F5: read the shown query again."""
        self.refresh_requested.emit()

    # ------------------------------------------------------------ reading the controls

    def scope_key(self) -> str:
        return str(self.scope.currentData())

    def preset(self) -> RangePreset:
        return RangePreset(self.range.currentData())

    def chosen_granularity(self) -> Granularity | None:
        value = self.granularity.currentData()
        return None if value == AUTO else Granularity(value)

    def chosen_comparison(self) -> Comparison:
        return Comparison(self.comparison.currentData())

    def forecast_days(self) -> int:
        return int(self.forecast.currentData())

    def custom_days(self) -> tuple[date, date]:
        return self.first_day.date().toPython(), self.last_day.date().toPython()  # type: ignore[return-value]

    def set_custom_days(self, first: date, last: date) -> None:
        self.first_day.setDate(QDate(first.year, first.month, first.day))
        self.last_day.setDate(QDate(last.year, last.month, last.day))

    def show_custom_error(self, text: str) -> None:
        self.custom_error.setText(text)
        self.custom_error.setVisible(bool(text))

    def set_regions(self, regions: list[tuple[str, str]], selected_name: str) -> None:
        keep = self.scope.currentData()
        self.scope.blockSignals(True)
        self.scope.clear()
        self.scope.addItem(f"Store: {selected_name}" if selected_name else "Selected store", SELECTED_STORE)
        for uuid, name in regions:
            self.scope.addItem(f"Region: {name}", uuid)
        self.scope.setCurrentIndex(max(self.scope.findData(keep), 0))
        self.scope.blockSignals(False)

    def set_selected_name(self, name: str) -> None:
        self.scope.setItemText(0, f"Store: {name}" if name else "Selected store")

    def choose(self, combo: QComboBox, data: object) -> None:
        """Set a control without asking for a load (the controller loads once after)."""
        combo.blockSignals(True)
        combo.setCurrentIndex(max(combo.findData(data), 0))
        combo.blockSignals(False)
        self.custom_box.setVisible(self.range.currentData() == RangePreset.CUSTOM.value)

    def set_auto_label(self, granularity: Granularity | None) -> None:
        self.granularity.setItemText(0, f"Auto ({granularity.label.lower()})" if granularity else "Auto")

    def set_captions(self, *, region: bool) -> None:
        self.peak.caption.setText("Most traffic" if region else "Busiest hour")
        self.today.caption.setText("Incomplete data" if region else "Today so far")

    def show_page(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        self.bars.setEnabled(page == STORE_PAGE)


def create_pane(ctx, *, service=None, choose_path=None, parent: QWidget | None = None) -> TrafficPane:
    """The shell's factory: the view with its controller (`pane.controller`).
    kwargs (tests): service (a TrafficService), choose_path (async file question)."""
    from storeops.ui.traffic.controller import TrafficController

    view = TrafficPane(parent)
    view.controller = TrafficController(view, ctx, service=service, choose_path=choose_path)
    return view


async def prepare_screenshot(widget: TrafficPane, timeout: float = 25.0) -> None:
    """The demo's picture: the last 7 days by hour with the previous week under them and
    a week of predicted traffic, for a busy store."""
    controller = widget.controller
    await controller.show_demo_week()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline and (controller.loading or widget.chart.result is None):
        if widget.chart.message_text() and not controller.loading:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)
    if widget.chart.result is not None:
        controller.hover_demo_point()
