"""About: what this is, which versions run it (for support calls), its licence and
the third-party notices of the installed build."""

from __future__ import annotations

import asyncio
import platform
import sys
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from storeops import __version__
from storeops import log as applog
from storeops.config import app_dirs
from storeops.ui import icons

LICENCE_NAME = "GNU General Public License, version 3 or later (GPL-3.0-or-later)"
LICENCE_FILE = "LICENSE"
NOTICES_FILE = "THIRD-PARTY-NOTICES.txt"


def legal_file(name: str) -> Path | None:
    """LICENSE or THIRD-PARTY-NOTICES.txt: the build puts both beside the app's
    libraries (sys._MEIPASS; on macOS also Contents/Resources); a source checkout
    has LICENSE only (the notices describe a build, so only builds have them)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates = [Path(frozen) / name, Path(frozen).parent / "Resources" / name]
    else:
        candidates = [Path(__file__).resolve().parents[3] / name]
    return next((p for p in candidates if p.is_file()), None)


class TextFileDialog(QDialog):
    """A read-only view of a text file (licence, notices): no external viewer needed,
    which a locked-down store PC may not have."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("TextFileDialog")
        self.setWindowTitle(title)
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        self.view = QPlainTextEdit(self)
        self.view.setReadOnly(True)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setPlainText(text)
        layout.addWidget(self.view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def libvlc_version() -> str:
    """Asked only when About opens: loading libvlc costs time and may fail."""
    try:
        import vlc

        raw = vlc.libvlc_get_version()
        return raw.decode() if isinstance(raw, bytes) else str(raw)
    except Exception as exc:  # missing library, wrong architecture, ...
        return f"not available ({type(exc).__name__})"


def versions() -> list[tuple[str, str]]:
    return [
        ("StoreOps", __version__),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", pyside_version),
        ("httpx", _dist_version("httpx")),
        ("pydantic", _dist_version("pydantic")),
        ("qasync", _dist_version("qasync")),
        ("libvlc", libvlc_version()),
        ("OS", platform.platform()),
    ]


class AboutDialog(QDialog):
    def __init__(self, source: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.setWindowTitle("About StoreOps")
        layout = QVBoxLayout(self)
        head = QLabel(self)
        head.setPixmap(icons.app_icon().pixmap(64, 64))
        head.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(head)
        title = QLabel(
            f"<h2>StoreOps {__version__}</h2>"
            "<p>Run your stores from the RetailNext cloud: locations, occupancy, "
            "traffic, cameras and video.</p>",
            self,
        )
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        title.setWordWrap(True)
        layout.addWidget(title)
        form = QFormLayout()
        self.values: dict[str, str] = {}
        for name, value in versions():
            self.values[name] = value
            label = QLabel(value, self)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{name}:", label)
        if source:
            form.addRow("Data:", QLabel(source, self))
        dirs = app_dirs()
        logfile = applog.log_file()
        form.addRow("Settings:", self._path_label(str(dirs.settings_file)))
        form.addRow("Log file:", self._path_label(str(logfile) if logfile else "none"))
        layout.addLayout(form)

        licence = QLabel(
            f"StoreOps is free software under the {LICENCE_NAME}. It comes with no warranty. "
            "It includes libvlc, FFmpeg, Qt and other software under their own licences.",
            self,
        )
        licence.setObjectName("Hint")
        licence.setWordWrap(True)
        layout.addWidget(licence)
        row = QHBoxLayout()
        self.licence_button = QPushButton("&Licence…", self)
        self.notices_button = QPushButton("&Third-party notices…", self)
        self._files = {self.licence_button: legal_file(LICENCE_FILE), self.notices_button: legal_file(NOTICES_FILE)}
        for button, caption in (
            (self.licence_button, "StoreOps licence"),
            (self.notices_button, "Third-party notices"),
        ):
            path = self._files[button]
            button.setEnabled(path is not None)
            if path is None:
                button.setToolTip("Installed builds carry this file; this copy of StoreOps runs from source.")
            button.clicked.connect(lambda _=False, b=button, t=caption: self._show_file(b, t))
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.viewers: list[TextFileDialog] = []

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    @asyncSlot()
    async def _show_file(self, button: QPushButton, title: str) -> None:
        path = self._files[button]
        if path is None:
            return
        button.setEnabled(False)
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8", errors="replace")
        except OSError as exc:
            text = f"Could not read {path}: {exc.strerror or exc}"
        finally:
            button.setEnabled(True)
        viewer = TextFileDialog(title, text, self)
        self.viewers.append(viewer)
        viewer.open()

    def _path_label(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setObjectName("Hint")
        return label
