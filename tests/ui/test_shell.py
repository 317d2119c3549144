"""The app shell against the real simulator: window, demo mode, sidebar, store
selector, status bar, crash path, settings and secrets on disk."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtGui import QKeySequence

from storeops import log as applog
from storeops.app import App
from storeops.config import app_dirs
from storeops.secrets import SecretStore
from storeops.settings import Profile, Settings
from storeops.ui.sidebar import PANES
from tests.conftest import ACCESS_KEY, SECRET_KEY, start_pinned_simulator
from tests.helpers import wait_until

pytestmark = pytest.mark.gui


class MemoryKeyring(KeyringBackend):
    """An in-memory OS keyring, for tests that need secrets to be stored."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.threads: set[str] = set()  # which threads touched it: the GUI must not

    def get_password(self, service, username):
        self.threads.add(threading.current_thread().name)
        return self.values.get((service, username))

    def set_password(self, service, username, password):
        self.threads.add(threading.current_thread().name)
        self.values[(service, username)] = password

    def delete_password(self, service, username):
        self.threads.add(threading.current_thread().name)
        self.values.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def profile_settings(url: str, secret: str | None = SECRET_KEY) -> Settings:
    settings = Settings.load()
    profile = Profile(name="Test chain", base_url=url, access_key=ACCESS_KEY)
    settings.upsert_profile(profile)
    settings.active_profile_id = profile.id
    settings.save()
    if secret is not None:
        SecretStore().set(profile.id, secret)
    return settings


def open_stores(sim) -> list:
    return [n for n in sim.world.stores() if n.archive_date is None]


@pytest.fixture
def run_app(qloop):
    """run_app(settings, body, **kw): start an App, await body(app), shut it down —
    all inside one run of the loop, so nothing of the app runs after the test."""

    def run(settings: Settings, body, **kw):
        async def main():
            app = App(settings, **kw)
            try:
                await app.start()
                return await body(app)
            finally:
                await app.shutdown()
                app.window.hide()
                app.window.deleteLater()

        return qloop.run_until_complete(main())

    return run


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


def test_screenshot_shuts_the_kiosk_down_and_stops_its_polling(run_app, tmp_path):
    """The kiosk refuses close() by design; the screenshot tool must use its
    shutdown, so no display stays up and no poll outlives the app's client."""
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from storeops.ui.kiosk import KioskWidget
    from storeops.ui.screenshot import save_kiosk

    def kiosk_polls() -> list[asyncio.Task]:
        return [t for t in asyncio.all_tasks() if not t.done()
                and t.get_coro().__qualname__ == "KioskController._run"]

    async def body(app):
        path = await save_kiosk(app, tmp_path)
        assert path == tmp_path / "kiosk.png" and not QImage(str(path)).isNull()
        assert not kiosk_polls()
        assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWidget) and w.isVisible()]

    run_app(Settings.load(), body)


def test_window_paints_before_the_demo_server_is_up(qloop):
    """Start-up never waits for the simulator: the first paint shows "Connecting…"."""
    app = App(Settings.load())
    seen = []
    app.window.first_painted.connect(
        lambda _t: seen.append((app.simulator is None, app.window.panes.currentWidget()
                                is app.window.panes.connecting, app.window.demo_badge.isVisible())))

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


def test_sidebar_and_shortcuts_switch_panes(run_app, sim, memory_keyring):
    from storeops.ui.placeholder import Placeholder

    async def body(app):
        w = app.window
        seen = {}
        for row, pane in enumerate(PANES):
            w.sidebar.setCurrentRow(row)
            widget = w.panes.currentWidget()
            assert widget is w.panes.pane(pane.key)
            assert w.panes.current_key == pane.key
            seen[pane.key] = widget
            await asyncio.sleep(0.05)
        assert len({id(v) for v in seen.values()}) == len(PANES)
        for key in ("traffic", "cameras", "video"):
            assert "later release" in seen[key].text.text()
        assert "Traffic charts arrive in a later release" in seen["traffic"].text.text()
        # Pane modules that exist load for real (not a placeholder).
        for pane in PANES:
            if pane.module and w.panes.module(pane.key) is not None:
                assert not isinstance(seen[pane.key], Placeholder), pane.key
        # Ctrl+1..5 are bound to the panes, in sidebar order.
        for number, action in enumerate(w.pane_actions, start=1):
            assert action.shortcut() == QKeySequence(f"Ctrl+{number}")
        w.pane_actions[1].trigger()
        assert w.panes.current_key == "occupancy" and w.sidebar.currentRow() == 1
        assert w.refresh_action.shortcut() == QKeySequence("F5")
        assert w.accounts_action.shortcut() == QKeySequence("Ctrl+,")
        assert w.about_action.shortcut() == QKeySequence("F1")
        assert w.quit_action.shortcut() == QKeySequence("Ctrl+Q")
        # Panes are created once: going back shows the same widget.
        w.sidebar.setCurrentRow(0)
        assert w.panes.currentWidget() is seen["locations"]
        assert app.settings.last_pane == "locations"

    run_app(profile_settings(sim.url), body)


