"""About: what this is and which versions run it (for support calls)."""

from __future__ import annotations

import platform
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from storeops import __version__
from storeops import log as applog
from storeops.config import app_dirs
from storeops.ui import icons


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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def _path_label(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setObjectName("Hint")
        return label
