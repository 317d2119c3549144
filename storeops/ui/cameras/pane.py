"""The Cameras pane's view: the counting check's findings on top, then the inventory
in tabs (cameras, channels, appliances, counts per store) over the health alerts,
which stay in sight whatever tab is open. Filters by store and text; every column
sorts. It only lays out and reports what the user does: `CamerasController`
(controller.py) reads the inventory, runs the check and opens channels in live view.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from storeops.api.models import Location
from storeops.services.cameras import (
    AlertRow,
    ApplianceRow,
    CameraRow,
    ChannelRow,
    Inventory,
    StoreCounts,
)
from storeops.services.counting_check import CountingReport, FindingKind
from storeops.ui.cameras.models import (
    ALERT_COLUMNS,
    APPLIANCE_COLUMNS,
    CAMERA_COLUMNS,
    CHANNEL_COLUMNS,
    ROW_ROLE,
    Column,
    InventoryFilter,
    RowTableModel,
    alert_highlight,
    camera_highlight,
    channel_highlight,
)

if TYPE_CHECKING:
    from storeops.ui.cameras.controller import CamerasController

SELECTED_STORE = "__selected__"
ALL_STORES = "__all__"

COUNT_COLUMNS: tuple[Column[StoreCounts], ...] = (
    Column("Store", lambda s: s.store_name),
    Column("Cameras", lambda s: str(s.cameras), sort=lambda s: s.cameras, align_right=True),
    Column("Offline", lambda s: str(s.offline) if s.offline else "—", sort=lambda s: s.offline, align_right=True),
    Column("Channels", lambda s: str(s.channels), sort=lambda s: s.channels, align_right=True),
    Column(
        "Not recording",
        lambda s: str(s.not_recording) if s.not_recording else "—",
        sort=lambda s: s.not_recording,
        align_right=True,
    ),
    Column("Appliances", lambda s: str(s.appliances), sort=lambda s: s.appliances, align_right=True),
    Column(
        "Open alerts",
        lambda s: str(s.open_alerts) if s.open_alerts else "—",
        sort=lambda s: s.open_alerts,
        align_right=True,
    ),
)

_BOX = "QFrame#{name} {{ background: {bg}; border: 1px solid {border}; border-radius: 6px; }}"
_FINDINGS_STYLES = {
    "problem": _BOX.format(name="CountingCheck", bg="#fff1f0", border="#e0a3a0"),
    "ok": _BOX.format(name="CountingCheck", bg="#eef8f0", border="#9fd3ad"),
    "neutral": _BOX.format(name="CountingCheck", bg="#f3f4f6", border="#d1d5db"),
}


def _count(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(False)  # the highlight colours must read as such
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    return table


class Table:
    """A view, its proxy and its model, set up together."""

    def __init__(self, name: str, model: RowTableModel[Any]) -> None:
        self.model = model
        self.proxy = InventoryFilter()
        self.proxy.setSourceModel(model)
        self.view = _table(name)
        self.view.setModel(self.proxy)

    def visible_rows(self) -> list[Any]:
        return [self.proxy.index(r, 0).data(ROW_ROLE) for r in range(self.proxy.rowCount())]

    def fit_columns(self) -> None:
        """Fit the columns to what is read (all stores, whatever the filter shows)."""
        header = self.view.horizontalHeader()
        metrics = self.view.fontMetrics()
        model = self.model
        for section in range(model.columnCount()):
            texts = [str(model.headerData(section, Qt.Orientation.Horizontal))]
            texts += [str(model.index(r, section).data() or "") for r in range(min(model.rowCount(), 500))]
            width = max(metrics.horizontalAdvance(t) for t in texts) + 24
            header.resizeSection(section, min(width, 320))


class CamerasPane(QWidget):
    # Attached by create_pane: the view lays out, the controller behaves.
    controller: CamerasController

    refresh_requested = Signal()
    scope_changed = Signal()
    channel_activated = Signal(object)  # ChannelRow, double-clicked (or Enter)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CamerasPane")

        title = QLabel("Cameras")
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        self.scope = QComboBox()
        self.scope.setObjectName("CamerasScope")
        self.scope.setToolTip("Which stores to show")
        # As wide as its longest choice: "Selected store (London Covent Garden)" reads whole.
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scope.currentIndexChanged.connect(lambda _i: self.scope_changed.emit())
        self.search = QLineEdit()
        self.search.setObjectName("CamerasSearch")
        self.search.setPlaceholderText("Filter: name, model, store…")
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(260)
        self.search.textChanged.connect(self._text_changed)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the inventory again and re-run the counting check (F5)")
        self.refresh_button.clicked.connect(self.refresh_requested.emit)
        self.read_at = QLabel("")
        self.read_at.setStyleSheet("color: #6b7280;")

        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(16)
        top.addWidget(QLabel("Stores:"))
        top.addWidget(self.scope)
        top.addWidget(self.search)
        top.addStretch(1)
        top.addWidget(self.read_at)
        top.addWidget(self.refresh_button)

        # The counting check: what a store manager must act on, first and in words.
        self.findings_box = QFrame()
        self.findings_box.setObjectName("CountingCheck")
        self.findings_title = QLabel("Counting check")
        self.findings_title.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.findings = QLabel("Checking that every open store counts its visitors…")
        self.findings.setObjectName("CountingFindings")
        self.findings.setWordWrap(True)
        self.findings.setTextFormat(Qt.TextFormat.RichText)
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box = QVBoxLayout(self.findings_box)
        box.setContentsMargins(12, 8, 12, 8)
        box.addWidget(self.findings_title)
        box.addWidget(self.findings)
        self._style_findings("neutral")

        self.message = QLabel("")
        self.message.setObjectName("CamerasMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #9b1c1c;")
        self.message.hide()

        self.summary = QLabel("")
        self.summary.setObjectName("CamerasSummary")

        self.cameras = Table("CamerasTable", RowTableModel(CAMERA_COLUMNS, lambda c: c.store_uuid, camera_highlight))
        self.channels = Table(
            "ChannelsTable", RowTableModel(CHANNEL_COLUMNS, lambda c: c.store_uuid, channel_highlight)
        )
        self.channels.view.setToolTip("Double-click a channel to watch it in Live video")
        self.channels.view.doubleClicked.connect(self._channel_clicked)
        # Enter opens the current channel too. Not the view's `activated`: it also fires
        # on a double click (twice the request), and on one click under some styles.
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), self.channels.view)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(lambda: self._channel_clicked(self.channels.view.currentIndex()))
        self.appliances = Table("AppliancesTable", RowTableModel(APPLIANCE_COLUMNS, lambda a: a.store_uuid))
        self.counts = Table("CountsTable", RowTableModel(COUNT_COLUMNS, lambda s: s.store_uuid))
        self.alerts = Table("AlertsTable", RowTableModel(ALERT_COLUMNS, lambda a: a.store_uuid, alert_highlight))
        self.tables = (self.cameras, self.channels, self.appliances, self.counts, self.alerts)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("CamerasTabs")
        self.tabs.addTab(self.cameras.view, "Cameras")
        self.tabs.addTab(self.channels.view, "Video channels")
        self.tabs.addTab(self.appliances.view, "Appliances")
        self.tabs.addTab(self.counts.view, "Per store")

        alerts_panel = QWidget()
        alerts_layout = QVBoxLayout(alerts_panel)
        alerts_layout.setContentsMargins(0, 4, 0, 0)
        self.alerts_title = QLabel("Health alerts")
        self.alerts_title.setStyleSheet("font-weight: 600;")
        alerts_layout.addWidget(self.alerts_title)
        alerts_layout.addWidget(self.alerts.view)

        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.tabs)
        self.split.addWidget(alerts_panel)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addWidget(self.findings_box)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.split, 1)

        # Sensible first orders: the longest silence first, open alerts first.
        self.cameras.view.sortByColumn(5, Qt.SortOrder.AscendingOrder)
        self.channels.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.appliances.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.counts.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.alerts.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self._fitted = False

    # ------------------------------------------------------------ pane contract
    def activate(self) -> None:
        self.controller.activate()

    def deactivate(self) -> None:
        self.controller.deactivate()

    def shutdown(self) -> None:
        self.controller.shutdown()

    async def refresh(self) -> None:
        """F5: read everything again."""
        await self.controller.reload()

    # ------------------------------------------------------------ scope
    def set_store_choices(self, stores: Sequence[Location], selected: Location | None) -> None:
        """'Selected store (name)', 'All stores', then every store; keeps the choice."""
        keep = self.scope.currentData()
        self.scope.blockSignals(True)
        self.scope.clear()
        self.scope.addItem(f"Selected store ({selected.name})" if selected else "Selected store", SELECTED_STORE)
        self.scope.addItem("All stores", ALL_STORES)
        for store in stores:
            self.scope.addItem(store.name, store.uuid)
        index = self.scope.findData(keep) if keep is not None else 0
        self.scope.setCurrentIndex(max(index, 0))
        self.scope.blockSignals(False)

    def scope_choice(self) -> str:
        return str(self.scope.currentData() or SELECTED_STORE)

    def choose_scope(self, key: str) -> None:
        index = self.scope.findData(key)
        if index >= 0:
            self.scope.setCurrentIndex(index)

    def set_store_filter(self, stores: frozenset[str] | None) -> None:
        for table in self.tables:
            table.proxy.set_stores(stores)
        self._update_titles()

    def _text_changed(self, text: str) -> None:
        for table in self.tables:
            table.proxy.set_text(text)
        self._update_titles()

    # ------------------------------------------------------------ content
    def show_inventory(self, inventory: Inventory) -> None:
        self.cameras.model.set_rows(inventory.cameras)
        self.channels.model.set_rows(inventory.channels)
        self.appliances.model.set_rows(inventory.appliances)
        self.counts.model.set_rows(inventory.counts())
        self.alerts.model.set_rows(inventory.alerts)
        self.read_at.setText(f"Read {inventory.read_at.astimezone():%H:%M}")
        if not self._fitted:
            for table in self.tables:
                table.fit_columns()
            self._fitted = True
        self._update_titles()

    def _update_titles(self) -> None:
        cameras: list[CameraRow] = self.cameras.visible_rows()
        channels: list[ChannelRow] = self.channels.visible_rows()
        appliances: list[ApplianceRow] = self.appliances.visible_rows()
        alerts: list[AlertRow] = self.alerts.visible_rows()
        offline = sum(1 for c in cameras if not c.online)
        self.tabs.setTabText(0, f"Cameras ({len(cameras)}{f', {offline} offline' if offline else ''})")
        self.tabs.setTabText(1, f"Video channels ({len(channels)})")
        self.tabs.setTabText(2, f"Appliances ({len(appliances)})")
        self.tabs.setTabText(3, f"Per store ({self.counts.proxy.rowCount()})")
        open_alerts = sum(1 for a in alerts if a.open)
        self.alerts_title.setText(
            f"Health alerts — {open_alerts} open, {len(alerts) - open_alerts} resolved (last 30 days)"
        )
        not_recording = sum(1 for c in channels if not c.recording)
        parts = [_count(len(cameras), "camera"), f"{offline} offline" if offline else "all online"]
        parts.append(
            _count(len(channels), "video channel") + (f" ({not_recording} not recording)" if not_recording else "")
        )
        parts.append(_count(len(appliances), "appliance"))
        parts.append(_count(open_alerts, "open alert"))
        text = " · ".join(parts)
        self.summary.setText(f"<b>{html.escape(text)}</b>" if offline or open_alerts else html.escape(text))

    def show_report(self, report: CountingReport) -> None:
        if report.findings:
            items = []
            for finding in report.findings:
                # Words, not glyphs: the fonts of a store PC may lack the symbols.
                label = "Not counting" if finding.kind is FindingKind.NOT_COUNTING else "Counter offline"
                items.append(
                    f"<p style='margin:2px 0'><span style='color:#9b1c1c'><b>{label}</b></span> — "
                    f"<b>{html.escape(finding.headline)}.</b><br>"
                    f"<span style='color:#4b5563'>{html.escape(finding.advice)}</span></p>"
                )
            self.findings.setText("".join(items))
            self._style_findings("problem")
        else:
            self.findings.setText(html.escape(report.summary))
            self._style_findings("ok" if report.checked else "neutral")
        self.findings_title.setText(report.summary if report.findings else "Counting check")

    def show_check_failed(self, text: str) -> None:
        self.findings.setText(html.escape(text))
        self._style_findings("neutral")
        self.findings_title.setText("Counting check")

    def _style_findings(self, kind: str) -> None:
        self.findings_box.setStyleSheet(_FINDINGS_STYLES[kind])
        self.findings_box.setProperty("state", kind)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_loading(self, loading: bool) -> None:
        self.refresh_button.setEnabled(not loading)
        self.refresh_button.setText("Reading…" if loading else "Refresh")

    def _channel_clicked(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if isinstance(row, ChannelRow):
            self.channel_activated.emit(row)


def create_pane(ctx: Any, *, service: Any = None, parent: QWidget | None = None) -> CamerasPane:
    """The shell's factory: the view with its controller (`pane.controller`).
    `service`: a CamerasService of the test's own (default: ctx.services.cameras)."""
    from storeops.ui.cameras.controller import CamerasController

    view = CamerasPane(parent)
    view.controller = CamerasController(view, ctx, service=service)
    return view


async def prepare_screenshot(widget: CamerasPane, timeout: float = 20.0) -> None:
    """Read the inventory and the check, then show every store with the offline
    camera first (the default sort) and the open alerts below."""
    controller = widget.controller
    widget.choose_scope(ALL_STORES)
    if controller.inventory is None or controller.report is None:
        await asyncio.wait_for(controller.reload(), timeout)
    widget.tabs.setCurrentIndex(0)
    await asyncio.sleep(0.05)
