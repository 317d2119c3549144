"""The screenshot command's kiosk step."""

from __future__ import annotations

import asyncio

import pytest

from storeops.settings import Settings

pytestmark = pytest.mark.gui


def test_screenshot_shuts_the_kiosk_down_and_stops_its_polling(run_app, tmp_path):
    """The kiosk refuses close() by design; the screenshot tool must use its
    shutdown, so no display stays up and no poll outlives the app's client."""
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from storeops.ui.kiosk import KioskWidget
    from storeops.ui.screenshot import save_kiosk

    def kiosk_polls() -> list[asyncio.Task]:
        return [
            t
            for t in asyncio.all_tasks()
            if not t.done() and getattr(t.get_coro(), "__qualname__", None) == "KioskController._run"
        ]

    async def body(app):
        path = await save_kiosk(app, tmp_path)
        assert path == tmp_path / "kiosk.png" and not QImage(str(path)).isNull()
        assert not kiosk_polls()
        assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWidget) and w.isVisible()]

    run_app(Settings.load(), body)
