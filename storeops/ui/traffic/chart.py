"""The traffic chart: in and out as lines or bars, the comparison period under them,
predicted traffic dashed after the last counted interval, incomplete and imputed
intervals shaded, a hover crosshair with exact values in store-local time, wheel zoom
and drag pan along the time axis. Only paints: the controller hands it results.

Every curve is made once and fed with setData; big series are clipped to the view and
downsampled (peak), so a year of 15-minute data pans as smoothly as a day. Times are
store-local "wall seconds" (storeops/services/traffic_series.py), labelled as UTC so
the axis reads the store's own clock.
"""

from __future__ import annotations

import html
from datetime import timedelta

import numpy as np
import pyqtgraph as pg  # type: ignore[import-untyped]
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from storeops.services.traffic import StoreTraffic
from storeops.services.traffic_series import (
    IMPUTED,
    INCOMPLETE,
    VALIDITY_WORDS,
    Intraday,
    Series,
    wall_seconds,
    wall_time,
)

IN_COLOR = "#1f5fbf"
OUT_COLOR = "#2a9d8f"
COMPARISON_COLOR = "#7d8792"
FORECAST_COLOR = "#8e44ad"
INCOMPLETE_BRUSH = (230, 57, 70, 45)
IMPUTED_BRUSH = (244, 162, 97, 55)
#: Above this many intervals in view, the traffic-in line is drawn 1 pixel wide.
DENSE_INTERVALS = 600
#: Above this many intervals bars turn into lines: a bar narrower than a pixel says nothing.
MAX_BARS = 4000


def connections(series: Series) -> np.ndarray:
    """A line joins two intervals only when one ends where the next starts: closed
    hours and nights stay gaps, not slopes."""
    if len(series) < 2:
        return np.ones(len(series), dtype=bool)
    joined = np.abs(series.start[1:] - series.end[:-1]) < 1.0
    return np.r_[joined, False]


class StoreTimeAxis(pg.DateAxisItem):
    """Wall seconds read as UTC, so the store's own clock; days carry their weekday."""

    def __init__(self) -> None:
        super().__init__(orientation="bottom", utcOffset=0)

    def tickValues(self, minVal, maxVal, size):
        # A day's name under its middle (noon), not under the midnight that starts it:
        # each day's hump then sits over its own label.
        levels = super().tickValues(minVal, maxVal, size)
        return [
            (spacing, [v + 43200 for v in values]) if 86400 <= spacing < 28 * 86400 else (spacing, values)
            for spacing, values in levels
        ]

    def tickStrings(self, values, scale, spacing):
        if 86400 <= spacing < 28 * 86400:
            return [f"{wall_time(v):%a %d}" for v in values]
        return super().tickStrings(values, scale, spacing)


def _curve(
    color: str, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine, name: str = ""
) -> pg.PlotDataItem:
    return pg.PlotDataItem(pen=pg.mkPen(color, width=width, style=style), name=name or None)


def _fast(curve: pg.PlotDataItem) -> None:
    """Clip to the view and downsample by peaks: a year pans like a day. Set after
    PlotItem.addItem, which would put back its own (off) settings; two points per
    pixel column (peak keeps each column's low and high) are as many as can show."""
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    curve.opts["autoDownsampleFactor"] = 1.0


def _midpoints(series: Series) -> np.ndarray:
    return (series.start + series.end) / 2.0


