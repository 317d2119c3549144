"""The kiosk entrance display against the real simulator: states and colours,
closed hours, languages, stale data, reconnect, exit protection, cursor, staff
buttons, and the `storeops kiosk` entry point."""

from __future__ import annotations

import argparse
import json

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor

from storeops.api.retry import RetryPolicy
from storeops.ui.kiosk import KioskConfig, Messages, create_kiosk_widget
from storeops.ui.kiosk.pin import hash_pin
from storeops.ui.kiosk.state import COLOURS, KioskState
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import wait_until
from tests.ui.occupancy_env import (
    LIMITED_STORE,
    NO_LIMIT_STORE,
    make_client,
    occupancy_now,
    put_closed,
    put_open,
    sent,
    store,
)

pytestmark = pytest.mark.gui

INTERVAL = 0.3


@pytest.fixture
def kiosk(qapp, qtbot, qloop, fresh_sim):
    made = []
    # A kiosk that exits closes the last window; that must not stop the test's loop.
    quit_on_close = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)

    def make(store_key=LIMITED_STORE, *, client=None, config=None, **kw):
        client = client or make_client(fresh_sim)
        widget = create_kiosk_widget(
            client=client,
            store=store_key,
            interval=INTERVAL,
            now=fresh_sim.clock.now,
            config=config or KioskConfig(),
            **kw,
        )
        widget.resize(960, 540)
        widget.show()
        widget.controller.start()
        made.append((widget, client))
        qloop.run_until_complete(wait_until(lambda: widget.view().state is not KioskState.STARTING))
        return widget

    yield make
    for widget, client in made:
        widget.controller.stop()
        qloop.run_until_complete(widget.controller.wait_stopped())
        qloop.run_until_complete(client.aclose())
        widget._allow_close = True
        widget.close()
    made.clear()
    qapp.setQuitOnLastWindowClosed(quit_on_close)


def background(widget) -> str:
    return widget.grab().toImage().pixelColor(3, 3).name()


def test_green_amber_red_follow_occupancy(kiosk, fresh_sim, qloop):
    put_open(fresh_sim)
    widget = kiosk()
    s = store(fresh_sim, LIMITED_STORE)
    other = make_client(fresh_sim)
    try:
        occupancy = qloop.run_until_complete(occupancy_now(other, s.uuid, s.time_zone))
        assert occupancy < 64  # below 80 % of 80
        view = widget.view()
        assert view.state is KioskState.WELCOME and view.title == "Welcome"
        assert view.number == str(occupancy) and view.number_caption == "of 80 inside"
        assert view.detail == f"{80 - occupancy} more may enter"
        assert background(widget) == COLOURS[KioskState.WELCOME][0]

        qloop.run_until_complete(other.adjust_occupancy(s.uuid, 70 - occupancy))  # 87.5 %
        qloop.run_until_complete(wait_until(lambda: widget.view().state is KioskState.NEARLY_FULL))
        assert widget.view().title == "Nearly full" and widget.view().detail == "Only 10 more may enter"
        assert background(widget) == COLOURS[KioskState.NEARLY_FULL][0]

        qloop.run_until_complete(other.adjust_occupancy(s.uuid, 10))  # 100 %
        qloop.run_until_complete(wait_until(lambda: widget.view().state is KioskState.WAIT))
        assert widget.view().title == "Please wait" and widget.view().number == "80"
        assert background(widget) == COLOURS[KioskState.WAIT][0]
    finally:
        qloop.run_until_complete(other.aclose())


def test_poll_interval_comes_from_settings_unless_given(qloop, sim):
    from storeops.settings import Settings

    client = make_client(sim)

    def interval(**kw) -> float:
        widget = create_kiosk_widget(client=client, store=LIMITED_STORE, config=KioskConfig(), **kw)
        value = widget.controller.service.interval
        widget.shutdown()
        widget.deleteLater()
        return value

    assert interval(settings=Settings()) == 15.0
    assert interval(settings=Settings(poll_interval_s=3)) == 3.0
    assert interval(settings=Settings(poll_interval_s=3), interval=1.5) == 1.5  # --poll-interval wins
    qloop.run_until_complete(client.aclose())


