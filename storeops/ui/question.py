"""A window-modal question for async controllers, answered through a future.

No nested event loop: QMessageBox.exec() would run asyncio callbacks re-entrantly
under qasync. Cancel is the default button, so Enter on a slip does nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtWidgets import QMessageBox, QWidget

# confirm(parent, title, question, action) -> True to go ahead
Confirm = Callable[[QWidget, str, str, str], Awaitable[bool]]


async def ask(
    parent: QWidget,
    title: str,
    question: str,
    action: str,
    *,
    role: QMessageBox.ButtonRole = QMessageBox.ButtonRole.AcceptRole,
) -> bool:
    """True when the person chose `action` (a button of `role`: DestructiveRole for
    what cannot be undone)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.NoButton, parent)
    go = box.addButton(action, role)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def done(_result: int) -> None:
        if not answered.done():
            answered.set_result(box.clickedButton() is go)

    box.finished.connect(done)
    box.open()
    try:
        return await answered
    finally:
        box.deleteLater()


async def ask_destructive(parent: QWidget, title: str, question: str, action: str) -> bool:
    return await ask(parent, title, question, action, role=QMessageBox.ButtonRole.DestructiveRole)
