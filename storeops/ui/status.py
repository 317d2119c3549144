"""The status bar: where the data comes from, the last error, what runs in the
background."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from storeops.ui import icons
from storeops.ui.context import StatusReporter

STATE_COLORS = {
    "connecting": "#9aa5b1",
    "connected": "#12b76a",
    "demo": "#f79009",
    "offline": "#d92d20",
    "error": "#d92d20",
}
INFO_MS = 6000


class StatusBar(QStatusBar):
    def __init__(self, reporter: StatusReporter, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("StatusBar")
        self.setSizeGripEnabled(False)

        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(6, 0, 6, 0)
        row.setSpacing(6)
        self.light = QLabel(box)
        self.connection = QLabel("Starting…", box)
        self.connection.setObjectName("ConnectionState")
        row.addWidget(self.light)
        row.addWidget(self.connection)
        self.addWidget(box)

        self.last_error = QLabel("", self)
        self.last_error.setObjectName("LastError")
        self.last_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.addWidget(self.last_error, 1)
        self.clear_button = QToolButton(self)
        self.clear_button.setText("✕")
        self.clear_button.setToolTip("Dismiss this error")
        self.clear_button.setAutoRaise(True)
        self.clear_button.hide()
        self.clear_button.clicked.connect(reporter.clear_error)
        self.addWidget(self.clear_button)

        self.activity_label = QLabel("", self)
        self.activity_label.setObjectName("Activity")
        self.spinner = QProgressBar(self)
        self.spinner.setRange(0, 0)  # indeterminate
        self.spinner.setFixedSize(80, 12)
        self.spinner.setTextVisible(False)
        self.spinner.hide()
        self.addPermanentWidget(self.activity_label)
        self.addPermanentWidget(self.spinner)

        self.state = "connecting"
        self.set_connection("connecting", "Starting…")
        reporter.error_reported.connect(self.show_error)
        reporter.info_reported.connect(lambda msg: self.showMessage(msg, INFO_MS))
        reporter.activity_changed.connect(self.show_activity)

    def set_connection(self, state: str, text: str) -> None:
        self.state = state
        self.light.setPixmap(icons.dot(STATE_COLORS.get(state, "#9aa5b1")))
        self.connection.setText(text)

    def show_error(self, message: str) -> None:
        self.last_error.setText(f"⚠ {message}" if message else "")
        self.last_error.setToolTip(message)
        self.clear_button.setVisible(bool(message))

    def show_activity(self, running: list[str]) -> None:
        if running:
            extra = f" (+{len(running) - 1})" if len(running) > 1 else ""
            self.activity_label.setText(f"{running[-1]}…{extra}")
        else:
            self.activity_label.setText("")
        self.spinner.setVisible(bool(running))
