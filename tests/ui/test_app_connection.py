"""The app's connection life cycle against the real simulator: an account, demo mode,
no secret, a wrong secret, an unreachable server, coming back, switching accounts."""

from __future__ import annotations

import asyncio
import socket

import pytest

from storeops.app import App
from storeops.settings import Settings
from tests.conftest import SECRET_KEY, start_pinned_simulator
from tests.helpers import wait_until
from tests.ui.shell_env import closed_port_url, profile_settings

pytestmark = pytest.mark.gui


def test_window_connects_to_the_active_profile(run_app, sim, memory_keyring):
    async def body(app):
        w = app.window
        assert w.isVisible()
        assert app.connected.is_set()
        assert w.status.state == "connected"
        assert w.status.connection.text() == f"Connected to {sim.url}"
        assert not w.demo_badge.isVisible()
        assert not app.demo
        assert app.ctx is not None and app.ctx.client is app.client
        assert w.panes.currentWidget() is w.panes.pane("locations")

    run_app(profile_settings(sim.url), body)


def test_demo_mode_shows_badge_and_demo_stores(run_app):
    async def body(app):
        w = app.window
        assert app.demo and app.ctx.demo
        assert w.demo_badge.isVisible() and w.demo_badge.text() == "Demo data"
        assert w.status.state == "demo"
        assert "Demo data" in w.status.connection.text()
        stores = app.selection.stores()
        assert len(stores) >= 3
        assert w.store_selector.count() == len(stores)
        assert w.store_selector.isEnabled()
        simulator = app.simulator
        await app.shutdown()
        assert app.simulator is None
        port = int(simulator.url.rsplit(":", 1)[1])
        with pytest.raises(OSError):  # the demo server is really gone
            socket.create_connection(("127.0.0.1", port), timeout=1).close()

    run_app(Settings.load(), body)  # no account configured: demo by default


def test_window_paints_before_the_demo_server_is_up(qloop):
    """Start-up never waits for the simulator: the first paint shows "Connecting…"."""
    app = App(Settings.load())
    seen = []
    app.window.first_painted.connect(
        lambda _t: seen.append(
            (
                app.simulator is None,
                app.window.panes.currentWidget() is app.window.panes.connecting,
                app.window.demo_badge.isVisible(),
            )
        )
    )

    async def main():
        try:
            await app.start()
            assert app.connected.is_set() and app.simulator is not None
        finally:
            await app.shutdown()
            app.window.deleteLater()

    qloop.run_until_complete(main())
    assert seen == [(True, True, True)]


def test_missing_secret_sends_the_user_to_accounts(run_app, sim, memory_keyring):
    async def body(app):
        w = app.window
        assert w.status.state == "error"
        assert "No secret key stored" in w.status.last_error.text()
        assert "Enter it again under Accounts" in w.panes.connecting.text.text()
        w.panes.connecting.buttons["accounts"].click()
        assert app._dialogs[-1].objectName() == "AccountsDialog"
        app._dialogs[-1].close()

    run_app(profile_settings(sim.url, secret=None), body)


def test_unreachable_server_shows_offline_and_retry(run_app, memory_keyring):
    async def body(app):
        w = app.window
        assert not app.connected.is_set()
        assert w.status.state == "offline"
        assert w.status.connection.text() == "Offline"
        assert "Cannot reach 127.0.0.1" in w.status.last_error.text()
        assert "Check this computer's network connection" in w.panes.connecting.text.text()
        assert w.panes.currentWidget() is w.panes.connecting
        assert w.panes.connecting.buttons["retry"].isVisibleTo(w)
        assert w.panes.connecting.title.text() == "Could not connect"

    run_app(profile_settings(closed_port_url()), body)


def test_offline_app_reconnects_when_the_server_comes_back(run_app, qloop, memory_keyring):
    url = closed_port_url()
    port = int(url.rsplit(":", 1)[1])
    started = []

    async def body(app):
        assert app.window.status.state == "offline"
        assert "StoreOps tries again every 30 seconds" in app.window.panes.connecting.text.text()
        app.set_offline_retry(0.3)  # restarts the pending retry with the new interval
        loop = asyncio.get_running_loop()
        started.append(await loop.run_in_executor(None, lambda: start_pinned_simulator(port=port)))
        await wait_until(app.connected.is_set, timeout=10)
        assert app.window.status.state == "connected"
        assert app.selection.stores()

    try:
        run_app(profile_settings(url), body)
    finally:
        for running in started:
            running.stop()


def test_wrong_secret_says_so_in_the_status_bar(run_app, sim, memory_keyring):
    async def body(app):
        assert app.window.status.state == "error"
        assert "wrong access key or secret key (401)" in app.window.status.last_error.text()

    run_app(profile_settings(sim.url, secret="not-the-secret"), body)


def test_fixing_the_secret_in_accounts_reconnects(run_app, sim, memory_keyring):
    async def body(app):
        assert app.window.status.state == "error"
        assert "Sign-in refused" in app.window.status.last_error.text()
        app.window.accounts_action.trigger()
        dialog = app._dialogs[-1]
        dialog.edits["secret_key"].setText(SECRET_KEY)
        dialog.save_button.click()
        await wait_until(app.connected.is_set, timeout=10)
        assert app.window.status.state == "connected"
        assert app.window.status.last_error.text() == ""  # the old failure is not left standing
        assert app.selection.stores()
        dialog.close()

    run_app(profile_settings(sim.url, secret="not-the-secret"), body)


def test_switching_to_demo_reconnects(run_app, sim, memory_keyring):
    async def body(app):
        first_client = app.client
        app.use_profile(None)
        await wait_until(lambda: app.connected.is_set() and app.demo and app.client is not first_client, timeout=30)
        assert app.window.demo_badge.isVisible()
        assert app.window.status.state == "demo"
        # The old profile's client is closed once its last requests had time to end.
        await wait_until(lambda: first_client.transport.http.is_closed, timeout=5)
        assert app.settings.active_profile_id is None

    run_app(profile_settings(sim.url), body)


def test_dropped_panes_never_hear_the_store_selection_again(run_app, sim, memory_keyring):
    """Accounts → another account (here: demo data), then picking stores: the panes of
    the old connection are shut down and deleted, and no selection reaches them (it used
    to reach a deleted combo box and open the crash dialog)."""
    from storeops.ui.sidebar import PANES

    async def body(app):
        w = app.window
        w.sidebar.setCurrentRow([p.key for p in PANES].index("occupancy"))
        old_occupancy = w.panes.pane("occupancy")
        await wait_until(lambda: old_occupancy.controller.polls >= 1)
        w.sidebar.setCurrentRow([p.key for p in PANES].index("locations"))
        await wait_until(lambda: not old_occupancy.controller.running)  # hidden: it stops polling
        old = dict(w.panes.created())
        app.use_profile(None)
        await wait_until(lambda: app.connected.is_set() and app.demo, timeout=30)
        assert old_occupancy.controller._shut
        assert not set(map(id, old.values())) & set(map(id, w.panes.created().values()))
        for store in app.selection.stores()[:5]:
            app.selection.set_current(store.uuid)  # must reach only the new panes
            await asyncio.sleep(0)
        await wait_until(lambda: w.store_selector.currentText() != "")

    run_app(profile_settings(sim.url), body)
