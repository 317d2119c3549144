"""The Occupancy pane's view: a card per store in a scrolling grid, a scope
chooser, a summary line and a banner. It only lays out and reports what the
user does; `OccupancyController` (controller.py) polls, decides the order,
sends adjusts and words the messages.

The order of the cards never moves under the user: while the pointer is over
the grid or a card is being worked in, `order_held()` is true and the
controller keeps a new order pending until `order_released` fires.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from storeops.settings import DEFAULT_POLL_INTERVAL_S
from storeops.ui.occupancy.card import StoreCard

if TYPE_CHECKING:
    from storeops.ui.occupancy.controller import OccupancyController

CARD_WIDTH = 340
ALL_STORES = "__all__"
SELECTED_STORE = "__selected__"
ORDER_NOTE_MS = 4000


# The kiosk reads its settings the same way.
def poll_interval(settings, default: float = DEFAULT_POLL_INTERVAL_S) -> float:
    value = getattr(settings, "poll_interval_s", None)
    return float(value) if value else default


def profile_name(settings) -> str:
    try:
        profile = settings.active_profile()
    except AttributeError:
        return ""
    return profile.name if profile else ""


class OccupancyPane(QWidget):
    # Attached by create_pane: the view lays out, the controller behaves.
    controller: OccupancyController

    adjust_requested = Signal(str, int)  # store uuid (the clicked card's), signed count
    scope_changed = Signal()
    visibility_changed = Signal(bool)  # shown / hidden, also when used outside the shell
    shutdown_requested = Signal()
    refresh_requested = Signal()
    order_released = Signal()  # nothing holds the order any more: a pending one may be applied

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("OccupancyPane")  # the stylesheet's focus ring is scoped to it
        self.cards: dict[str, StoreCard] = {}
        self._order: list[str] = []
        self._columns = 0
        self._pointer_in = False
        self._was_held = False

        title = QLabel("Occupancy")
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        self.scope = QComboBox()
        self.scope.setToolTip("Which stores to show")
        self.scope.addItem("All stores", ALL_STORES)
        self.scope.addItem("Selected store", SELECTED_STORE)
        self.scope.currentIndexChanged.connect(lambda _i: self.scope_changed.emit())
        self.order_note = QLabel("Order updated")
        self.order_note.setToolTip("The cards are sorted fullest first; they were re-sorted when the pointer left")
        self.order_note.setStyleSheet("color: #1f4f99; font-size: 12px; font-weight: 600;")
        self.order_note.hide()
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(ORDER_NOTE_MS)
        self._note_timer.timeout.connect(self.order_note.hide)
        self.summary = QLabel("Loading stores…")
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff1d1; color: #4a3100; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.scope)
        head.addSpacing(12)
        head.addWidget(self.order_note)
        head.addStretch(1)
        head.addWidget(self.summary)

        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setSpacing(12)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.grid_scroll = QScrollArea()
        self.grid_scroll.setWidgetResizable(True)
        self.grid_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.grid_scroll.setWidget(self._grid_host)
        self.grid_scroll.installEventFilter(self)  # the scroll bar counts as the grid too

        box = QVBoxLayout(self)
        box.addLayout(head)
        box.addWidget(self.banner)
        box.addWidget(self.grid_scroll, 1)

    # ------------------------------------------------------------ lifecycle

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.visibility_changed.emit(True)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.visibility_changed.emit(False)

    # The shell's pane contract (storeops/ui/pane.py). Showing and hiding say the
    # same for a pane used on its own (tests, screenshots); starting twice is a no-op.

    def activate(self) -> None:
        self.visibility_changed.emit(True)

    def deactivate(self) -> None:
        self.visibility_changed.emit(False)

    def shutdown(self) -> None:
        self.shutdown_requested.emit()

    def refresh(self) -> None:
        """F5 (the shell calls it): poll now."""
        self.refresh_requested.emit()

    # ------------------------------------------------------------ scope

    def scope_key(self) -> str | None:
        return self.scope.currentData()

    def set_regions(self, regions: list[tuple[str, str]]) -> None:
        """(uuid, name) of the regions to offer, after "All" and "Selected"."""
        keep = self.scope.currentData()
        self.scope.blockSignals(True)
        while self.scope.count() > 2:
            self.scope.removeItem(2)
        for uuid, name in regions:
            self.scope.addItem(f"Region: {name}", uuid)
        self.scope.setCurrentIndex(max(self.scope.findData(keep), 0))
        self.scope.blockSignals(False)

    # ------------------------------------------------------------ cards

    def set_cards(self, uuids: list[str]) -> None:
        """Exactly these stores have a card (new ones are placed by the next set_order)."""
        wanted = set(uuids)
        for uuid in list(self.cards):
            if uuid not in wanted:
                card = self.cards.pop(uuid)
                self._grid.removeWidget(card)
                card.deleteLater()
        self._order = [u for u in self._order if u in self.cards]
        for uuid in uuids:
            if uuid not in self.cards:
                card = StoreCard(uuid)
                # The card says which store it is: an adjust goes to the card clicked,
                # wherever the grid has put it since.
                card.adjust_requested.connect(self.adjust_requested)
                card.hold_changed.connect(self._hold_may_have_ended)
                self.cards[uuid] = card

    def card(self, uuid: str) -> StoreCard | None:
        return self.cards.get(uuid)

    # ------------------------------------------------------------ order

    def order(self) -> list[str]:
        return list(self._order)

    def order_held(self) -> bool:
        """The user is pointing at or working in the grid: moving cards now would
        put another store under the pointer or the keyboard."""
        held = self._pointer_in or any(card.holds_order() for card in self.cards.values())
        self._was_held = self._was_held or held
        return held

    def set_order(self, order: list[str]) -> bool:
        """Place the cards in this order; True if anything moved."""
        order = [u for u in order if u in self.cards]
        moved = order != self._order
        self._relayout(order, force=moved)
        return moved

    def announce_order_change(self) -> None:
        self.order_note.show()
        self._note_timer.start()

    def _relayout(self, order: list[str], force: bool = False) -> None:
        columns = max(1, self._grid_host.width() // CARD_WIDTH) if self.isVisible() else 3
        if order == self._order and columns == self._columns and not force:
            return  # moving widgets every poll would flicker
        for uuid in self._order:
            card = self.cards.get(uuid)
            if card is not None:
                self._grid.removeWidget(card)
        for i, uuid in enumerate(order):
            # Top-aligned: a card growing a message line must not shift its row's others.
            self._grid.addWidget(self.cards[uuid], i // columns, i % columns, Qt.AlignmentFlag.AlignTop)
        self._order, self._columns = order, columns
        self._follow_tab_order()

    def _follow_tab_order(self) -> None:
        """Tab walks the cards as they are seen, left to right, row by row,
        not in the order the cards happened to be created."""
        chain = [self.scope] + [c for uuid in self._order for c in self.cards[uuid].controls()]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def relayout(self) -> None:
        self._relayout(self._order, force=True)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout(self._order)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.grid_scroll:
            kind = event.type()
            if kind == QEvent.Type.Enter:
                self._pointer_in = True
            elif kind == QEvent.Type.Leave:
                self._pointer_in = False
                self._hold_may_have_ended()
        return False

    def pointer_over_grid(self) -> bool:
        return self._pointer_in

    def _hold_may_have_ended(self) -> None:
        # Later, not now: Tab from one card to the next is a focus-out then a
        # focus-in, and the order must not slip in between.
        QTimer.singleShot(0, self, self._release_if_free)

    def _release_if_free(self) -> None:
        if self._was_held and not self.order_held():
            self._was_held = False
            self.order_released.emit()

    # ------------------------------------------------------------ messages

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def hide_banner(self) -> None:
        self.banner.hide()


def create_pane(
    ctx, *, service=None, now=None, interval: float | None = None, confirm=None, parent: QWidget | None = None
) -> OccupancyPane:
    """The shell's factory: the view with its controller (`pane.controller`).
    kwargs (tests, demo): service, now, interval, confirm (async question -> bool)."""
    from storeops.ui.occupancy.controller import OccupancyController

    view = OccupancyPane(parent)
    view.controller = OccupancyController(view, ctx, service=service, now=now, interval=interval, confirm=confirm)
    return view


async def prepare_screenshot(widget: OccupancyPane, timeout: float = 15.0) -> None:
    """Start polling and wait until every card shows data (or the timeout)."""
    controller = widget.controller
    controller.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if (
            controller.polls
            and widget.cards
            and all(
                (s := controller.service.snapshot(u)) is not None and s.updated_at is not None for u in widget.cards
            )
        ):
            break
        await asyncio.sleep(0.05)
    widget.relayout()
