"""The stack of panes: created lazily on first show through each pane module's
`create_pane(ctx)`, dropped and re-created when the connection changes. The host
drives each pane's life cycle (storeops/ui/pane.py): activate when shown,
deactivate when another pane is shown, shutdown when dropped."""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Awaitable
from types import ModuleType

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from storeops.ui.context import PaneContext
from storeops.ui.pane import Pane, PaneContractError
from storeops.ui.placeholder import Placeholder, coming_soon
from storeops.ui.sidebar import PANES, PaneSpec

log = logging.getLogger(__name__)


class PaneHost(QStackedWidget):
    pane_shown = Signal(str)
    action = Signal(str)  # buttons of the connecting page: "retry", "accounts", "demo"

    def __init__(self, parent: QWidget | None = None, panes: tuple[PaneSpec, ...] = PANES):
        super().__init__(parent)
        self._specs = panes
        self.ctx: PaneContext | None = None
        self._panes: dict[str, QWidget] = {}
        self._modules: dict[str, ModuleType] = {}
        self._current = panes[0].key
        self.connecting = Placeholder(
            "store",
            "Connecting…",
            "Getting your stores ready.",
            actions=(("retry", "Try again"), ("accounts", "Accounts…"), ("demo", "Use demo data")),
        )
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
            _call(widget, "shutdown")
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
        previous = self._panes.get(self._current)
        self._current = self._spec(key).key
        if self.ctx is None:
            return None
        widget = self.pane(self._current)
        if widget is not previous or self.currentWidget() is not widget:
            if previous is not None and previous is not widget:
                _call(previous, "deactivate")
            self.setCurrentWidget(widget)
            _call(widget, "activate")
        self.pane_shown.emit(self._current)
        return widget

    def pane(self, key: str) -> QWidget:
        """The pane widget, created on first use (needs a context)."""
        widget = self._panes.get(key)
        if widget is None:
            widget = self._create(self._spec(key))
            self._panes[key] = widget
            self.addWidget(widget)
        return widget

    def _spec(self, key: str) -> PaneSpec:
        return next((p for p in self._specs if p.key == key), self._specs[0])

    def created(self) -> dict[str, QWidget]:
        return dict(self._panes)

    def module(self, key: str) -> ModuleType | None:
        return self._modules.get(key)

    def _create(self, pane: PaneSpec) -> QWidget:
        assert self.ctx is not None
        if pane.module is None:
            return coming_soon(pane.key, pane.icon)
        try:
            module = self._load(pane)
            widget = module.create_pane(self.ctx)
            if not isinstance(widget, QWidget) or not isinstance(widget, Pane):
                raise PaneContractError(
                    f"{pane.module}.create_pane() returned {type(widget).__name__}, "
                    "not a QWidget with activate(), deactivate() and shutdown()"
                )
        except Exception as exc:
            log.exception("the %s pane failed to start", pane.key)
            self.ctx.status.error(f"The {pane.title} pane failed to start: {exc}")
            return Placeholder(
                pane.icon,
                pane.title,
                "This pane failed to start.",
                f"{type(exc).__name__}: {exc}. The details are in the log file.",
            )
        widget.setObjectName(widget.objectName() or f"pane-{pane.key}")
        return widget

    def _load(self, pane: PaneSpec) -> ModuleType:
        """The pane's module; a module path that does not import (a typo, a missing
        dependency) or has no create_pane is an error, never a "coming later" page."""
        assert pane.module is not None
        module = self._modules.get(pane.key)
        if module is None:
            module = importlib.import_module(pane.module)
            if not callable(getattr(module, "create_pane", None)):
                raise PaneContractError(f"{pane.module} has no create_pane(ctx)")
            self._modules[pane.key] = module
        return module

    # ------------------------------------------------------------ refresh
    def refresh_current(self) -> bool:
        """F5: ask the current pane to refresh; False when it cannot."""
        widget = self._panes.get(self._current)
        refresh = getattr(widget, "refresh", None) if widget is not None else None
        if not callable(refresh):
            return False
        result = refresh()
        if inspect.isawaitable(result) and self.ctx is not None:
            self.ctx.jobs.spawn(_awaited(result), "refresh the pane")
        return True


async def _awaited(awaitable: Awaitable[object]) -> object:
    return await awaitable


def _call(widget: QWidget, step: str) -> None:
    """One life-cycle step; a pane that fails it is logged, and the others still get theirs."""
    try:
        getattr(widget, step)()
    except Exception:
        log.exception("%s() of %s failed", step, widget.objectName() or type(widget).__name__)
