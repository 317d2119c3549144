"""Defects a first-time walkthrough of the Occupancy pane found, each pinned by
a test against the real simulator: cards re-sorting under the pointer, the
wheel turning spin boxes, unusual adjusts sent unconfirmed and misreported,
clipped and wrapped card text, controls greyed without a reason, Tab walking
the cards in the wrong order, an invisible focus ring, and messages stamped
with the machine's clock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QEnterEvent, QFont, QFontMetrics, QWheelEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from storeops import resources
from storeops.services.occupancy import StoreOccupancy, StoreRef
from storeops.ui.occupancy.card import StoreCard
from storeops.ui.occupancy.pane import create_pane
from storeops.ui.occupancy.state import WORDS, Level, Thresholds, fullness_key
from tests.helpers import wait_until
from tests.ui.occupancy_env import (
    LIMITED_STORE,
    NO_LIMIT_STORE,
    make_client,
    make_ctx,
    occupancy_now,
    put_open,
    sent,
    store,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def make_pane(qtbot, qloop, fresh_sim):
    made = []

    def make(*, size=(1200, 800), wait=True, **kwargs):
        client = make_client(fresh_sim)
        pane = create_pane(make_ctx(client), now=fresh_sim.clock.now, interval=0.2, **kwargs)
        qtbot.addWidget(pane)
        pane.resize(*size)
        pane.show()
        made.append((pane, client))
        if wait:
            qloop.run_until_complete(wait_until(lambda: pane.controller.polls >= 1 and len(pane.cards) == 14))
            assert on_screen(pane) == pane.order()
        return pane

    yield make
    for pane, client in made:
        pane.controller.stop()
        qloop.run_until_complete(pane.controller.wait_stopped())
        qloop.run_until_complete(client.aclose())


def on_screen(pane) -> list[str]:
    """Store uuids in the order a person reads the grid: row by row, left to right."""
    pane.grid_scroll.widget().layout().activate()  # geometry as it will be painted, not as it was
    cards = sorted(pane.cards.values(), key=lambda c: (c.y(), c.x()))
    return [c.store_uuid for c in cards]


def pointer_enters_grid(pane, qtbot, at: QWidget) -> None:
    qtbot.mouseMove(at)
    # Offscreen, a synthetic move does not always produce Enter; a real pointer does.
    centre = at.mapToGlobal(at.rect().center())
    local = QPointF(pane.grid_scroll.mapFromGlobal(centre))
    QApplication.sendEvent(pane.grid_scroll, QEnterEvent(local, local, QPointF(centre)))


def pointer_leaves_grid(pane, qtbot) -> None:
    qtbot.mouseMove(pane.summary)
    QApplication.sendEvent(pane.grid_scroll, QEvent(QEvent.Type.Leave))


async def polled(pane, n: int = 2) -> None:
    start = pane.controller.polls
    await wait_until(lambda: pane.controller.polls >= start + n)


# ---------------------------------------------------------------- 2: order


def test_order_holds_while_the_pointer_is_over_the_grid_and_updates_after(make_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    pane = make_pane()
    first = on_screen(pane)
    climber = store(fresh_sim, LIMITED_STORE).uuid  # ~40 % full: it jumps to the top with +200
    assert first[0] != climber
    spot = pane.cards[first[0]].minus_button

    async def scenario():
        pointer_enters_grid(pane, qtbot, spot)
        await pane.controller.service.client.adjust_occupancy(climber, 200)
        await wait_until(lambda: pane.cards[climber].count_label.text() not in ("—", ""))
        await polled(pane)
        assert int(pane.cards[climber].count_label.text()) >= 200  # the data is shown...
        assert on_screen(pane) == first  # ...but nothing moved under the pointer
        assert not pane.order_note.isVisibleTo(pane)
        pointer_leaves_grid(pane, qtbot)
        await wait_until(lambda: on_screen(pane)[0] == climber)
        assert pane.order_note.isVisibleTo(pane) and pane.order_note.text() == "Order updated"

    qloop.run_until_complete(scenario())


def test_the_first_counts_sort_the_cards_even_under_a_resting_pointer(make_pane, fresh_sim, qloop, qtbot):
    """Before any count the cards stand in name order; that is no order to hold
    for a pointer that happens to rest where the pane opens."""
    put_open(fresh_sim)
    pane = make_pane(wait=False)
    QApplication.sendEvent(
        pane.grid_scroll, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(pane.grid_scroll.mapToGlobal(QPoint(5, 5))))
    )
    assert pane.pointer_over_grid()
    qloop.run_until_complete(wait_until(lambda: pane.controller.polls >= 1 and len(pane.cards) == 14))
    snapshots = pane.controller.service.snapshots()
    assert on_screen(pane) == [s.store.uuid for s in sorted(snapshots, key=fullness_key)]
    assert pane.controller.service.snapshot(on_screen(pane)[0]).store.name != NO_LIMIT_STORE


def test_a_second_click_at_the_same_spot_adjusts_the_same_store(make_pane, fresh_sim, qloop, qtbot):
    """The walkthrough: −1, two seconds later −1 again at the same spot, and the
    second went to another store because the cards had re-sorted meanwhile."""
    put_open(fresh_sim)
    pane = make_pane()
    order = on_screen(pane)
    target = order[1]
    climber = store(fresh_sim, LIMITED_STORE).uuid
    assert climber not in order[:2]
    spot_in_pane = pane.cards[target].minus_button.mapTo(pane, QPoint(10, 10))
    name = pane.controller.service.snapshot(target).store.name

    async def scenario():
        client = pane.controller.service.client
        tz = pane.controller.service.snapshot(target).store.time_zone
        before = await occupancy_now(client, target, tz)
        pointer_enters_grid(pane, qtbot, pane.cards[target].minus_button)
        qtbot.mouseClick(pane.childAt(spot_in_pane), Qt.MouseButton.LeftButton)
        await wait_until(lambda: "Adjusted -1" in pane.cards[target].message_label.text())
        await client.adjust_occupancy(climber, 200)  # would put another card here
        await polled(pane)
        hit = pane.childAt(spot_in_pane)
        assert hit is pane.cards[target].minus_button, f"the spot now holds another card than {name}"
        qtbot.mouseClick(hit, Qt.MouseButton.LeftButton)
        await wait_until(lambda: sent(fresh_sim, "/v1/occupancy/adjust") == 3 and not pane.cards[target]._busy)
        assert await occupancy_now(client, target, tz) == before - 2

    qloop.run_until_complete(scenario())


def test_a_clicked_button_keeps_focus_in_its_card_and_the_order_follows_after_leave(make_pane, fresh_sim, qloop, qtbot):
    """Seen under Xvfb: the clicked −1 went disabled while sending, Qt passed focus
    on to the next card's −1 as if by Tab, and that 'keyboard focus' held the
    order after the pointer had left (and Space would have adjusted that store)."""
    put_open(fresh_sim)
    pane = make_pane()
    pane.activateWindow()
    qtbot.waitActive(pane)
    first = on_screen(pane)
    card = pane.cards[first[0]]
    climber = store(fresh_sim, LIMITED_STORE).uuid

    async def scenario():
        pointer_enters_grid(pane, qtbot, card.minus_button)
        qtbot.mouseClick(card.minus_button, Qt.MouseButton.LeftButton)
        assert not card.minus_button.isEnabled()
        assert _card_of(QApplication.focusWidget(), pane) in (card.store_uuid, None)
        await wait_until(lambda: "Adjusted -1" in card.message_label.text())
        assert QApplication.focusWidget() is card.minus_button
        await pane.controller.service.client.adjust_occupancy(climber, 200)
        await polled(pane)
        assert on_screen(pane) == first
        pointer_leaves_grid(pane, qtbot)
        await wait_until(lambda: on_screen(pane)[0] == climber)

    qloop.run_until_complete(scenario())


def test_apply_from_the_keyboard_leaves_focus_in_the_same_card(make_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    pane = make_pane()
    pane.activateWindow()
    qtbot.waitActive(pane)
    card = pane.cards[store(fresh_sim, LIMITED_STORE).uuid]

    async def scenario():
        card.amount.setValue(3)
        card.apply_button.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.keyClick(card.apply_button, Qt.Key.Key_Space)
        await wait_until(lambda: "Adjusted +3" in card.message_label.text())
        assert not card.apply_button.isEnabled()  # back to zero
        assert _card_of(QApplication.focusWidget(), pane) == card.store_uuid, QApplication.focusWidget()

    qloop.run_until_complete(scenario())


def test_an_adjust_in_flight_or_keyboard_focus_holds_the_order(make_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    pane = make_pane()
    first = on_screen(pane)
    climber = store(fresh_sim, LIMITED_STORE).uuid
    card = pane.cards[first[-5]]
    pane.activateWindow()
    qtbot.waitActive(pane)

    async def scenario():
        pointer_leaves_grid(pane, qtbot)
        card.minus_button.setFocus(Qt.FocusReason.TabFocusReason)
        await wait_until(lambda: card.holds_order())
        assert not pane.pointer_over_grid()
        await pane.controller.service.client.adjust_occupancy(climber, 200)
        await polled(pane)
        assert on_screen(pane) == first
        pane.scope.setFocus(Qt.FocusReason.TabFocusReason)  # focus leaves the cards
        await wait_until(lambda: on_screen(pane)[0] == climber)

    qloop.run_until_complete(scenario())


# ---------------------------------------------------------------- 3: wheel


def test_the_wheel_scrolls_the_grid_and_leaves_unfocused_spin_boxes_alone(make_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    pane = make_pane(size=(1100, 500))
    card = pane.cards[store(fresh_sim, LIMITED_STORE).uuid]
    spin = card.amount
    bar = pane.grid_scroll.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus and not spin.hasFocus()

    def wheel(widget, notches=-3) -> bool:
        """Whether the widget took the wheel. Qt hands a wheel event the widget
        ignores on to its parents (here up to the scroll area) only when it comes
        from the window system, so a sent one stops where it is ignored."""
        centre = QPointF(widget.rect().center())
        event = QWheelEvent(
            centre,
            QPointF(widget.mapToGlobal(centre.toPoint())),
            QPoint(0, 0),
            QPoint(0, 120 * notches),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(widget, event)
        return event.isAccepted()

    assert not wheel(spin.lineEdit())  # what is under the pointer over a spin box
    assert not wheel(spin)
    assert spin.value() == 0 and not card.apply_button.isEnabled()
    assert wheel(pane.grid_scroll.viewport())  # where an ignored wheel ends up: the grid scrolls
    assert bar.value() > 0

    pane.activateWindow()
    qtbot.waitActive(pane)
    spin.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(spin.hasFocus)
    assert wheel(spin, notches=1)
    assert spin.value() == 1  # a focused spin box still takes the wheel


# ---------------------------------------------------------------- 6: unusual adjusts


def test_an_adjust_below_zero_is_confirmed_and_reports_what_happened(make_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    pane = make_pane()
    s = store(fresh_sim, LIMITED_STORE)
    card = pane.cards[s.uuid]

    def dialog() -> QMessageBox | None:
        boxes = [b for b in pane.findChildren(QMessageBox) if b.isVisible()]
        return boxes[0] if boxes else None

    def press(box: QMessageBox, text: str) -> None:
        button = next(b for b in box.buttons() if b.text().replace("&", "") == text)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    async def scenario():
        before = await occupancy_now(pane.controller.service.client, s.uuid, s.time_zone)
        assert 0 < before < 100
        card.amount.setValue(-100)
        qtbot.mouseClick(card.apply_button, Qt.MouseButton.LeftButton)
        box = await wait_until(dialog)
        assert "below zero" in box.text() and "-100" in box.text() and LIMITED_STORE in box.text()
        press(box, "Cancel")
        await wait_until(lambda: "cancelled" in card.message_label.text())
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 0
        assert card.amount.value() == -100 and card.apply_button.isEnabled()  # kept for a second try

        qtbot.mouseClick(card.apply_button, Qt.MouseButton.LeftButton)
        press(await wait_until(dialog), "Adjust -100")
        await wait_until(lambda: "Adjusted -100" in card.message_label.text())
        message = card.message_label.text()
        assert f"occupancy now 0 (was {before}" in message and "below 0" in message, message
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
        assert card.count_label.text() == "0"

    qloop.run_until_complete(scenario())


def test_only_unusual_adjusts_are_questioned(make_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    asked = []

    async def confirm(_parent, _title, question, _action):
        asked.append(question)
        return False

    pane = make_pane(confirm=confirm)
    card = pane.cards[store(fresh_sim, LIMITED_STORE).uuid]

    async def scenario():
        card.amount.setValue(11)
        qtbot.mouseClick(card.apply_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "cancelled" in card.message_label.text())
        assert len(asked) == 1 and "large" in asked[0]
        card.amount.setValue(3)
        qtbot.mouseClick(card.apply_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "Adjusted +3" in card.message_label.text())
        assert len(asked) == 1 and sent(fresh_sim, "/v1/occupancy/adjust") == 1

    qloop.run_until_complete(scenario())


# ---------------------------------------------------------------- 8: what a card says


def _card(name: str, store_id: str | None, *, occupancy=None, width=340) -> StoreCard:
    card = StoreCard("u1")
    ref = StoreRef("u1", name, store_id, 40, "America/New_York")
    card.set_snapshot(StoreOccupancy(ref, occupancy=occupancy), Thresholds(), None)
    card.resize(width, card.sizeHint().height())
    return card


@pytest.mark.parametrize("level", list(Level))
def test_the_level_badge_shows_its_whole_word(qtbot, level):
    card = _card("Willow Glen", "101")
    qtbot.addWidget(card)
    card.badge.set_level(level)
    card.show()
    qtbot.waitExposed(card)
    font = QFont(card.badge.font())
    font.setBold(True)
    assert card.badge.width() >= 26 + QFontMetrics(font).horizontalAdvance(WORDS[level])


@pytest.mark.parametrize("width", [340, 390])  # the narrowest card; a card at a 1440 px window
def test_a_long_store_name_gives_way_and_the_store_id_stays_on_its_line(qtbot, width):
    card = _card("Minneapolis Skyway Mall of the North", "203", width=width)
    qtbot.addWidget(card)
    card.show()
    qtbot.waitExposed(card)
    qtbot.waitUntil(lambda: card.name_label.width() > 0)
    line = QFontMetrics(card.name_label.font()).lineSpacing()
    assert card.id_label.isVisible() and "#203" in card.id_label.text()
    assert card.name_label.height() < 1.7 * line and card.id_label.height() < 1.7 * line
    assert abs(card.id_label.geometry().center().y() - card.name_label.geometry().center().y()) <= 2
    assert card.id_label.geometry().right() <= card.badge.geometry().left()
    assert card.name_label.text().endswith("…")
    assert card.name_label.toolTip() == "Minneapolis Skyway Mall of the North"


def test_no_adjust_before_the_first_count_and_the_card_says_why(make_pane, fresh_sim, qloop):
    put_open(fresh_sim)
    fresh_sim.faults.add("/v2/datamine", "delay", count=10_000, seconds=3.0)
    pane = make_pane(wait=False)
    qloop.run_until_complete(wait_until(lambda: len(pane.cards) == 14))
    card = pane.cards[store(fresh_sim, LIMITED_STORE).uuid]
    assert card.updated_label.text().startswith("Not read yet")
    for control in (card.minus_button, card.plus_button, card.amount):
        assert not control.isEnabled()
        assert "first count" in control.toolTip()
    assert card.reason_label.isVisibleTo(card) and "first count" in card.reason_label.text()
    fresh_sim.faults.clear()


def test_a_store_without_a_limit_says_why_it_cannot_be_adjusted(make_pane, fresh_sim):
    put_open(fresh_sim)
    pane = make_pane()
    card = pane.cards[store(fresh_sim, NO_LIMIT_STORE).uuid]
    assert not card.minus_button.isEnabled() and not card.amount.isEnabled()
    for control in (card.minus_button, card.plus_button, card.amount, card.apply_button):
        assert "limit" in control.toolTip() and "Locations" in control.toolTip()
    assert card.reason_label.isVisibleTo(card) and "Locations" in card.reason_label.text()


# ---------------------------------------------------------------- 9: keyboard


def _card_of(widget, pane) -> str | None:
    while widget is not None and widget is not pane:
        if isinstance(widget, StoreCard):
            return widget.store_uuid
        widget = widget.parentWidget()
    return None


def test_tab_walks_the_cards_in_screen_order(make_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)
    pane = make_pane()
    pane.activateWindow()
    qtbot.waitActive(pane)
    seen = on_screen(pane)
    usable = [u for u in seen if pane.cards[u].minus_button.isEnabled()]
    assert len(usable) >= 8
    pane.scope.setFocus(Qt.FocusReason.TabFocusReason)
    walked: list[str] = []
    for _ in range(4 * len(usable)):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        uuid = _card_of(QApplication.focusWidget(), pane)
        if uuid and (not walked or walked[-1] != uuid):
            walked.append(uuid)
        if len(walked) == len(usable) + 1:
            break  # back round to the first card
    assert walked[: len(usable)] == usable


@pytest.mark.parametrize("control", ["plus_button", "amount"])
def test_focused_controls_have_a_clear_focus_ring(make_pane, fresh_sim, qtbot, control):
    put_open(fresh_sim)
    pane = make_pane()
    pane.setStyleSheet(resources.read_text("style.qss"))  # the app sets it on the QApplication
    pane.activateWindow()
    qtbot.waitActive(pane)
    widget = getattr(pane.cards[store(fresh_sim, LIMITED_STORE).uuid], control)
    ring = QColor("#1f6feb").name()

    def ring_width() -> int:
        """Ring-coloured pixels from the left edge inwards, halfway down."""
        image = widget.grab().toImage()
        y = image.height() // 2
        return sum(1 for x in range(4) if QColor(image.pixel(x, y)).name() == ring)

    assert ring_width() == 0
    geometry = widget.geometry()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)
    qtbot.waitUntil(lambda: ring_width() >= 2)
    widget.parentWidget().layout().activate()
    assert widget.geometry() == geometry  # focus does not move what is under the pointer


# ---------------------------------------------------------------- clock


def test_adjust_messages_use_the_injected_clock_in_store_time(make_pane, fresh_sim, qloop, qtbot):
    put_open(fresh_sim)  # frozen: 15:00 in Chicago
    pane = make_pane()
    card = pane.cards[store(fresh_sim, LIMITED_STORE).uuid]
    qtbot.mouseClick(card.plus_button, Qt.MouseButton.LeftButton)
    qloop.run_until_complete(wait_until(lambda: "Adjusted +1" in card.message_label.text()))
    assert "15:00:00 store time" in card.message_label.text(), card.message_label.text()


# ---------------------------------------------------------------- the shell's pane contract


def test_activate_deactivate_shutdown(qtbot, qloop, fresh_sim):
    put_open(fresh_sim)
    client = make_client(fresh_sim)
    ctx = make_ctx(client)
    ctx.now = fresh_sim.clock.now  # the demo's clock reaches the pane through its context
    pane = create_pane(ctx, interval=0.2)
    qtbot.addWidget(pane)
    controller = pane.controller
    assert controller.service.now == fresh_sim.clock.now
    assert not controller.running  # created, not yet shown: no requests

    async def scenario():
        pane.activate()
        await wait_until(lambda: controller.polls >= 1)
        pane.deactivate()
        await controller.wait_stopped()
        assert not controller.running
        pane.activate()
        await wait_until(lambda: controller.running)
        pane.scope.setCurrentIndex(pane.scope.findData("__selected__"))
        assert len(pane.cards) == 0  # no store selected yet
        pane.shutdown()
        await controller.wait_stopped()
        pane.activate()
        pane.show()
        assert not controller.running  # dropped for good
        stores = await controller.service.load_stores()
        ctx.stores.set_stores(stores, stores[0].uuid)  # would show its card if still listened to
        assert len(pane.cards) == 0
        await client.aclose()

    qloop.run_until_complete(scenario())
