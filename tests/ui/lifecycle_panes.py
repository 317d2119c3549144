"""Pane modules for the pane host's tests: one that records its life cycle, and one
whose create_pane breaks the contract."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from storeops.ui.pane import PaneWidget

EVENTS: list[tuple[str, str]] = []


class RecordingPane(PaneWidget):
    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def activate(self) -> None:
        EVENTS.append((self.name, "activate"))

    def deactivate(self) -> None:
        EVENTS.append((self.name, "deactivate"))

    def shutdown(self) -> None:
        EVENTS.append((self.name, "shutdown"))


def create_pane(ctx) -> RecordingPane:  # the tests replace it to name each pane made
    return RecordingPane("pane")


def create_plain_label(ctx) -> QLabel:
    return QLabel("no life cycle")
