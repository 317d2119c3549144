"""Pages that stand where a pane is not ready: a pane of a later release, a pane
still connecting, or a pane whose module failed to load. Never a blank page."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from storeops.ui import icons
from storeops.ui.pane import PaneWidget


class Placeholder(PaneWidget):
    """A centred card: icon, title, what is coming, and optional buttons. Nothing to
    start or stop, so it keeps the pane contract as it is."""

    action = Signal(str)

    def __init__(
        self,
        icon_name: str,
        title: str,
        text: str,
        note: str = "",
        actions: tuple[tuple[str, str], ...] = (),
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("Placeholder")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame(self)
        card.setObjectName("PlaceholderCard")
        card.setMaximumWidth(560)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(32, 28, 32, 28)
        inner.setSpacing(10)
        picture = QLabel(card)
        picture.setPixmap(icons.icon(icon_name, icons.ACCENT, None).pixmap(48, 48))
        picture.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        inner.addWidget(picture)
        self.title = QLabel(title, card)
        self.title.setObjectName("PlaceholderTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        inner.addWidget(self.title)
        self.text = QLabel(text, card)
        self.text.setObjectName("PlaceholderText")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        inner.addWidget(self.text)
        self.note = QLabel(note, card)
        self.note.setObjectName("PlaceholderNote")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.note.setVisible(bool(note))
        inner.addWidget(self.note)
        self.buttons: dict[str, QPushButton] = {}
        if actions:
            row = QHBoxLayout()
            row.addStretch(1)
            for key, label in actions:
                button = QPushButton(label, card)
                button.clicked.connect(lambda _=False, k=key: self.action.emit(k))
                row.addWidget(button)
                self.buttons[key] = button
            row.addStretch(1)
            inner.addLayout(row)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(card, 3)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)

    def set_text(self, title: str | None = None, text: str | None = None, note: str | None = None) -> None:
        if title is not None:
            self.title.setText(title)
        if text is not None:
            self.text.setText(text)
        if note is not None:
            self.note.setText(note)
            self.note.setVisible(bool(note))


# What each later pane will bring, in the words a store manager uses.
COMING = {
    "traffic": (
        "Traffic",
        "Traffic charts arrive in a later release.",
        (
            "You will compare visitors by hour, day and week, against last year and the "
            "predicted traffic for each store."
        ),
    ),
    "cameras": (
        "Cameras",
        "Camera health arrives in a later release.",
        ("You will see every camera and recorder of the store, and which ones are offline."),
    ),
    "video": (
        "Live video",
        "Live video arrives in a later release.",
        ("You will watch the store's cameras live, one or up to nine at a time."),
    ),
    "exports": (
        "Exports",
        "Video exports arrive in a later release.",
        ("You will cut a clip from any camera for a time range, follow its progress and download it to this computer."),
    ),
    "locations": (
        "Locations",
        "The location tree is not available in this build.",
        ("Regions, stores and their entrances, fitting rooms and displays will be shown and edited here."),
    ),
    "occupancy": (
        "Occupancy",
        "Live occupancy is not available in this build.",
        "How many people are in the store right now, against its limit.",
    ),
}


def coming_soon(key: str, icon_name: str, note: str = "") -> Placeholder:
    title, text, detail = COMING.get(key, (key.title(), "Arrives in a later release.", ""))
    return Placeholder(icon_name, title, text, note or detail)
