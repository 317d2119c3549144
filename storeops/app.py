"""Composition root: settings, secrets, the API client (or the demo simulator),
the shared store selection and the main window.

The window is shown first; the connection is made after its first paint, so
start-up never waits for the network or for the demo simulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from secrets import token_urlsafe
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDialog

from storeops import log as applog
from storeops.secrets import SecretStore
from storeops.services.jobs import Job, JobService
from storeops.services.store_hours import utc_now
from storeops.settings import Settings
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from storeops.ui.main_window import MainWindow

log = logging.getLogger(__name__)

DEMO_SEED = 1
SAVE_DELAY_MS = 400
FIRST_PAINT_WAIT_S = 0.5
CLOSE_GRACE_S = 2.0
OFFLINE_RETRY_S = 30.0
DEMO_SOURCE = "Demo data — an example store chain, not your stores"


class App(QObject):
    def __init__(self, settings: Settings, secrets: SecretStore | None = None, *,
                 force_demo: bool = False, demo_seed: int = DEMO_SEED, demo_clock: Any = None):
        super().__init__()
        self.settings = settings
        self.secrets = secrets or SecretStore()
        self.force_demo = force_demo
        self.demo_seed = demo_seed
        # storeops.simulator.clock.Clock for the demo chain (None: real time); in demo
        # mode the panes read the same clock, so a pinned demo is the same everywhere.
        self.demo_clock = demo_clock
        self.reporter = StatusReporter(self)
        # Long work and the app's own background tasks: app-scoped, so they outlive a
        # pane or a reconnect, and shutdown cancels them in one place.
        self.jobs = JobService(on_failure=self._job_failed)
        self.selection = StoreSelection(self)
        self.window = MainWindow(settings, self.selection, self.reporter)
        self.window.status.watch_jobs(self.jobs)
        self.client: Any = None
        self.simulator: Any = None
        self.ctx: PaneContext | None = None
        self.demo = False
        self._closed = asyncio.Event()
        self.connected = asyncio.Event()
        self._connect_lock = asyncio.Lock()
        self._dialogs: list[QDialog] = []
        self._retired: list[tuple] = []  # (client, simulator, panes) being let go
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_now)

        self.offline_retry_s = OFFLINE_RETRY_S
        self.close_grace_s = CLOSE_GRACE_S
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.setInterval(int(OFFLINE_RETRY_S * 1000))
        self._retry_timer.timeout.connect(lambda: self.jobs.spawn(self.reconnect(), "reconnect"))

        w = self.window
        w.closing.connect(self._closed.set)
        w.refresh_requested.connect(self.refresh)
        w.accounts_requested.connect(self.open_accounts)
        w.about_requested.connect(self.open_about)
        w.panes.action.connect(self._connecting_action)
        w.sidebar.pane_chosen.connect(lambda _key: self.save_soon())
        self.selection.changed.connect(self._store_changed)

    # ------------------------------------------------------------ lifecycle
    def set_offline_retry(self, seconds: float) -> None:
        self.offline_retry_s = seconds
        self._retry_timer.setInterval(int(seconds * 1000))

    def wants_demo(self) -> bool:
        return self.force_demo or self.settings.active_profile() is None

    async def start(self) -> None:
        """Show the window, then connect once it has painted."""
        painted = asyncio.get_running_loop().create_future()

        def first_paint(t: float) -> None:
            if not painted.done():
                painted.set_result(t)

        self.window.first_painted.connect(first_paint)
        self.window.set_demo(self.wants_demo())
        self.window.show()
        with contextlib.suppress(TimeoutError):  # minimised or never exposed: connect anyway
            await asyncio.wait_for(painted, FIRST_PAINT_WAIT_S)
        await self.open_connection()

    async def run(self) -> None:
        await self.start()
        await self._closed.wait()
        await self.shutdown()

    def close(self) -> None:
        self.window.close()

    async def shutdown(self) -> None:
        """Close the client, stop the demo server, end leftover tasks, save settings."""
        self._closed.set()
        self._save_timer.stop()
        self._retry_timer.stop()
        self.window.hide()
        # Let zero-delay timers of the panes start their work, then end all of it
        # while the panes still exist; only then drop them and close the client.
        await asyncio.sleep(0.05)
        await self.jobs.shutdown()
        await _cancel_other_tasks()
        await self.close_connection(final=True)
        await _cancel_other_tasks()
        self.window.save_geometry()
        self.settings.flush()  # an older queued write must not land after the last one
        self.settings.save()

    # ------------------------------------------------------------ connection
    async def open_connection(self) -> bool:
        async with self._connect_lock:
            return await self._connect()

    async def _connect(self) -> bool:
        demo = self.wants_demo()
        self.demo = demo
        w = self.window
        w.set_demo(demo)
        w.store_selector.reset()
        try:
            if demo:
                w.set_source("")
                w.status.set_connection("connecting", "Starting demo data…")
                w.panes.set_connecting("Connecting…", "Starting the demo store chain.")
                self.client = await self._demo_client()
                source = DEMO_SOURCE
            else:
                profile = self.settings.active_profile()
                assert profile is not None
                w.set_source(profile.name)
                w.status.set_connection("connecting", f"Connecting to {profile.target}…")
                w.panes.set_connecting("Connecting…", f"Connecting to {profile.target}.")
                # Keyring backends may talk to a daemon: not on the GUI thread.
                secret = await asyncio.get_running_loop().run_in_executor(
                    None, self.secrets.get, profile.id)
                if not secret:
                    return self._failed(
                        "error", "No secret key stored for this account",
                        f"The secret key of “{profile.name}” is not in this computer's keyring. "
                        "Enter it again under Accounts.")
                from storeops.services.accounts import make_client

                self.client = make_client(profile.url, profile.access_key, secret)
                source = f"Connected to {profile.target}"
            from storeops.services.stores import load_stores

            async with self.reporter.busy("Loading stores"):
                stores = await load_stores(self.client)
        except Exception as exc:
            return self._connect_failed(exc)
        self.selection.set_stores(stores, self.settings.last_store_uuid)
        self.ctx = PaneContext(client=self.client, stores=self.selection, status=self.reporter,
                               settings=self.settings, demo=demo, source=source,
                               now=self.simulator.clock.now if demo and self.simulator else utc_now,
                               jobs=self.jobs)
        w.status.set_connection("demo" if demo else "connected", source)
        w.panes.set_context(self.ctx)
        self._retry_timer.stop()
        self.connected.set()
        log.info("connected: %s, %d stores", source, len(stores))
        return True

    def _connect_failed(self, exc: Exception) -> bool:
        from storeops.api.errors import ApiError
        from storeops.services.accounts import describe_error, is_offline

        if not isinstance(exc, (ApiError, asyncio.TimeoutError, OSError)):
            # A bug, not a network problem: the crash path shows it.
            sys.excepthook(type(exc), exc, exc.__traceback__)
        profile = None if self.demo else self.settings.active_profile()
        host = urlsplit(profile.url).hostname if profile else "the demo server"
        message = describe_error(exc, host or "")
        log.warning("connection failed: %s", message)
        offline = is_offline(exc)
        advice = (" Check this computer's network connection." if offline
                  else " Check the account under Accounts, then try again.")
        return self._failed("offline" if offline else "error", message, message + "." + advice)

    def _failed(self, state: str, short: str, text: str) -> bool:
        w = self.window
        if state == "offline" and not self._closed.is_set():
            # The network comes back by itself more often than not: try again
            # quietly, as the "Try again" button would.
            self._retry_timer.start()
            text += f" StoreOps tries again every {self.offline_retry_s:g} seconds."
        w.status.set_connection(state, "Offline" if state == "offline" else "Not connected")
        self.reporter.error(short)
        w.panes.set_connecting("Could not connect", text, failed=True)
        w.store_selector.reset("No stores")
        return False

    async def _demo_client(self):
        from storeops.services.accounts import make_client

        if self.simulator is None:
            access, secret = token_urlsafe(12), token_urlsafe(24)
            applog.register_secret(secret)
            loop = asyncio.get_running_loop()
            # uvicorn and the seeded world start on a worker thread: the window
            # stays responsive meanwhile.
            self.simulator = await loop.run_in_executor(None, _start_demo, access, secret,
                                                        self.demo_seed, self.demo_clock)
            self._demo_keys = (access, secret)
            clock = self.simulator.clock
            if clock.pinned:
                log.info("demo clock: %s, speed %g", clock.now(), clock.speed)
        access, secret = self._demo_keys
        return make_client(self.simulator.url, access, secret)

    async def close_connection(self, *, final: bool = False) -> None:
        """Drop the panes and the client. Outside the final shutdown, the old
        client is closed and the old panes deleted a moment later: a request a
        pane started just before must end normally, not on a closed client or a
        deleted widget."""
        self.connected.clear()
        panes = self.window.panes.set_context(None)
        self.ctx = None
        client, self.client = self.client, None
        simulator = None
        if self.simulator is not None and (final or not self.wants_demo()):
            simulator, self.simulator = self.simulator, None
        retired = (client, simulator, panes)
        self._retired.append(retired)
        if final:
            while self._retired:
                await _close(*self._retired.pop())
        else:
            self.jobs.spawn(self._close_later(retired), "close the previous connection")

    async def _close_later(self, retired: tuple) -> None:
        await asyncio.sleep(self.close_grace_s)
        # A download or export started on the old connection finishes on it.
        await self.jobs.wait_for(retired[0])
        if retired in self._retired:  # the final shutdown may have closed it already
            self._retired.remove(retired)
            await _close(*retired)

    async def reconnect(self) -> bool:
        async with self._connect_lock:
            await self.close_connection()
            return await self._connect()

    # ------------------------------------------------------------ actions
    def refresh(self) -> None:
        if self.ctx is None:
            self.jobs.spawn(self.reconnect(), "reconnect")
        elif not self.window.panes.refresh_current():
            self.jobs.spawn(self.reload_stores(), "reload stores")

    async def reload_stores(self) -> None:
        if self.client is None:
            return
        from storeops.services.accounts import describe_error
        from storeops.services.stores import load_stores

        try:
            async with self.reporter.busy("Loading stores"):
                stores = await load_stores(self.client)
        except Exception as exc:
            self.reporter.error(describe_error(exc))
            return
        self.selection.set_stores(stores, self.settings.last_store_uuid)

    def _connecting_action(self, key: str) -> None:
        if key == "retry":
            self.jobs.spawn(self.reconnect(), "reconnect")
        elif key == "accounts":
            self.open_accounts()
        elif key == "demo":
            self.use_profile(None)

    def use_profile(self, profile_id: str | None) -> None:
        """Switch accounts (None: demo data) and reconnect."""
        self.settings.active_profile_id = profile_id
        self.force_demo = False
        self.save_soon()
        self.jobs.spawn(self.reconnect(), "reconnect")

    def open_accounts(self):
        from storeops.ui.dialogs.accounts import AccountsDialog

        dialog = AccountsDialog(self.settings, self.secrets, self.window)
        dialog.active_changed.connect(self.use_profile)
        dialog.profile_saved.connect(self._profile_saved)
        return self._open(dialog)

    def _profile_saved(self, profile_id: str) -> None:
        """The account in use was edited (new secret, new address): use the new values."""
        if profile_id == self.settings.active_profile_id and not self.force_demo:
            self.jobs.spawn(self.reconnect(), "reconnect")

    def open_about(self):
        from storeops.ui.dialogs.about import AboutDialog

        source = self.ctx.source if self.ctx else ""
        return self._open(AboutDialog(source, self.window))

    def _open(self, dialog: QDialog) -> QDialog:
        self._dialogs = [d for d in self._dialogs if d.isVisible()]
        self._dialogs.append(dialog)
        dialog.open()  # window-modal without a nested event loop (qasync)
        return dialog

    # ------------------------------------------------------------ settings
    def _store_changed(self, store) -> None:
        if store is not None and store.uuid != self.settings.last_store_uuid:
            self.settings.last_store_uuid = store.uuid
            self.save_soon()

    def save_soon(self) -> None:
        self._save_timer.start()

    def _job_failed(self, job: Job) -> None:
        """A user's job that failed says so in the status bar; a failure of the app's
        own housekeeping, or one no API error explains, is a bug: the crash dialog."""
        from storeops.api.errors import ApiError
        from storeops.services.accounts import describe_error

        exc = job.error
        if exc is None:
            return
        if job.visible and isinstance(exc, ApiError | OSError):
            self.reporter.error(f"{job.label} failed: {describe_error(exc) if isinstance(exc, ApiError) else exc}")
            return
        sys.excepthook(type(exc), exc, exc.__traceback__)

    def _save_now(self) -> None:
        self.settings.save_in_background()


def _start_demo(access: str, secret: str, seed: int, clock=None):
    from storeops.simulator.server import start_simulator

    return start_simulator(access_key=access, secret_key=secret, seed=seed, clock=clock)


async def _close(client, simulator, panes=()) -> None:
    for widget in panes:
        widget.deleteLater()
    if client is not None:
        try:
            await client.aclose()
        except Exception:
            log.warning("closing the API client failed", exc_info=True)
    if simulator is not None:
        await asyncio.get_running_loop().run_in_executor(None, simulator.stop)


async def _cancel_other_tasks(grace: float = 0.15) -> None:
    """Panes may still have requests in flight on a closed client: give them a
    moment to end by themselves, then cancel, so nothing runs after the loop."""
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    if not pending:
        return
    _done, still = await asyncio.wait(pending, timeout=grace)
    for task in still:
        task.cancel()
    if still:
        await asyncio.wait(still, timeout=grace)
