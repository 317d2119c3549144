"""The stack of panes: created lazily on first show through each pane module's
`create_pane(ctx)`, dropped and re-created when the connection changes."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
from types import ModuleType

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from storeops.ui.context import PaneContext
from storeops.ui.placeholder import Placeholder, coming_soon
from storeops.ui.sidebar import PANES, PaneSpec, spec

log = logging.getLogger(__name__)


class PaneHost(QStackedWidget):
    pane_shown = Signal(str)
    action = Signal(str)  # buttons of the connecting page: "retry", "accounts", "demo"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx: PaneContext | None = None
        self._panes: dict[str, QWidget] = {}
        self._modules: dict[str, ModuleType | None] = {}
        self._current = PANES[0].key
        self.connecting = Placeholder(
            "store", "Connecting…", "Getting your stores ready.",
            actions=(("retry", "Try again"), ("accounts", "Accounts…"), ("demo", "Use demo data")))
        self.connecting.action.connect(self.action)
        self._show_buttons(False)
        self.addWidget(self.connecting)

    # ------------------------------------------------------------ connection
    def set_connecting(self, title: str, text: str, *, failed: bool = False) -> None:
        self.connecting.set_text(title, text)
        self._show_buttons(failed)
        self.setCurrentWidget(self.connecting)

    def _show_buttons(self, visible: bool) -> None:
        for button in self.connecting.buttons.values():
            button.setVisible(visible)

    def set_context(self, ctx: PaneContext | None) -> list[QWidget]:
        """New connection (or none): every pane is dropped and re-created on demand,
        so no pane keeps a closed client. Returns the dropped panes, hidden but
        alive: the caller deletes them once their last requests had time to end."""
        dropped = list(self._panes.values())
        for widget in dropped:
            self.removeWidget(widget)
            widget.hide()
        self._panes.clear()
        self.ctx = ctx
        if ctx is not None:
            self.show_pane(self._current)
        return dropped

    # ------------------------------------------------------------ panes
    @property
    def current_key(self) -> str:
        return self._current

    def show_pane(self, key: str) -> QWidget | None:
        self._current = spec(key).key
        if self.ctx is None:
            return None
        widget = self.pane(self._current)
        self.setCurrentWidget(widget)
        self.pane_shown.emit(self._current)
        return widget

    def pane(self, key: str) -> QWidget:
        """The pane widget, created on first use (needs a context)."""
        widget = self._panes.get(key)
        if widget is None:
            widget = self._create(spec(key))
            self._panes[key] = widget
            self.addWidget(widget)
        return widget

    def created(self) -> dict[str, QWidget]:
        return dict(self._panes)

    def module(self, key: str) -> ModuleType | None:
        return self._modules.get(key)

    def _create(self, pane: PaneSpec) -> QWidget:
        assert self.ctx is not None
        module = self._load(pane)
        if module is None:
            return coming_soon(pane.key, pane.icon)
        try:
            widget = module.create_pane(self.ctx)
        except Exception as exc:
            log.exception("the %s pane failed to start", pane.key)
            self.ctx.status.error(f"The {pane.title} pane failed to start: {exc}")
            return Placeholder(pane.icon, pane.title, "This pane failed to start.",
                               f"{type(exc).__name__}: {exc}. The details are in the log file.")
        widget.setObjectName(widget.objectName() or f"pane-{pane.key}")
        return widget

    def _load(self, pane: PaneSpec) -> ModuleType | None:
        if pane.key in self._modules:
            return self._modules[pane.key]
        module = None
        if pane.module:
            try:
                module = importlib.import_module(pane.module)
            except ModuleNotFoundError as exc:
                # Only the pane's own package missing means "not built yet"; a
                # missing dependency inside an existing pane is a real failure.
                if exc.name and pane.module.startswith(exc.name):
                    log.info("%s pane not available yet (%s)", pane.key, exc.name)
                else:
                    log.exception("the %s pane could not be imported", pane.key)
                    self._report(pane, exc)
            except Exception as exc:
                log.exception("the %s pane could not be imported", pane.key)
                self._report(pane, exc)
            if module is not None and not hasattr(module, "create_pane"):
                log.error("%s has no create_pane(ctx)", pane.module)
                module = None
        self._modules[pane.key] = module
        return module

    def _report(self, pane: PaneSpec, exc: BaseException) -> None:
        if self.ctx is not None:
            self.ctx.status.error(f"The {pane.title} pane could not be loaded: {exc}")

    # ------------------------------------------------------------ refresh
    def refresh_current(self) -> bool:
        """F5: ask the current pane to refresh; False when it cannot."""
        widget = self._panes.get(self._current)
        refresh = getattr(widget, "refresh", None) if widget is not None else None
        if not callable(refresh):
            return False
        result = refresh()
        if inspect.isawaitable(result):
            asyncio.ensure_future(result)
        return True
