"""The GUI-thread garbage collector guard."""

from __future__ import annotations

import gc

from storeops.ui.gc_guard import GuiThreadGc


def _cycle() -> list[object]:
    """A list that holds itself: only the cycle collector frees it."""
    cycle: list[object] = []
    cycle.append(cycle)
    return cycle


def test_collects_on_the_gui_thread_and_freezes_start_up_objects(qapp, qtbot):
    gc.enable()  # as in a process of its own (the test session keeps the collector off
    gc.unfreeze()  # and has frozen what it imported)
    assert gc.get_freeze_count() == 0
    guard = GuiThreadGc(qapp, interval_ms=10, freeze_after_ms=50)
    try:
        assert not gc.isenabled()
        garbage = [_cycle() for _ in range(gc.get_threshold()[0] * 2)]
        del garbage
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=2000)
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=2000)
    finally:
        guard.stop()
        guard.deleteLater()
    assert gc.isenabled() and gc.get_freeze_count() == 0  # handed back as found
    gc.disable()
    again = GuiThreadGc(qapp, interval_ms=10, freeze_after_ms=None)
    again.stop()
    again.deleteLater()
    assert not gc.isenabled()  # found off, left off