def test_closed_outside_store_hours_with_opening_time(kiosk, fresh_sim):
    put_closed(fresh_sim)
    widget = kiosk()
    view = widget.view()
    assert view.state is KioskState.CLOSED
    assert (view.title, view.detail, view.number) == ("Closed", "We open at 10:00", "")
    assert background(widget) == COLOURS[KioskState.CLOSED][0]


def test_spanish_and_a_messages_file(kiosk, fresh_sim, tmp_path):
    put_open(fresh_sim)
    assert kiosk(lang="es").view().title == "Bienvenidos"
    custom = tmp_path / "messages.json"
    custom.write_text(json.dumps({"fr": {"welcome_title": "Bonjour !"}}), encoding="utf-8")
    view = kiosk(config=KioskConfig(lang="fr", messages_file=str(custom))).view()
    assert view.title == "Bonjour !"
    assert view.detail.startswith("Encore ")  # the rest stays in the shipped French


def test_stale_then_reconnects_to_a_restarted_simulator(kiosk, fresh_sim, qloop):
    from storeops.simulator.server import start_simulator

    put_open(fresh_sim)
    widget = kiosk(client=make_client(fresh_sim, timeout=1.0, retry=RetryPolicy.never()))
    widget.controller.service.max_backoff = 0.6
    assert widget.view().state is KioskState.WELCOME
    port = int(fresh_sim.url.rsplit(":", 1)[1])
    fresh_sim.stop()
    qloop.run_until_complete(wait_until(lambda: widget.view().state is KioskState.ASK_STAFF, timeout=5))
    view = widget.view()
    assert view.title == "Please ask staff" and view.number == ""
    assert view.detail.endswith("(as of 15:00)")  # store-local time of the last good count
    assert view.footer == LIMITED_STORE
    assert background(widget) == COLOURS[KioskState.ASK_STAFF][0]

    restarted = start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=7, port=port, clock=fresh_sim.clock)
    try:
        qloop.run_until_complete(wait_until(lambda: widget.view().state is KioskState.WELCOME, timeout=10))
    finally:
        widget.controller.stop()
        qloop.run_until_complete(widget.controller.wait_stopped())
        restarted.stop()


def test_old_data_never_stays_green(kiosk, fresh_sim, qloop):
    """Answers that hang (no failure yet) still turn the display grey after two intervals."""
    put_open(fresh_sim)
    widget = kiosk(client=make_client(fresh_sim, timeout=5.0, retry=RetryPolicy.never()))
    fresh_sim.faults.add("/v2/datamine", "delay", count=50, seconds=3.0)
    qloop.run_until_complete(
        wait_until(lambda: widget.view().state is KioskState.ASK_STAFF, timeout=2 * INTERVAL + 2.5)
    )
    fresh_sim.faults.clear()


