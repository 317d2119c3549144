"""Before the window closes (Ctrl+Q, the close button, Ctrl+C): ask about the
panes' unsaved edits — Save, Discard or Cancel.

A pane that can hold edits exposes `has_unsaved_changes() -> bool`,
`unsaved_description() -> str` and `async save_unsaved() -> bool` (False when
a save was refused: the pane shows why, and the window stays open on it).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget
from qasync import asyncSlot

Btn = QMessageBox.StandardButton


def _has_unsaved(pane: QWidget) -> bool:
    check = getattr(pane, "has_unsaved_changes", None)
    return bool(callable(check) and check())


class CloseGuard(QObject):
    def __init__(self, window: QWidget, panes: Callable[[], dict[str, QWidget]], show_pane: Callable[[str], object]):
        super().__init__(window)
        self._window = window
        self._panes = panes
        self._show_pane = show_pane
        self.prompt: QMessageBox | None = None
        self._approved = False
        self._saving = False

    def allows_close(self) -> bool:
        """True to close now; otherwise the question is open (or a save is running)
        and the window closes itself once it may."""
        if self._approved:
            return True
        dirty = {key: pane for key, pane in self._panes().items() if _has_unsaved(pane)}
        if not dirty:
            return True
        if self.prompt is None and not self._saving:
            self._ask(dirty)
        return False

    def _ask(self, dirty: dict[str, QWidget]) -> None:
        lines = [getattr(p, "unsaved_description", lambda: "")() or key for key, p in dirty.items()]
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Unsaved changes",
            "Save your changes before quitting?",
            Btn.Save | Btn.Discard | Btn.Cancel,
            self._window,
        )
        box.setInformativeText("\n".join(lines) + ".\n\nDiscard throws them away; Cancel goes back to them.")
        box.setDefaultButton(Btn.Save)
        box.setEscapeButton(Btn.Cancel)

        def answered(_result: int) -> None:
            self.prompt = None
            button = box.standardButton(box.clickedButton())
            box.deleteLater()
            if button == Btn.Discard:
                self._approved = True
                self._window.close()
            elif button == Btn.Save:
                self._save_then_close(dirty)
            # Cancel, Escape: the window stays, the edits too.

        box.finished.connect(answered)
        self.prompt = box
        box.open()

    @asyncSlot(object)
    async def _save_then_close(self, dirty: dict[str, QWidget]) -> None:
        self._saving = True
        try:
            for key, pane in dirty.items():
                save = getattr(pane, "save_unsaved", None)
                if save is not None and not await save():
                    self._show_pane(key)  # the refusal is shown there, with the edit
                    return
        finally:
            self._saving = False
        self._approved = True
        self._window.close()
