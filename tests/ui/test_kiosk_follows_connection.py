"""An entrance display started from the app while the app changes connection: it must
not go on polling on the client the app closes. The same account reconnected (its
details edited): the display follows the new connection, for the same store. Another
account (here demo data) without that store: the display closes and the app says why.
Before the fix the display kept the old, closed client and never updated again."""

from __future__ import annotations

import pytest
from shiboken6 import isValid

from storeops.secrets import SecretStore
from storeops.settings import Profile, Settings
from storeops.ui.kiosk import KioskWidget
from storeops.ui.kiosk.state import KioskState
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import wait_until
from tests.ui.shell_env import closed_port_url, profile_settings

pytestmark = pytest.mark.gui
STORE = "Chicago Loop"


def kiosks(qapp) -> list[KioskWidget]:
    return [w for w in qapp.topLevelWidgets() if isinstance(w, KioskWidget) and isValid(w) and w.isVisible()]


@pytest.fixture
def app_keeps_running(qapp):
    quit_on_close = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)  # as `storeops` sets it
    yield
    qapp.setQuitOnLastWindowClosed(quit_on_close)


async def start_display(app, qapp) -> KioskWidget:
    await wait_until(app.connected.is_set, timeout=30)
    app.selection.set_current(next(s for s in app.selection.stores() if s.name == STORE))
    app.window.kiosk_action.trigger()
    [display] = kiosks(qapp)
    await wait_until(lambda: display.view().state is not KioskState.STARTING)
    return display


def test_the_display_follows_the_same_account_reconnected(run_app, sim, memory_keyring, qapp, app_keeps_running):
    async def body(app):
        display = await start_display(app, qapp)
        uuid, old_client = display.controller.store_uuid, app.client
        app._profile_saved(Settings.load().active_profile_id)  # the account in use was edited: reconnect
        await wait_until(lambda: app.connected.is_set() and app.client is not old_client, timeout=30)
        [fresh] = kiosks(qapp)
        assert fresh is not display and app.window.kiosk.widget is fresh
        assert fresh.controller.store_uuid == uuid
        assert fresh.controller.service.client is app.client  # on the new connection
        await wait_until(lambda: old_client.transport.http.is_closed, timeout=10)
        polls = sim.world.requests["/v2/datamine"]
        await wait_until(lambda: sim.world.requests["/v2/datamine"] > polls, timeout=15)  # and it polls there
        assert fresh.view().state is not KioskState.STARTING and fresh.view().footer.startswith(STORE)
        assert app.reporter.last_error is None

    run_app(profile_settings(sim.url), body)


def test_the_display_closes_with_a_message_when_the_new_account_lacks_its_store(
    run_app, sim, memory_keyring, qapp, app_keeps_running
):
    async def body(app):
        display = await start_display(app, qapp)
        uuid, old_client = display.controller.store_uuid, app.client
        app.use_profile(None)  # demo data: another chain
        await wait_until(lambda: app.connected.is_set() and app.demo, timeout=30)
        assert uuid not in {s.uuid for s in app.selection.stores()}  # the premise: no such store there
        await wait_until(lambda: not kiosks(qapp), timeout=5)
        assert app.window.kiosk.widget is None
        assert f"The entrance display closed: “{STORE}” is not in the account now in use" in (
            app.reporter.last_error or ""
        )
        assert app.window.isVisible()
        await wait_until(lambda: old_client.transport.http.is_closed, timeout=10)

    run_app(profile_settings(sim.url), body)


def test_the_display_closes_when_the_new_connection_fails(run_app, sim, memory_keyring, qapp, app_keeps_running):
    settings = profile_settings(sim.url)
    nowhere = Profile(name="Nowhere", base_url=closed_port_url(), access_key=ACCESS_KEY)
    settings.upsert_profile(nowhere)
    settings.save()
    SecretStore().set(nowhere.id, SECRET_KEY)

    async def body(app):
        await start_display(app, qapp)
        app.use_profile(nowhere.id)
        await wait_until(lambda: not kiosks(qapp), timeout=30)
        assert app.window.kiosk.widget is None and not app.connected.is_set()
        assert "The entrance display closed: StoreOps could not connect" in (app.reporter.last_error or "")

    run_app(settings, body)