def test_locations_and_occupancy_panes_load(run_app, sim, memory_keyring):
    """Once the pane modules exist they must load: a broken import fails here."""
    import importlib

    for pane in PANES:
        if pane.module:
            importlib.import_module(pane.module)

    async def body(app):
        for key in ("locations", "occupancy"):
            widget = app.window.show_pane(key)
            assert app.window.panes.module(key) is not None
            assert widget.objectName() != "Placeholder"
        assert app.reporter.last_error is None

    run_app(profile_settings(sim.url), body)


def test_store_selector_loads_stores_and_remembers_the_choice(run_app, sim, memory_keyring):
    expected = sorted(open_stores(sim), key=lambda n: n.name.casefold())
    settings_file = app_dirs().settings_file

    async def choose(app):
        selector = app.window.store_selector
        assert [selector.itemText(i).split("  ·  ")[0] for i in range(selector.count())] == \
            [n.name for n in expected]
        changes = []
        app.selection.changed.connect(changes.append)
        selector.setCurrentIndex(2)
        assert app.selection.current().uuid == expected[2].uuid
        assert changes and changes[-1].uuid == expected[2].uuid
        await wait_until(lambda: expected[2].uuid in settings_file.read_text())

    run_app(profile_settings(sim.url), choose)

    async def check(app):
        assert app.selection.current().uuid == expected[2].uuid
        assert app.window.store_selector.currentIndex() == 2

    run_app(Settings.load(), check)


def test_f5_refreshes_the_current_pane_and_f1_ctrl_comma_open_dialogs(run_app, sim, memory_keyring):
    async def body(app):
        w = app.window
        w.show_pane("locations")
        pane = w.panes.currentWidget()
        await wait_until(lambda: pane.loaded.is_set())
        before = sim.world.requests["/v2/location"]
        w.refresh_action.trigger()  # F5
        await wait_until(lambda: sim.world.requests["/v2/location"] > before)
        # A pane without refresh() (a placeholder): F5 re-reads the store list.
        w.show_pane("traffic")
        before = sim.world.requests["/v2/location"]
        w.refresh_action.trigger()
        await wait_until(lambda: sim.world.requests["/v2/location"] > before)

        w.about_action.trigger()  # F1
        about = app._dialogs[-1]
        assert about.isVisible() and about.objectName() == "AboutDialog"
        for name in ("StoreOps", "Python", "Qt", "PySide6", "httpx", "libvlc"):
            assert about.values[name], name
        assert about.values["StoreOps"] == "0.1.0"
        about.close()

        w.accounts_action.trigger()  # Ctrl+,
        accounts = app._dialogs[-1]
        assert accounts.isVisible() and accounts.objectName() == "AccountsDialog"
        assert accounts.edits["name"].text() == "Test chain"  # the active profile is shown
        accounts.close()

    run_app(profile_settings(sim.url), body)


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
        started.append(await loop.run_in_executor(
            None, lambda: start_pinned_simulator(port=port)))
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
        app.window.accounts_action.trigger()
        dialog = app._dialogs[-1]
        dialog.edits["secret_key"].setText(SECRET_KEY)
        dialog.save_button.click()
        await wait_until(app.connected.is_set, timeout=10)
        assert app.window.status.state == "connected"
        assert app.selection.stores()
        dialog.close()

    run_app(profile_settings(sim.url, secret="not-the-secret"), body)


def test_switching_to_demo_reconnects(run_app, sim, memory_keyring):
    async def body(app):
        first_client = app.client
        app.use_profile(None)
        await wait_until(lambda: app.connected.is_set() and app.demo and app.client is not first_client,
                         timeout=30)
        assert app.window.demo_badge.isVisible()
        assert app.window.status.state == "demo"
        # The old profile's client is closed once its last requests had time to end.
        await wait_until(lambda: first_client.transport.http.is_closed, timeout=5)
        assert app.settings.active_profile_id is None

    run_app(profile_settings(sim.url), body)


