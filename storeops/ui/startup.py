"""The one Qt start-up of the app and the kiosk: the QApplication (names, style sheet,
icon), the garbage-collection guard and the qasync loop, and their orderly end.

Both run the demo simulator's threads in the same process, so both need the GC guard
(cyclic garbage collected on the GUI thread only, see gc_guard.py), and neither may
stop when its last window closes before its own clean-up has run.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator
from typing import cast

from PySide6.QtWidgets import QApplication


def application() -> QApplication:
    """The process's QApplication, made and dressed once."""
    from storeops import config, resources
    from storeops.ui import icons

    # The stubs type instance() as QCoreApplication; here it is always a QApplication.
    existing = cast("QApplication | None", QApplication.instance())
    if existing is not None:
        return existing
    qapp = QApplication(sys.argv[:1])
    qapp.setApplicationName(config.APP_NAME)
    qapp.setOrganizationName(config.APP_AUTHOR)
    qapp.setDesktopFileName(config.APP_ID)
    qapp.setStyleSheet(resources.read_text("style.qss"))
    qapp.setWindowIcon(icons.app_icon())
    return qapp


@contextlib.contextmanager
def qt_event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop over the QApplication with the GC guard running; a qasync loop that
    already exists (a test, or the app starting the kiosk) is used and left open."""
    import qasync

    from storeops.ui.gc_guard import GuiThreadGc

    qapp = application()
    qapp.setQuitOnLastWindowClosed(False)  # the caller decides when to stop (after clean-up)
    existing: asyncio.AbstractEventLoop | None = None
    with contextlib.suppress(RuntimeError):
        current = asyncio.get_event_loop_policy().get_event_loop()
        if isinstance(current, qasync.QEventLoop) and not current.is_closed():
            existing = current
    loop = existing if existing is not None else qasync.QEventLoop(qapp)
    if existing is None:
        asyncio.set_event_loop(loop)
    gc_guard = GuiThreadGc(qapp)
    try:
        yield loop
    finally:
        try:
            if existing is None:
                loop.run_until_complete(asyncio.sleep(0))
                loop.close()
                asyncio.set_event_loop(None)
        finally:
            gc_guard.stop()
            gc_guard.deleteLater()
