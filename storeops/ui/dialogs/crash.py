"""The one crash path: every uncaught exception — Qt slots, async slots
(qasync forwards them to sys.excepthook), plain code — is logged and shown in a
dialog with a copyable report. The app keeps running."""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from types import TracebackType

import PySide6
import shiboken6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from storeops import __version__
from storeops import log as applog

log = logging.getLogger("storeops.crash")

MAX_OPEN_DIALOGS = 3


def build_report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """OS, versions, traceback and the recent log, secrets masked."""
    lines = [
        f"StoreOps {__version__}",
        f"Python {platform.python_version()} ({sys.executable})",
        f"OS {platform.platform()}",
    ]
    lines.append(f"Qt {qVersion()}, PySide6 {PySide6.__version__}")
    lines.append("")
    lines.append("".join(traceback.format_exception(exc_type, exc, tb)).rstrip())
    recent = applog.recent_lines(60)
    if recent:
        lines += ["", "Recent log:", *recent]
    return applog.redact("\n".join(lines))


class CrashHandler:
    """sys.excepthook. Installed before the QApplication exists (importing Qt
    does not need one); shows a dialog once there is one, else prints to stderr."""

    def __init__(self) -> None:
        self.open_dialogs: list[CrashDialog] = []
        self.count = 0
        self._previous = sys.excepthook

    def install(self) -> CrashHandler:
        self._previous = sys.excepthook
        sys.excepthook = self
        return self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.count += 1
        try:
            log.critical("uncaught exception", exc_info=(exc_type, exc, tb))
            report = build_report(exc_type, exc, tb)
        except Exception:  # the crash path itself must never raise
            report = "".join(traceback.format_exception(exc_type, exc, tb))
        if not self._show(exc, report):
            sys.stderr.write(report + "\n")

    def _show(self, exc: BaseException, report: str) -> bool:
        if QApplication.instance() is None:  # before the app exists: stderr only
            return False
        # Closed dialogs delete themselves (WA_DeleteOnClose): forget those.
        self.open_dialogs = [d for d in self.open_dialogs if shiboken6.isValid(d) and d.isVisible()]
        if len(self.open_dialogs) >= MAX_OPEN_DIALOGS:
            return True  # logged; a storm of errors must not bury the window in dialogs
        try:
            dialog = CrashDialog(f"{type(exc).__name__}: {applog.redact(str(exc))}", report)
            dialog.show()
            dialog.raise_()
        except Exception:
            return False
        self.open_dialogs.append(dialog)
        return True


class CrashDialog(QDialog):
    """The report, selectable and copyable; closing it returns to the app."""

    def __init__(self, summary: str, report: str):
        super().__init__(None)
        self.setObjectName("CrashDialog")
        self.setWindowTitle("StoreOps — something went wrong")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(720, 480)
        self.report = report
        layout = QVBoxLayout(self)
        intro = QLabel(
            "<b>StoreOps hit an unexpected error.</b> It keeps running; your unsaved "
            "changes are still there. Please copy the report below and send it to "
            "your support contact.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.summary = QLabel(summary, self)
        self.summary.setObjectName("CrashSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.text = QPlainTextEdit(report, self)
        self.text.setObjectName("CrashReport")
        self.text.setReadOnly(True)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy report", self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.report)
        self.copy_button.setText("Copied")
