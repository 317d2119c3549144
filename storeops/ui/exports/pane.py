"""The Exports pane's view: the list of video and custom exports with their status and
download progress, and the actions on the chosen one. It only lays out and reports what
the user does; `ExportsController` (controller.py) polls, downloads and words messages."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from storeops.api.models import ExportState
from storeops.services.exports import DownloadState, ExportEntry, ExportKind
from storeops.ui.exports.model import (
    BUSY,
    DOWNLOAD,
    EXPORT,
    PERIOD,
    PROGRESS_ROLE,
    STATUS,
    ExportsModel,
    ProgressDelegate,
)

if TYPE_CHECKING:
    from storeops.ui.exports.controller import ExportsController


class ElidedLabel(QLabel):
    """One line that gives its width up to the buttons beside it, eliding its middle
    (a long download folder had pushed the buttons over each other)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def full_text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 4, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, self.width()))


BUSY_FRAME_MS = 80
EMPTY_TEXT = (
    "No exports yet. Choose “New export…” to save footage of an incident: pick the cameras and the minutes, "
    "StoreOps asks the server to prepare the file and downloads it when it is ready."
)


class ExportsPane(QWidget):
    controller: ExportsController

    new_export_requested = Signal()
    custom_requested = Signal()
    refresh_requested = Signal()
    folder_requested = Signal()
    download_requested = Signal(str)
    cancel_requested = Signal(str)
    delete_requested = Signal(str)
    show_requested = Signal(str)
    evidence_requested = Signal(str)
    visibility_changed = Signal(bool)
    shutdown_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ExportsPane")
        title = QLabel("Video exports")
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        self.new_button = QPushButton("New export…")
        self.new_button.setToolTip("Export footage of the selected store's cameras")
        self.custom_button = QPushButton("Custom exports…")
        self.custom_button.setToolTip("Reports your subscription prepares for download (v1/downloads)")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Check every export's status now (F5)")
        self.summary = QLabel()
        self.summary.setStyleSheet("color: #5b6470;")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(16)
        head.addWidget(self.new_button)
        head.addWidget(self.custom_button)
        head.addWidget(self.refresh_button)
        head.addStretch(1)
        head.addWidget(self.summary)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff1d1; color: #4a3100; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        self.model = ExportsModel(self)
        self.table = QTableView()
        self.table.setObjectName("ExportsTable")
        self.table.setToolTip("Enter: download (or show the file) · Delete: delete the export")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(DOWNLOAD, ProgressDelegate(self.table))
        self.table.setItemDelegateForColumn(STATUS, ProgressDelegate(self.table))
        # Busy bars move while the server prepares an export (only then: no idle repaints).
        self._busy_timer = QTimer(self)
        self._busy_timer.setInterval(BUSY_FRAME_MS)
        self._busy_timer.timeout.connect(self._repaint_busy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(34)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(EXPORT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PERIOD, QHeaderView.ResizeMode.ResizeToContents)
        # Status and Download share the width with the name: fixed at 300 px each, they
        # left the name a few pixels ("…") in a narrow window.
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DOWNLOAD, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        # Enter or a double-click does the row's obvious thing; Delete asks to delete it.
        self.table.activated.connect(lambda _i: self._activate_row())
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self._delete_key)
        self.model.modelReset.connect(self._show_empty)
        self.model.dataChanged.connect(lambda *_: self.update_actions())
        self.model.dataChanged.connect(lambda *_: self._update_busy())
        self.model.modelReset.connect(self._update_busy)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #5b6470; font-size: 14px; padding: 40px;")

        self.download_button = QPushButton("Download")
        self.cancel_button = QPushButton("Cancel download")
        self.delete_button = QPushButton("Delete…")
        self.show_button = QPushButton("Show in folder")
        self.evidence_button = QPushButton("Evidence pack")
        self.evidence_button.setToolTip(
            "One folder with the video, the store's traffic and occupancy for the same minutes, "
            "and a record of times and file fingerprints (SHA-256)"
        )
        self.folder_label = ElidedLabel()
        self.folder_label.setStyleSheet("color: #5b6470;")
        self.folder_button = QPushButton("Change folder…")
        actions = QHBoxLayout()
        for button, signal in (
            (self.download_button, self.download_requested),
            (self.cancel_button, self.cancel_requested),
            (self.delete_button, self.delete_requested),
            (self.show_button, self.show_requested),
            (self.evidence_button, self.evidence_requested),
        ):
            button.clicked.connect(lambda _c=False, s=signal: self._emit(s))
            actions.addWidget(button)
        actions.addStretch(1)
        folder = QHBoxLayout()
        folder.addWidget(self.folder_label, 1)
        folder.addWidget(self.folder_button)
        # The folder goes under the buttons when a narrow window has no room for it beside
        # them (the buttons were drawn over each other at the window's minimum width).
        self._bottom = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._bottom.addLayout(actions, 1)
        self._bottom.addLayout(folder)
        self._actions_row = actions

        for button in (
            self.new_button,
            self.custom_button,
            self.refresh_button,
            self.download_button,
            self.cancel_button,
            self.delete_button,
            self.show_button,
            self.evidence_button,
            self.folder_button,
        ):
            # Room for the stylesheet's focus padding and the longest label ("Resume download").
            button.setMinimumWidth(button.sizeHint().width() + 16)
        self.download_button.setMinimumWidth(QPushButton("Resume download").sizeHint().width() + 16)
        self.new_button.clicked.connect(self.new_export_requested)
        self.custom_button.clicked.connect(self.custom_requested)
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.folder_button.clicked.connect(self.folder_requested)

        box = self._box = QVBoxLayout(self)
        box.addLayout(head)
        box.addWidget(self.banner)
        box.addWidget(self.table, 1)
        box.addWidget(self.empty, 1)
        box.addLayout(self._bottom)
        self._show_empty()
        self.update_actions()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        margins = self._box.contentsMargins()
        room = event.size().width() - margins.left() - margins.right()
        beside = self._actions_row.minimumSize().width() + 160 + self.folder_button.minimumWidth()
        direction = QBoxLayout.Direction.LeftToRight if room >= beside else QBoxLayout.Direction.TopToBottom
        if self._bottom.direction() != direction:
            self._bottom.setDirection(direction)

    # ------------------------------------------------------------ lifecycle

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.visibility_changed.emit(True)
        self._update_busy()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._busy_timer.stop()
        self.visibility_changed.emit(False)

    def activate(self) -> None:
        self.visibility_changed.emit(True)

    def deactivate(self) -> None:
        self.visibility_changed.emit(False)

    def shutdown(self) -> None:
        self.shutdown_requested.emit()

    def refresh(self) -> None:
        """F5: check every export now."""
        self.refresh_requested.emit()

    # ------------------------------------------------------------ list

    def set_entries(self, entries: list[ExportEntry]) -> None:
        keep = self.selected_id()
        self.model.set_entries(entries)
        self.select(keep or (entries[0].id if entries else None))

    def select(self, entry_id: str | None) -> None:
        row = self.model.row_of(entry_id) if entry_id else None
        if row is None:
            self.table.clearSelection()
        else:
            self.table.selectionModel().select(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        self.update_actions()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        entry = self.model.entry_at(rows[0].row()) if rows else None
        return entry.id if entry else None

    def selected(self) -> ExportEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.entry_at(rows[0].row()) if rows else None

    def _emit(self, signal) -> None:
        entry_id = self.selected_id()
        if entry_id:
            signal.emit(entry_id)

    def _delete_key(self) -> None:
        if self.delete_button.isEnabled():
            self._emit(self.delete_requested)

    def _activate_row(self) -> None:
        if self.download_button.isEnabled():
            self._emit(self.download_requested)
        elif self.show_button.isEnabled():
            self._emit(self.show_requested)

    def _busy_rows(self) -> list[int]:
        return [r for r in range(self.model.rowCount()) if self.model.index(r, STATUS).data(PROGRESS_ROLE) == BUSY]

    def _update_busy(self) -> None:
        if self._busy_rows() and self.isVisible():
            self._busy_timer.start()
        else:
            self._busy_timer.stop()

    def _repaint_busy(self) -> None:
        rows = self._busy_rows()
        if not rows or not self.isVisible():
            self._busy_timer.stop()
            return
        for row in rows:
            self.table.viewport().update(self.table.visualRect(self.model.index(row, STATUS)))

    def _show_empty(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty.setVisible(empty)
        self.table.setVisible(not empty)

    def update_actions(self, downloading: bool | None = None) -> None:
        entry = self.selected()
        running = entry is not None and entry.download is DownloadState.RUNNING
        ready = entry is not None and entry.status is ExportState.READY
        saved = entry is not None and entry.download is DownloadState.DONE
        self.download_button.setEnabled(ready and not running and not saved)
        self.download_button.setText(
            "Resume download" if entry is not None and entry.download is DownloadState.PAUSED else "Download"
        )
        self.cancel_button.setEnabled(running)
        self.delete_button.setEnabled(entry is not None)
        self.show_button.setEnabled(saved)
        self.evidence_button.setEnabled(
            entry is not None and entry.kind is ExportKind.VIDEO and (ready or saved) and not running
        )

    # ------------------------------------------------------------ messages

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def set_folder(self, text: str, tooltip: str) -> None:
        self.folder_label.setText(text)
        self.folder_label.setToolTip(tooltip)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def hide_banner(self) -> None:
        self.banner.hide()


def create_pane(ctx, *, service=None, confirm=None, parent: QWidget | None = None) -> ExportsPane:
    """The shell's factory: the view with its controller (`pane.controller`).
    kwargs (tests): service (an ExportsService), confirm (async question -> bool)."""
    from storeops.ui.exports.controller import ExportsController

    view = ExportsPane(parent)
    view.controller = ExportsController(view, ctx, service=service, confirm=confirm)
    return view


async def prepare_screenshot(widget: ExportsPane, timeout: float = 25.0) -> None:
    """Fill an empty list with the demo's exports (ready and saved, one stopped half-way
    with its bar, one preparing, one the server refused) and wait until they show."""
    await asyncio.wait_for(widget.controller.demo_list(), timeout)
