"""The one way to reach files under resources/ (icons, stylesheet).

Frozen builds (PyInstaller) unpack data beside the executable under
`sys._MEIPASS`; a source checkout keeps resources/ beside the package.
"""

from __future__ import annotations

import sys
from pathlib import Path


def root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def path(*parts: str) -> Path:
    return root().joinpath(*parts)


def icon_path(name: str) -> Path:
    return path("icons", f"{name}.svg")


def read_text(*parts: str) -> str:
    try:
        return path(*parts).read_text(encoding="utf-8")
    except OSError:
        return ""  # a missing stylesheet or icon degrades the look, never the app