class TrafficChart(QWidget):
    """`hovered(str)` carries the hover text (empty when the pointer leaves)."""

    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.result: StoreTraffic | None = None
        self.bars = False
        self.plot = pg.PlotWidget(axisItems={"bottom": StoreTimeAxis()}, background="w")
        self.plot.setObjectName("TrafficPlot")
        item = self.plot.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.25)
        item.setLabel("left", "Visitors")
        item.setMenuEnabled(False)
        item.hideButtons()
        view = item.getViewBox()
        # Time is the axis to explore; the counts follow what is in view.
        view.setMouseEnabled(x=True, y=False)
        view.enableAutoRange(axis="y")
        view.setAutoVisible(y=True)
        view.setLimits(yMin=0)
        for name in ("left", "bottom"):
            item.getAxis(name).setTextPen("#333")
            item.getAxis(name).setPen("#999")
        # One row along the top, clear of the data (a corner legend hides a day).
        self.legend = item.addLegend(offset=(60, 1), labelTextColor="#222", colCount=6)

        # Made once; every result only feeds them.
        self.incomplete = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[], brush=INCOMPLETE_BRUSH, pen=None)
        self.imputed = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[], brush=IMPUTED_BRUSH, pen=None)
        self.incomplete.setToolTip(f"Incomplete: {VALIDITY_WORDS[INCOMPLETE]} — left out of the totals")
        self.imputed.setToolTip(f"Imputed: {VALIDITY_WORDS[IMPUTED]} — left out of the totals")
        # Whole-pixel pens: Qt strokes fractional and wide lines far slower (measured:
        # a pan of a year went from ~30 to ~260 ms on a loaded machine with 2.2/1.4/1.6).
        self.comparison = _curve(COMPARISON_COLOR, 1, name="Comparison")
        self.in_bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=IN_COLOR, pen=None)
        self.out_bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=OUT_COLOR, pen=None)
        self.traffic_in = _curve(IN_COLOR, 2, name="In")
        self.traffic_out = _curve(OUT_COLOR, 1, name="Out")
        self.forecast = _curve(FORECAST_COLOR, 2, Qt.PenStyle.DashLine, name="Predicted")
        self.now_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#555", width=1, style=Qt.PenStyle.DotLine))
        self.now_line.setZValue(5)
        self.crosshair = pg.InfiniteLine(angle=90, pen=pg.mkPen("#444", width=1))
        self.crosshair.setZValue(10)
        self.crosshair.hide()
        for it in (self.incomplete, self.imputed):
            it.setZValue(-10)
            item.addItem(it)
        for it in (self.comparison, self.in_bars, self.out_bars, self.traffic_in, self.traffic_out, self.forecast):
            item.addItem(it)
        for curve in (self.comparison, self.traffic_in, self.traffic_out, self.forecast):
            _fast(curve)
        item.addItem(self.now_line, ignoreBounds=True)
        item.addItem(self.crosshair, ignoreBounds=True)
        self._shade_legend()

        self.hover = QLabel(self.plot)
        self.hover.setObjectName("TrafficHover")
        self.hover.setTextFormat(Qt.TextFormat.RichText)
        self.hover.setStyleSheet(
            "background: rgba(255,255,255,235); color: #111; border: 1px solid #bbb; border-radius: 4px; padding: 5px;"
        )
        self.hover.hide()
        self.message = QLabel(self.plot)
        self.message.setObjectName("TrafficMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.hide()

        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.plot)
        self._proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=60, slot=self._mouse_moved)
        self._in_width = 2
        view.sigXRangeChanged.connect(self._fit_pen)
        self.plot.viewport().installEventFilter(self)

    def _shade_legend(self) -> None:
        # Legend entries for the shading: a swatch each, as the curves have.
        for brush, label in ((INCOMPLETE_BRUSH, "Incomplete data"), (IMPUTED_BRUSH, "Imputed data")):
            swatch = pg.BarGraphItem(x0=[], x1=[], height=[], brush=brush, pen=pg.mkPen(QColor(*brush[:3]), width=1))
            self.legend.addItem(swatch, label)

    # ------------------------------------------------------------ states

    def show_message(self, text: str, *, error: bool = False) -> None:
        """Over the chart, never an empty plot: loading, a failure, no data."""
        colour = "#7a1020" if error else "#333"
        background = "#fde8ea" if error else "#f2f4f7"
        self.message.setStyleSheet(
            f"background: {background}; color: {colour}; border: 1px solid #d0d4da; border-radius: 6px;"
            " padding: 14px; font-size: 14px;"
        )
        self.message.setText(text)
        self.message.show()
        self.message.raise_()
        self._place_message()

    def hide_message(self) -> None:
        self.message.hide()

    def message_text(self) -> str:
        return "" if self.message.isHidden() else self.message.text()

    def clear(self) -> None:
        self.result = None
        empty = np.zeros(0)
        for curve in (self.traffic_in, self.traffic_out, self.comparison, self.forecast):
            curve.setData(empty, empty)
        for bars in (self.in_bars, self.out_bars):
            bars.setOpts(x0=empty, x1=empty, height=empty)
        for shade in (self.incomplete, self.imputed):
            shade.setOpts(x0=empty, x1=empty, y0=empty, y1=empty)
        self.now_line.hide()
        self.crosshair.hide()
        self.hover.hide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_message()

    def _place_message(self) -> None:
        width = min(560, max(200, self.plot.width() - 60))
        self.message.setFixedWidth(width)
        self.message.adjustSize()
        self.message.move((self.plot.width() - width) // 2, max(10, (self.plot.height() - self.message.height()) // 2))

    # ------------------------------------------------------------ data

    def set_bars(self, bars: bool) -> None:
        self.bars = bars
        if self.result is not None:
            self.show_result(self.result)

    def _fit_pen(self, *_args: object) -> None:
        """A bold line where the intervals in view are few, a thin one where they are
        many: past a few hundred the line is a dense band anyway, and Qt strokes a
        2-pixel line about twice as slowly (a year's pan: ~70 ms against ~30 ms)."""
        r = self.result
        if r is None:
            return
        (x0, x1), _ = self.plot.getPlotItem().getViewBox().viewRange()
        s = r.series.start
        visible = int(np.searchsorted(s, x1) - np.searchsorted(s, x0))
        width = 2 if visible <= DENSE_INTERVALS else 1
        if width != self._in_width:
            self._in_width = width
            self.traffic_in.setPen(pg.mkPen(IN_COLOR, width=width))

    def show_result(self, result: StoreTraffic) -> None:
        self.result = result
        self.hide_message()
        s = result.series
        bars = self.bars and len(s) <= MAX_BARS
        empty = np.zeros(0)
        if bars:
            width = s.end - s.start
            self.in_bars.setOpts(x0=s.start + width * 0.08, x1=s.start + width * 0.5, height=s.ins)
            self.out_bars.setOpts(x0=s.start + width * 0.5, x1=s.start + width * 0.92, height=s.outs)
            self.traffic_in.setData(empty, empty)
            self.traffic_out.setData(empty, empty)
        else:
            self.in_bars.setOpts(x0=empty, x1=empty, height=empty)
            self.out_bars.setOpts(x0=empty, x1=empty, height=empty)
            x = _midpoints(s)
            joins = connections(s)
            self.traffic_in.setData(x, s.ins, connect=joins)
            self.traffic_out.setData(x, s.outs, connect=joins)
        cmp = result.comparison
        if cmp is not None and len(cmp):
            self.comparison.setData(_midpoints(cmp), cmp.ins, connect=connections(cmp))
            self.legend.getLabel(self.comparison).setText(_comparison_name(result))
        else:
            self.comparison.setData(empty, empty)
        f = result.forecast
        if len(f):
            self.forecast.setData(_midpoints(f), f.ins, connect=connections(f))
        else:
            self.forecast.setData(empty, empty)
        self._shade(s)
        now_x = wall_seconds(result.now_local)
        last = float(max(s.end.max() if len(s) else 0.0, f.end.max() if len(f) else 0.0))
        first = wall_seconds(result.period.start)
        self.now_line.setPos(now_x)
        self.now_line.setVisible(first <= now_x <= max(last, wall_seconds(result.period.end)))
        high = max(last, wall_seconds(result.period.end) if not len(f) else last)
        self.plot.getPlotItem().getViewBox().setLimits(xMin=first - 86400, xMax=high + 86400)
        self.plot.setXRange(first, high, padding=0.01)
        self._fit_pen()
        if not len(s) and not len(f):
            self.show_message("No traffic was counted in this range (the store may have been closed).")

    def _shade(self, s: Series) -> None:
        top = float(max(s.ins.max() if len(s) else 0.0, s.outs.max() if len(s) else 0.0, 1.0)) * 1.15
        for shade, code in ((self.incomplete, INCOMPLETE), (self.imputed, IMPUTED)):
            mask = s.validity == code
            n = int(mask.sum())
            shade.setOpts(x0=s.start[mask], x1=s.end[mask], y0=np.zeros(n), y1=np.full(n, top))

    def shaded(self) -> dict[str, int]:
        """How many intervals each shading covers (tests, the summary)."""
        return {
            "incomplete": len(self.incomplete.opts.get("x0", ())),
            "imputed": len(self.imputed.opts.get("x0", ())),
        }

    # ------------------------------------------------------------ hover

    def _mouse_moved(self, event: tuple[QPointF]) -> None:
        pos = event[0]
        view = self.plot.getPlotItem().getViewBox()
        if self.result is None or not self.plot.sceneBoundingRect().contains(pos):
            self._leave()
            return
        x = view.mapSceneToView(pos).x()
        self.hover_at(x, self.plot.mapFromScene(pos))

    def hover_at(self, x: float, where: QPointF | None = None) -> str:
        """The crosshair at x (wall seconds); returns the text shown."""
        text = self.describe(x)
        if not text:
            self._leave()
            return ""
        self.crosshair.setPos(x)
        self.crosshair.show()
        self.hover.setText(text)
        self.hover.adjustSize()
        px, py = (where.x(), where.y()) if where is not None else (self.plot.width() / 2, 30)
        left = px + 16 if px + 16 + self.hover.width() < self.plot.width() else px - 16 - self.hover.width()
        self.hover.move(int(max(0, left)), int(max(0, min(py + 12, self.plot.height() - self.hover.height()))))
        self.hover.show()
        self.hover.raise_()
        self.hovered.emit(text)
        return text

    def _leave(self) -> None:
        self.crosshair.hide()
        self.hover.hide()
        self.hovered.emit("")

    def eventFilter(self, watched, event) -> bool:
        if watched is self.plot.viewport() and event.type() == event.Type.Leave:
            self._leave()
        return False

    def describe(self, x: float) -> str:
        """Exact values at x in store-local time, naming the interval's validity."""
        r = self.result
        if r is None:
            return ""
        lines: list[str] = []
        s = r.series
        i = s.at(x)
        f = r.forecast.at(x) if len(r.forecast) else None
        if i is None and f is None:
            return ""
        span = s if i is not None else r.forecast
        k = i if i is not None else f
        assert k is not None
        start, end = wall_time(span.start[k]), wall_time(span.end[k])
        zone = html.escape(r.store.time_zone or "UTC")
        lines.append(f"<b>{html.escape(_span_label(start, end, r.granularity.intraday))}</b>")
        lines.append(f"<span style='color:#666'>store time, {zone}</span>")
        if i is not None:
            lines.append(
                f"<span style='color:{IN_COLOR}'>In <b>{s.ins[i]:,.0f}</b></span> · "
                f"<span style='color:{OUT_COLOR}'>Out <b>{s.outs[i]:,.0f}</b></span>"
            )
            if s.end[i] > wall_seconds(r.now_local) > s.start[i]:
                lines.append("<span style='color:#666'>so far: this interval is not over yet</span>")
            code = int(s.validity[i])
            if code in (INCOMPLETE, IMPUTED):
                lines.append(f"<span style='color:#a01020'>⚠ {html.escape(VALIDITY_WORDS[code].capitalize())}</span>")
            cmp = r.comparison
            j = cmp.at(x) if cmp is not None else None
            if cmp is not None and j is not None and r.comparison_original is not None:
                when = wall_time(r.comparison_original.start[j])
                pct = (s.ins[i] - cmp.ins[j]) / cmp.ins[j] * 100.0 if cmp.ins[j] else None
                change = f" ({pct:+.0f} %)" if pct is not None else ""
                lines.append(
                    f"<span style='color:#666'>{html.escape(_comparison_name(r))}, {when:%a %d %b}: "
                    f"{cmp.ins[j]:,.0f} in{change}</span>"
                )
        if f is not None:
            lines.append(f"<span style='color:{FORECAST_COLOR}'>Predicted in <b>{r.forecast.ins[f]:,.0f}</b></span>")
        return "<br>".join(lines)

    # ------------------------------------------------------------ export

    def image(self) -> QImage:
        """The chart as it shows (GUI thread; saving it is the caller's, off it)."""
        return self.grab().toImage()


def _span_label(start, end, intraday: bool) -> str:
    if intraday:
        return f"{start:%a %d %b %Y}, {start:%H:%M}–{end:%H:%M}"
    last = end - timedelta(days=1)
    if last.date() <= start.date():
        return f"{start:%a %d %b %Y}"
    return f"{start:%d %b} – {last:%d %b %Y}"


def _comparison_name(result: StoreTraffic) -> str:
    return result.query.comparison.label


class IntradayChart(QWidget):
    """Today, cumulative: actual so far against the expected line and the band of the
    same weekday in the last weeks. A manager sees at 11:00 that the morning runs under."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems={"bottom": StoreTimeAxis()}, background="w")
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.showGrid(y=True, alpha=0.2)
        item.setLabel("left", "So far")
        self.title = QLabel()
        self.title.setObjectName("IntradayTitle")
        self.title.setWordWrap(True)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.low = pg.PlotDataItem(pen=pg.mkPen((142, 68, 173, 60)))
        self.high = pg.PlotDataItem(pen=pg.mkPen((142, 68, 173, 60)))
        self.band = pg.FillBetweenItem(self.low, self.high, brush=(142, 68, 173, 40))
        self.expected = pg.PlotDataItem(pen=pg.mkPen(FORECAST_COLOR, width=1.6, style=Qt.PenStyle.DashLine))
        self.actual = pg.PlotDataItem(pen=pg.mkPen(IN_COLOR, width=2.4))
        for it in (self.low, self.high, self.band, self.expected, self.actual):
            item.addItem(it)
        for name in ("left", "bottom"):
            item.getAxis(name).setTextPen("#333")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.title)
        box.addWidget(self.plot, 1)

    def show_today(self, today: Intraday, sentence: str) -> None:
        self.title.setText(f"{sentence}. Solid: today; dashed: expected; band: lowest to highest of those days.")
        pct = today.percent
        # Green on or over the forecast, red when running more than 5 % under it.
        colour = "#333" if pct is None else "#1b7a3a" if pct >= -5 else "#a01020"
        self.title.setStyleSheet(f"color: {colour};")
        self.low.setData(today.slots, today.low)
        self.high.setData(today.slots, today.high)
        self.expected.setData(today.slots, today.expected)
        self.actual.setData(today.slots[: len(today.actual)], today.actual)
        self.plot.setXRange(float(today.slots[0]) - 900, float(today.slots[-1]), padding=0.02)
