"""Snapshots: a tile's picture saved as a PNG, named after its store, channel and time."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QImage

from storeops.config import HOME_ENV, app_dirs


def _safe_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", text).strip(" .-") or "video"


def default_snapshot_dir() -> Path:
    """Pictures/StoreOps; under --dev-dir (or in tests) the redirected data dir, so a
    development run never writes into the user's pictures."""
    if os.environ.get(HOME_ENV):
        return app_dirs().data / "snapshots"
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures or Path.home()) / "StoreOps"


def snapshot_path(folder: Path, store: str, channel: str, when: datetime) -> Path:
    """folder/"<store> - <channel> - <local date and time>.png", safe on every OS."""
    stamp = when.astimezone().strftime("%Y-%m-%d %H-%M-%S")
    return folder / _safe_name(f"{store} - {channel} - {stamp}.png")


def write_png(image: QImage, path: Path) -> None:
    """Write on a worker thread (a QImage is reentrant); OSError when the disk refuses."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The stubs say bytes, PySide6 takes only str here.
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]
        raise OSError(f"could not write {path}")