@pytest.mark.qt_no_exception_capture
def test_crash_in_async_slot_opens_dialog_and_app_keeps_running(run_app, sim, memory_keyring):
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QGuiApplication
    from qasync import asyncSlot

    from storeops.ui.dialogs.crash import CrashHandler

    class Buggy(QObject):
        @asyncSlot()
        async def go(self):
            await asyncio.sleep(0)
            raise RuntimeError("boom in a slot " + SECRET_KEY)

    async def body(app):
        handler = CrashHandler().install()
        try:
            buggy = Buggy()
            buggy.go()
            await wait_until(lambda: handler.open_dialogs and handler.open_dialogs[0].isVisible())
            dialog = handler.open_dialogs[0]
            assert "RuntimeError: boom in a slot" in dialog.summary.text()
            assert "Traceback" in dialog.report and "StoreOps 0.1.0" in dialog.report
            assert "Python " in dialog.report and "OS " in dialog.report and "Qt " in dialog.report
            assert SECRET_KEY not in dialog.report  # the profile's secret is masked
            dialog.copy()
            assert QGuiApplication.clipboard().text() == dialog.report
            # The app keeps running: the loop turns and the window still works.
            assert app.window.isVisible()
            app.window.show_pane("traffic")
            assert app.window.panes.current_key == "traffic"
            await app.reload_stores()
            assert app.selection.stores()
            dialog.close()
            # A plain (not async) slot goes the same way.
            from PySide6.QtCore import QTimer

            def sync_slot():
                raise ValueError("sync slot failed")

            QTimer.singleShot(0, sync_slot)
            await wait_until(lambda: handler.count == 2 and handler.open_dialogs)
            second = handler.open_dialogs[-1]
            assert second.isVisible() and "ValueError: sync slot failed" in second.summary.text()
            second.close()
        finally:
            handler.uninstall()

    run_app(profile_settings(sim.url), body)


def test_no_secret_in_settings_or_log_files(run_app, sim, memory_keyring):
    secret = "s3cret-Value-For-Grep-42"
    applog.setup(app_dirs().log)
    try:
        settings = profile_settings(sim.url, secret=secret)

        async def body(app):
            # Real traffic with the secret, then logs that would leak it if unmasked.
            log = logging.getLogger("storeops.test")
            log.warning("request Authorization: Basic %s", secret)
            log.warning("GET /v1/hls/x.m3u8?token=%s", "tok-ABCDEFG-123")
            log.error("failed with secret %s", secret)
            assert memory_keyring.values[("StoreOps", settings.active_profile_id)] == secret

        run_app(settings, body)
    finally:
        applog.shutdown_file()
    home = Path(os.environ["STOREOPS_HOME"])
    files = [p for p in home.rglob("*") if p.is_file()]
    assert app_dirs().settings_file in files and app_dirs().log_file in files
    for path in files:
        data = path.read_bytes()
        assert secret.encode() not in data, path
        assert b"tok-ABCDEFG-123" not in data, path
    assert "request Authorization: Basic ***" in app_dirs().log_file.read_text()
    saved = json.loads(app_dirs().settings_file.read_text())
    assert saved["profiles"][0]["access_key"] == ACCESS_KEY
    assert "secret" not in json.dumps(saved).lower()


def test_corrupt_settings_give_defaults_and_a_warning(caplog):
    path = app_dirs().settings_file
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="storeops.settings"):
        settings = Settings.load()
    assert settings.profiles == [] and settings.thresholds.amber == 80 and settings.thresholds.red == 100
    assert any("corrupt" in r.getMessage() for r in caplog.records)
    assert path.with_name("settings.json.corrupt").read_text() == "{not json"
    settings.last_pane = "traffic"
    assert settings.save()
    assert Settings.load().last_pane == "traffic"
    assert not list(path.parent.glob(".settings-*"))  # no temp file left behind


def test_background_saves_land_in_the_order_asked():
    settings = Settings.load()
    futures = []
    for pane in ("traffic", "cameras", "video", "occupancy"):
        settings.last_pane = pane
        futures.append(settings.save_in_background())  # a snapshot of this moment
    assert all(f.result(timeout=5) for f in futures)
    settings.flush()
    assert Settings.load().last_pane == "occupancy"


def test_settings_with_wrong_types_fall_back_to_defaults(caplog):
    path = app_dirs().settings_file
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"profiles": "nope", "poll_interval_s": -3}))
    with caplog.at_level(logging.WARNING):
        settings = Settings.load()
    assert settings.profiles == [] and settings.poll_interval_s == 15.0


def test_poll_interval_defaults_to_15_s_and_is_at_least_1_s():
    from pydantic import ValidationError

    assert Settings().poll_interval_s == 15.0  # issue 4: "every 15 s by default"
    with pytest.raises(ValidationError):
        Settings(poll_interval_s=0.5)
    settings = Settings.load()
    settings.poll_interval_s = 1
    assert settings.save()
    assert Settings.load().poll_interval_s == 1.0
