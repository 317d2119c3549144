"""One crash path: an exception in a slot opens the crash dialog (secrets masked) and
the app keeps running."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import SECRET_KEY
from tests.helpers import wait_until
from tests.ui.shell_env import profile_settings

pytestmark = pytest.mark.gui


@pytest.mark.qt_no_exception_capture
def test_crash_in_async_slot_opens_dialog_and_app_keeps_running(run_app, sim, memory_keyring):
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QGuiApplication
    from qasync import asyncSlot

    from storeops.ui.dialogs.crash import CrashHandler

    class Buggy(QObject):
        @asyncSlot()
        async def go(self):
            await asyncio.sleep(0)
            raise RuntimeError("boom in a slot " + SECRET_KEY)

    async def body(app):
        handler = CrashHandler().install()
        try:
            buggy = Buggy()
            buggy.go()
            await wait_until(lambda: handler.open_dialogs and handler.open_dialogs[0].isVisible())
            dialog = handler.open_dialogs[0]
            assert "RuntimeError: boom in a slot" in dialog.summary.text()
            assert "Traceback" in dialog.report and "StoreOps 0.1.0" in dialog.report
            assert "Python " in dialog.report and "OS " in dialog.report and "Qt " in dialog.report
            assert SECRET_KEY not in dialog.report  # the profile's secret is masked
            dialog.copy()
            assert QGuiApplication.clipboard().text() == dialog.report
            # The app keeps running: the loop turns and the window still works.
            assert app.window.isVisible()
            app.window.show_pane("traffic")
            assert app.window.panes.current_key == "traffic"
            await app.reload_stores()
            assert app.selection.stores()
            dialog.close()
            # A plain (not async) slot goes the same way.
            from PySide6.QtCore import QTimer

            def sync_slot():
                raise ValueError("sync slot failed")

            QTimer.singleShot(0, sync_slot)
            await wait_until(lambda: handler.count == 2 and handler.open_dialogs)
            second = handler.open_dialogs[-1]
            assert second.isVisible() and "ValueError: sync slot failed" in second.summary.text()
            second.close()
        finally:
            handler.uninstall()

    run_app(profile_settings(sim.url), body)