def test_exit_needs_the_key_combination(kiosk, fresh_sim, qtbot, qloop):
    put_open(fresh_sim)
    widget = kiosk()
    assert widget.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert widget.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
    qtbot.keyClick(widget, Qt.Key.Key_Escape)
    qtbot.keyClick(widget, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert widget.close() is False  # window-manager close is refused
    assert widget.isVisible() and not widget.leaving
    with qtbot.waitSignal(widget.exit_requested, timeout=1000):
        qtbot.keyClick(widget, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not widget.isVisible()


def test_exit_with_a_pin(kiosk, fresh_sim, qtbot):
    put_open(fresh_sim)
    widget = kiosk(pin_hash=hash_pin("2468", iterations=1000))
    combo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    exits = []
    widget.exit_requested.connect(lambda: exits.append(1))
    qtbot.keyClick(widget, Qt.Key.Key_Q, combo)
    assert widget.pin_panel.isVisible() and widget.isVisible()
    qtbot.keyClicks(widget.pin_edit, "1111")
    qtbot.keyClick(widget.pin_edit, Qt.Key.Key_Return)
    assert widget.pin_error.text() == "Wrong PIN" and widget.isVisible() and not exits
    qtbot.keyClicks(widget.pin_edit, "abc")  # only digits are accepted
    assert widget.pin_edit.text() == ""
    qtbot.keyClick(widget.pin_edit, Qt.Key.Key_Escape)  # Esc only cancels the PIN prompt
    assert not widget.pin_panel.isVisible() and widget.isVisible()
    qtbot.keyClick(widget, Qt.Key.Key_Q, combo)
    qtbot.keyClicks(widget.pin_edit, "2468")
    qtbot.keyClick(widget.pin_edit, Qt.Key.Key_Return)
    assert exits == [1] and not widget.isVisible()


def test_wrong_pins_lock_the_prompt(kiosk, fresh_sim, qtbot):
    put_open(fresh_sim)
    widget = kiosk(pin_hash=hash_pin("2468", iterations=1000))
    widget.request_exit()
    for _ in range(5):
        widget.pin_edit.setText("0000")
        widget.submit_pin()
    assert "Too many tries" in widget.pin_error.text()
    widget.pin_edit.setText("2468")
    assert widget.submit_pin() is False and widget.isVisible()


def test_cursor_hides_when_idle_and_returns_on_move(kiosk, fresh_sim, qtbot, qloop):
    put_open(fresh_sim)
    widget = kiosk(config=KioskConfig(cursor_idle_s=0.2))
    qloop.run_until_complete(wait_until(lambda: widget.cursor_hidden, timeout=3))
    qtbot.mouseMove(widget, QPoint(50, 50))
    qtbot.mouseMove(widget, QPoint(60, 60))
    assert not widget.cursor_hidden
    qloop.run_until_complete(wait_until(lambda: widget.cursor_hidden, timeout=3))


def test_staff_buttons_adjust_once(kiosk, fresh_sim, qtbot, qloop):
    put_open(fresh_sim)
    widget = kiosk(staff_buttons=True)
    s = store(fresh_sim, LIMITED_STORE)
    before = int(widget.view().number)
    assert widget.plus_button.isVisible()
    qloop.run_until_complete(wait_until(widget.plus_button.isEnabled))
    qtbot.mouseClick(widget.plus_button, Qt.MouseButton.LeftButton)
    qloop.run_until_complete(wait_until(lambda: widget.notice() == "+1 ✓"))
    assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
    qloop.run_until_complete(wait_until(lambda: widget.view().number == str(before + 1)))
    client = widget.controller.service.client
    assert qloop.run_until_complete(occupancy_now(client, s.uuid, s.time_zone)) == before + 1
    assert widget.staff_note() == ""  # nothing to explain while they work


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de"])
def test_staff_buttons_without_an_occupancy_limit_say_why_in_the_display_language(kiosk, fresh_sim, qloop, lang):
    """Greyed ± with no reason: a touch screen shows no tooltip, so the display says it too."""
    put_open(fresh_sim)
    widget = kiosk(NO_LIMIT_STORE, staff_buttons=True, lang=lang)
    view = widget.view()
    assert view.state is KioskState.WELCOME and view.number  # a live count, but no limit to adjust against
    reason = Messages(lang).get("staff_no_limit")
    assert reason != "staff_no_limit" and "−1 / +1" in reason
    qloop.run_until_complete(wait_until(lambda: widget.staff_note() == reason))
    for button in (widget.minus_button, widget.plus_button):
        assert button.isVisible() and not button.isEnabled()
        assert button.toolTip() == reason
    assert widget.view().footer == NO_LIMIT_STORE  # the store's name stays; the reason is drawn beside it


def test_no_limit_reason_wording():
    reasons = {lang: Messages(lang).get("staff_no_limit") for lang in ("en", "es", "fr", "de")}
    assert reasons["en"].startswith("No occupancy limit set")  # the Occupancy pane's words
    assert len(set(reasons.values())) == 4  # each language its own


def test_no_reason_shown_without_staff_buttons(kiosk, fresh_sim):
    put_open(fresh_sim)
    widget = kiosk(NO_LIMIT_STORE)
    assert widget.plus_button is None and widget.staff_note() == ""


def test_staff_buttons_hidden_when_closed(kiosk, fresh_sim):
    put_closed(fresh_sim)
    widget = kiosk(staff_buttons=True)
    assert not widget.plus_button.isVisible() and not widget.plus_button.isEnabled()
    assert widget.plus_button.toolTip() == "Closed now — opens 10:00"


def test_run_kiosk_demo_resolves_store_and_leaves_on_combo(qapp, qtbot, qloop):
    from storeops.kiosk import run_kiosk_async

    quit_on_close = qapp.quitOnLastWindowClosed()

    shown = []

    def on_widget(widget):
        shown.append(widget)
        # Let it poll once, then a member of staff presses the combination.
        QTimer.singleShot(
            1500,
            lambda: qtbot.keyClick(
                widget, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
            ),
        )

    args = argparse.Namespace(store="201", demo=True)  # Chicago Loop by store id
    try:
        code = qloop.run_until_complete(run_kiosk_async(args, on_widget=on_widget))
    finally:
        qapp.setQuitOnLastWindowClosed(quit_on_close)
    assert code == 0
    widget = shown[0]
    assert widget.controller.store_uuid is not None
    assert widget.view().state is not KioskState.STARTING
    assert widget.view().footer.startswith("Chicago Loop")


def test_run_kiosk_collects_garbage_on_the_gui_thread_only(qapp, qtbot, qloop):
    """--demo runs the simulator's threads in-process: like the app, the kiosk keeps
    the cyclic collector off them (storeops.ui.gc_guard) while it runs, and gives it
    back on the way out."""
    import gc

    from storeops.kiosk import run_kiosk
    from storeops.ui.gc_guard import GuiThreadGc
    from storeops.ui.kiosk import KioskWidget

    quit_on_close = qapp.quitOnLastWindowClosed()
    seen = []

    def leave_once_shown():
        shown = [w for w in qapp.topLevelWidgets() if isinstance(w, KioskWidget) and w.isVisible()]
        if not shown:
            QTimer.singleShot(50, leave_once_shown)
            return
        guards = [g for g in qapp.findChildren(GuiThreadGc) if g.timer.isActive()]
        seen.append((gc.isenabled(), len(guards)))
        qtbot.keyClick(shown[0], Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)

    gc.enable()  # as in a process of its own (the test session keeps the collector off)
    QTimer.singleShot(0, leave_once_shown)
    try:
        code = run_kiosk(argparse.Namespace(store="201", demo=True))
        enabled_after = gc.isenabled()
    finally:
        gc.disable()  # back to the session's own arrangement (tests/conftest.py)
        qapp.setQuitOnLastWindowClosed(quit_on_close)
    assert code == 0
    assert seen == [(False, 1)]  # automatic collection off, the GUI-thread collector on
    assert enabled_after and not [g for g in qapp.findChildren(GuiThreadGc) if g.timer.isActive()]


def test_run_kiosk_unknown_store_is_an_error(qloop, capsys):
    from storeops.kiosk import run_kiosk_async

    code = qloop.run_until_complete(run_kiosk_async(argparse.Namespace(store="Nowhere", demo=True)))
    assert code == 2
    assert "no store matches 'Nowhere'" in capsys.readouterr().err


def test_colours_differ_beyond_hue():
    """Colour-blind safety is carried by icon and words; still, the fills differ in
    lightness so even greyscale tells green, amber and red apart."""
    lightness = [
        QColor(COLOURS[s][0]).lightness() for s in (KioskState.WELCOME, KioskState.NEARLY_FULL, KioskState.WAIT)
    ]
    assert len(set(lightness)) == 3 and max(lightness) - min(lightness) > 40
