"""The main window: top bar (title, store selector, demo badge), navigation
rail, the pane stack and the status bar. Layout only; the App wires behaviour."""

from __future__ import annotations

import base64
import time

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from storeops.settings import Settings
from storeops.ui import icons
from storeops.ui.context import StatusReporter, StoreSelection
from storeops.ui.kiosk.launch import KioskLauncher
from storeops.ui.pane_host import PaneHost
from storeops.ui.refocus import RefocusAfterDialogs
from storeops.ui.sidebar import PANES, Sidebar
from storeops.ui.status import StatusBar
from storeops.ui.store_selector import StoreSelector
from storeops.ui.unsaved import UnsavedGuard

DEFAULT_SIZE = (1280, 800)
# The rail (200) plus a pane whose filter box and form stay usable.
MINIMUM_SIZE = (980, 600)
# Sizes below the minimum put back in a row before giving up: a window manager that
# insists (a tiling one ignores size hints) wins rather than fight us forever.
MAX_SIZE_FIXES = 2


class MainWindow(QMainWindow):
    first_painted = Signal(float)  # time.time() of the first paint
    closing = Signal()
    refresh_requested = Signal()
    accounts_requested = Signal()
    about_requested = Signal()

    def __init__(
        self, settings: Settings, selection: StoreSelection, reporter: StatusReporter, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("StoreOps")
        self.setWindowIcon(icons.app_icon())
        self._painted = False
        self._size_fixes = 0  # sizes below the minimum put back in a row
        self._fixed_to: QSize | None = None

        central = QWidget(self)
        central.setObjectName("Central")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._top_bar(selection))
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        self.sidebar = Sidebar(central)
        self.panes = PaneHost(central)
        body.addWidget(self.sidebar)
        body.addWidget(self.panes, 1)
        column.addLayout(body, 1)
        self.setCentralWidget(central)

        self.status = StatusBar(reporter, self)
        self.setStatusBar(self.status)
        self.kiosk = KioskLauncher(self)
        self._actions()

        self.sidebar.pane_chosen.connect(self._pane_chosen)
        self.panes.pane_shown.connect(self.sidebar.select)
        start = settings.last_pane if settings.last_pane in {p.key for p in PANES} else PANES[0].key
        self.panes.show_pane(start)
        self.sidebar.select(start)
        # Asks before unsaved edits are dropped: on close, and before a new connection.
        self.close_guard = UnsavedGuard(self, self.panes.created, self.show_pane)
        self.refocus = RefocusAfterDialogs(self)
        self.setMinimumSize(*MINIMUM_SIZE)
        if not self._restore_geometry():
            self.resize(*DEFAULT_SIZE)

    # ------------------------------------------------------------ layout
    def _top_bar(self, selection: StoreSelection) -> QWidget:
        bar = QWidget(self)
        bar.setObjectName("TopBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(14, 8, 14, 8)
        row.setSpacing(10)
        logo = QLabel(bar)
        logo.setPixmap(icons.app_icon().pixmap(26, 26))
        title = QLabel("StoreOps", bar)
        title.setObjectName("AppTitle")
        row.addWidget(logo)
        row.addWidget(title)
        row.addSpacing(24)
        store_label = QLabel("Store", bar)
        store_label.setObjectName("StoreLabel")
        self.store_selector = StoreSelector(selection, bar)
        store_label.setBuddy(self.store_selector)
        row.addWidget(store_label)
        row.addWidget(self.store_selector)
        row.addStretch(1)
        self.source_label = QLabel("", bar)
        self.source_label.setObjectName("SourceLabel")
        row.addWidget(self.source_label)
        self.demo_badge = QLabel("Demo data", bar)
        self.demo_badge.setObjectName("DemoBadge")
        self.demo_badge.setToolTip(
            "You are looking at a made-up store chain served by StoreOps itself. "
            "Add your RetailNext account under File › Accounts to see your stores."
        )
        self.demo_badge.hide()
        row.addWidget(self.demo_badge)
        return bar

    def _actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.accounts_action = self._action(file_menu, "&Accounts…", "Ctrl+,", self.accounts_requested.emit, "accounts")
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", "Ctrl+Q", self.close)
        view_menu = menu.addMenu("&View")
        self.pane_actions: list[QAction] = []
        taken = {"r", "d"}  # &Refresh, Start entrance &display…
        for number, pane in enumerate(PANES, start=1):
            action = self._action(
                view_menu,
                menu_text(pane.title, taken),
                f"Ctrl+{number}",
                lambda _=False, k=pane.key: self.show_pane(k),
                pane.icon,
            )
            self.pane_actions.append(action)
        view_menu.addSeparator()
        self.refresh_action = self._action(view_menu, "&Refresh", "F5", self.refresh_requested.emit, "refresh")
        view_menu.addSeparator()
        # The selected store's entrance display, in-process; Ctrl+Shift+Q (and the PIN) leave it.
        self.kiosk_action = self._action(
            view_menu, "Start entrance &display…", "", lambda: self.kiosk.start(self.panes.ctx)
        )
        help_menu = menu.addMenu("&Help")
        self.about_action = self._action(help_menu, "&About StoreOps", "F1", self.about_requested.emit, "about")

    def _action(self, menu, text: str, shortcut: str, slot, icon_name: str | None = None) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        if icon_name:
            action.setIcon(icons.icon(icon_name, icons.INK, None))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    # ------------------------------------------------------------ behaviour
    def show_pane(self, key: str) -> QWidget | None:
        self.sidebar.select(key)
        return self.panes.show_pane(key)

    def _pane_chosen(self, key: str) -> None:
        self.panes.show_pane(key)
        if self.settings.last_pane != key:
            self.settings.last_pane = key

    def set_demo(self, demo: bool) -> None:
        self.demo_badge.setVisible(demo)
        self.setWindowTitle("StoreOps — Demo data" if demo else "StoreOps")

    def set_source(self, account: str) -> None:
        self.source_label.setText(f"Account: {account}" if account else "")

    # ------------------------------------------------------------ geometry
    def _restore_geometry(self) -> bool:
        raw = self.settings.window_geometry
        if not raw:
            return False
        try:
            return bool(self.restoreGeometry(QByteArray(base64.b64decode(raw))))
        except (ValueError, TypeError):
            return False

    def save_geometry(self) -> None:
        self.settings.window_geometry = base64.b64encode(bytes(self.saveGeometry().data())).decode()

    # ------------------------------------------------------------ events
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit(time.time())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size, minimum = event.size(), self.minimumSize()
        if size.width() >= minimum.width() and size.height() >= minimum.height():
            if size != self._fixed_to:  # a size chosen elsewhere, not our own fix: start counting again
                self._size_fixes = 0
            return
        # A window manager enforces the minimum (WM_NORMAL_HINTS); a bare X server has
        # none, and a resize from outside (xdotool, a script) then cut the panes off.
        # Put the minimum back, as a window manager would; maximised and full screen
        # are the window manager's own business.
        if self.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            return
        if self._size_fixes < MAX_SIZE_FIXES:
            self._size_fixes += 1
            QTimer.singleShot(0, self, self._keep_minimum)

    def _keep_minimum(self) -> None:
        target = self.size().expandedTo(self.minimumSize())
        if target != self.size():
            self._fixed_to = target
            self.resize(target)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.close_guard.allows_close():  # unsaved edits: it asks, and closes us later
            event.ignore()
            return
        self.save_geometry()
        self.closing.emit()
        super().closeEvent(event)


def menu_text(title: str, taken: set[str]) -> str:
    """`title` as a menu item's text: a literal "&" doubled (a lone one would mark the
    next character, e.g. the space in "Video & exports"), and a "&" mnemonic before
    its first letter not in `taken`, which then takes it."""
    escaped = title.replace("&", "&&")
    for i, ch in enumerate(escaped):
        if ch.isalnum() and ch.lower() not in taken:
            taken.add(ch.lower())
            return f"{escaped[:i]}&{escaped[i:]}"
    return escaped
