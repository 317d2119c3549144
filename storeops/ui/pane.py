"""The contract between the shell and a pane.

A pane module exposes `create_pane(ctx: PaneContext) -> Pane`, and may expose
`async prepare_screenshot(widget)` (wait until demo content is shown). The pane host
calls `activate()` when the pane comes into view, `deactivate()` when another pane
replaces it, and `shutdown()` once when it is dropped (a new connection, or the app
closing). Between deactivate and activate a pane costs nothing: no timers, no polls,
no players. After shutdown it is never shown again and must not react to anything:
it disconnects from the shared objects it listened to (store selection, status).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6.QtWidgets import QWidget


@runtime_checkable
class Pane(Protocol):
    def activate(self) -> None:
        """Shown: start (or resume) timers, polls and players."""

    def deactivate(self) -> None:
        """Hidden behind another pane: stop them; keep what the user typed."""

    def shutdown(self) -> None:
        """Dropped for good: stop everything and stop listening to shared objects."""


class PaneWidget(QWidget):
    """A pane with nothing to start or stop (placeholders, static pages)."""

    def activate(self) -> None:
        pass

    def deactivate(self) -> None:
        pass

    def shutdown(self) -> None:
        pass


class PaneContractError(TypeError):
    """A pane module or the widget it made does not keep the contract above."""
