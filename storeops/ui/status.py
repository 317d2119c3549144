"""The status bar: where the data comes from, the last error, what runs in the
background."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from storeops.services.jobs import Job, JobService
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

        self.job_label = QLabel("", self)
        self.job_label.setObjectName("JobProgress")
        self.job_bar = QProgressBar(self)
        self.job_bar.setFixedSize(120, 12)
        self.job_bar.setTextVisible(False)
        self.job_cancel = QToolButton(self)
        self.job_cancel.setText("Cancel")
        self.job_cancel.setAutoRaise(True)
        self.job_cancel.clicked.connect(self._cancel_job)
        for widget in (self.job_label, self.job_bar, self.job_cancel):
            widget.hide()
            self.addPermanentWidget(widget)
        self._jobs: JobService | None = None
        self._shown_job: Job | None = None

        self.state = "connecting"
        self.set_connection("connecting", "Starting…")
        reporter.error_reported.connect(self.show_error)
        reporter.info_reported.connect(lambda msg: self.showMessage(msg, INFO_MS))
        reporter.activity_changed.connect(self.show_activity)

    def set_connection(self, state: str, text: str) -> None:
        self.state = state
        self.light.setPixmap(icons.dot(STATE_COLORS.get(state, "#9aa5b1")))
        self.connection.setText(text)

    def watch_jobs(self, jobs: JobService) -> None:
        """Show the newest running job (label, progress, Cancel), and how many others run."""
        self._jobs = jobs
        jobs.subscribe(lambda _job: self._show_jobs())

    def _show_jobs(self) -> None:
        running = self._jobs.running() if self._jobs is not None else []
        job = running[-1] if running else None
        self._shown_job = job
        for widget in (self.job_label, self.job_bar, self.job_cancel):
            widget.setVisible(job is not None)
        if job is None:
            return
        fraction = job.fraction
        percent = f" {fraction:.0%}" if fraction is not None else ""
        others = f" (+{len(running) - 1} more)" if len(running) > 1 else ""
        self.job_label.setText(f"{job.label}{percent}{others}")
        self.job_label.setToolTip(job.detail or job.label)
        if fraction is None:
            self.job_bar.setRange(0, 0)  # indeterminate
        else:
            self.job_bar.setRange(0, 1000)
            self.job_bar.setValue(round(fraction * 1000))
        self.job_cancel.setToolTip(f"Cancel: {job.label}")

    def _cancel_job(self) -> None:
        if self._shown_job is not None:
            self._shown_job.cancel()

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
