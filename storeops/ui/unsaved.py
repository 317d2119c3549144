"""Before something drops the panes' unsaved edits, ask: Save, Discard or Cancel.

Two things drop them: closing the window (Ctrl+Q, the close button, Ctrl+C) and a
new connection (another account, demo data, the account in use edited), which
replaces every pane. Both ask the same way through one guard.

A pane that can hold edits exposes `has_unsaved_changes() -> bool`,
`unsaved_description() -> str` and `async save_unsaved() -> bool` (False when
a save was refused: the pane shows why, and nothing is dropped).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from qasync import asyncSlot

Btn = QMessageBox.StandardButton

QUIT = ("Save your changes before quitting?", "Cancel goes back to them.")
SWITCH = ("Save your changes before switching account?", "Cancel keeps this account and your changes.")
RECONNECT = ("Save your changes before reconnecting?", "Cancel keeps this connection and your changes.")


def _has_unsaved(pane: QWidget) -> bool:
    check = getattr(pane, "has_unsaved_changes", None)
    return bool(callable(check) and check())


class UnsavedGuard(QObject):
    """Owned by the main window. `allows_close()` for closeEvent; `ask_before()`
    for anything else that drops the panes."""

    def __init__(self, window: QWidget, panes: Callable[[], dict[str, QWidget]], show_pane: Callable[[str], object]):
        super().__init__(window)
        self._window = window
        self._panes = panes
        self._show_pane = show_pane
        self.prompt: QMessageBox | None = None
        self._approved = False
        self._saving = False

    def dirty(self) -> dict[str, QWidget]:
        return {key: pane for key, pane in self._panes().items() if _has_unsaved(pane)}

    @property
    def busy(self) -> bool:
        """A question is open or its save runs."""
        return self.prompt is not None or self._saving

    def allows_close(self) -> bool:
        """True to close now; otherwise the question is open (or a save is running)
        and the window closes itself once it may."""
        if self._approved:
            return True
        return self.ask_before(QUIT, self._close_approved)

    def _close_approved(self) -> None:
        self._approved = True
        self._window.close()

    def ask_before(
        self,
        wording: tuple[str, str],
        proceed: Callable[[], None],
        cancelled: Callable[[], None] | None = None,
    ) -> bool:
        """True when nothing is unsaved: go on now (`proceed` is not called). Otherwise
        ask and return False: `proceed()` runs after Discard, or after Save once every
        edit is saved; `cancelled()` after Cancel, Escape, a refused save, or when
        another question is already open."""
        dirty = self.dirty()
        if not dirty:
            return True
        if self.busy:
            if cancelled is not None:
                cancelled()
            return False
        self._ask(dirty, wording, proceed, cancelled or (lambda: None))
        return False

    def _ask(
        self,
        dirty: dict[str, QWidget],
        wording: tuple[str, str],
        proceed: Callable[[], None],
        cancelled: Callable[[], None],
    ) -> None:
        question, cancel_means = wording
        lines = [getattr(p, "unsaved_description", lambda: "")() or key for key, p in dirty.items()]
        # Over a dialog that is open (Accounts), not behind it.
        parent = QApplication.activeModalWidget() or self._window
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Unsaved changes", question, Btn.Save | Btn.Discard | Btn.Cancel, parent
        )
        box.setObjectName("UnsavedChanges")
        box.setInformativeText("\n".join(lines) + f".\n\nDiscard throws them away; {cancel_means}")
        box.setDefaultButton(Btn.Save)
        box.setEscapeButton(Btn.Cancel)

        def answered(_result: int) -> None:
            self.prompt = None
            button = box.standardButton(box.clickedButton())
            box.deleteLater()
            if button == Btn.Discard:
                proceed()
            elif button == Btn.Save:
                self._save_then(dirty, proceed, cancelled)
            else:  # Cancel, Escape: nothing is dropped
                cancelled()

        box.finished.connect(answered)
        self.prompt = box
        box.open()

    @asyncSlot(object, object, object)
    async def _save_then(
        self, dirty: dict[str, QWidget], proceed: Callable[[], None], cancelled: Callable[[], None]
    ) -> None:
        self._saving = True
        try:
            for key, pane in dirty.items():
                save = getattr(pane, "save_unsaved", None)
                if save is not None and not await save():
                    self._show_pane(key)  # the refusal is shown there, with the edit
                    cancelled()
                    return
        finally:
            self._saving = False
        proceed()
