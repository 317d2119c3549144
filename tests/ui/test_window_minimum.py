"""The main window's minimum size holds with no window manager to enforce it: a resize
from outside (xdotool on a bare X server; here the platform window resized directly,
which passes Qt's own clamp the same way) is put back to the minimum. Before the fix
the window stayed at 500×300 with the panes cut off."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QResizeEvent

from storeops.settings import Settings
from storeops.ui.context import StatusReporter, StoreSelection
from storeops.ui.main_window import MAX_SIZE_FIXES, MINIMUM_SIZE, MainWindow
from tests.helpers import not_none

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot):
    w = MainWindow(Settings.load(), StoreSelection(), StatusReporter())
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.first_painted):  # a resize before the first paint is folded into the pending one
        w.show()
    return w


class Sizes(QObject):
    """Every size the window is given, in order (resizes reach it queued)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.seen: list[tuple[int, int]] = []
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            assert isinstance(event, QResizeEvent)
            self.seen.append(event.size().toTuple())
        return False


def resized(qtbot, window: MainWindow, sizes: Sizes, w: int, h: int) -> None:
    """Resize the platform window, as an outside resize with no window manager does,
    and wait until the window has been given that size."""
    count = len(sizes.seen)
    not_none(window.windowHandle()).resize(w, h)
    qtbot.waitUntil(lambda: (w, h) in sizes.seen[count:], timeout=2000)
    qtbot.wait(50)  # the correction, if any, is queued behind it


def test_a_resize_below_the_minimum_from_outside_is_put_back(window, qtbot):
    minimum = QSize(*MINIMUM_SIZE)
    assert window.minimumSize() == minimum
    sizes = Sizes(window)
    resized(qtbot, window, sizes, 500, 300)
    qtbot.waitUntil(lambda: window.size() == minimum, timeout=2000)
    assert not_none(window.windowHandle()).size() == minimum
    # Only the side below the minimum grows back.
    resized(qtbot, window, sizes, 1100, 300)
    qtbot.waitUntil(lambda: window.size() == QSize(1100, minimum.height()), timeout=2000)
    # A size at or above the minimum is left alone.
    resized(qtbot, window, sizes, 1200, 750)
    assert window.size() == QSize(1200, 750)


def test_it_gives_up_against_a_window_manager_that_insists(window, qtbot):
    """A tiling window manager ignores size hints: after MAX_SIZE_FIXES corrections in a
    row the window takes the size it is given, instead of fighting for ever."""
    sizes = Sizes(window)
    for _ in range(MAX_SIZE_FIXES):
        resized(qtbot, window, sizes, 700, 500)
        qtbot.waitUntil(lambda: window.size() == QSize(*MINIMUM_SIZE), timeout=2000)
    resized(qtbot, window, sizes, 700, 500)
    qtbot.wait(100)
    assert window.size() == QSize(700, 500)
