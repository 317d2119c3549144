"""Run Python's cyclic garbage collector on the GUI thread only.

In demo mode the simulator's threads allocate a lot, so the automatic collector
often runs there. A Qt object that dies in a reference cycle would then be
destroyed on that thread, where Qt cannot unregister its timers; a later timer
event reaches freed memory and the app crashes. Collecting from a GUI-thread
timer (with the interpreter's own thresholds) keeps every Qt destructor on the
GUI thread.

Once start-up is over, the objects it made (modules, classes, the window's
widgets) are moved out of the collector's sight with gc.freeze(): they live as
long as the app, and scanning ~60,000 of them made every full collection stall
the GUI for 45-80 ms.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000
FREEZE_AFTER_MS = 5000


class GuiThreadGc(QObject):
    def __init__(
        self,
        parent: QObject | None = None,
        interval_ms: int = INTERVAL_MS,
        freeze_after_ms: int | None = FREEZE_AFTER_MS,
    ):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self._was_enabled = gc.isenabled()  # a host (a test session) may keep it off itself
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)
        if freeze_after_ms is not None:
            QTimer.singleShot(freeze_after_ms, self, gc.freeze)

    def check(self) -> None:
        gen0, gen1, gen2 = gc.get_count()
        if gen0 > self.threshold[0]:
            gc.collect(0)
            if gen1 > self.threshold[1]:
                gc.collect(1)
                if gen2 > self.threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        """Hand collection back as it was found (normally: the automatic collector on)."""
        self.timer.stop()
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()
