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
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDialog, QWidget
from shiboken6 import isValid

from storeops.secrets import SecretStore
from storeops.services.connection import (
    DEMO_SEED,
    ConnectError,
    Connection,
    ConnectionManager,
    ConnectionState,
)
from storeops.services.jobs import Job, JobService
from storeops.settings import Settings
from storeops.ui import unsaved
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from storeops.ui.main_window import MainWindow

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient
    from storeops.simulator.clock import Clock
    from storeops.simulator.fault_spec import FaultSpec
    from storeops.simulator.server import RunningSimulator

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 400
FIRST_PAINT_WAIT_S = 0.5
OFFLINE_RETRY_S = 30.0


class App(QObject):
    def __init__(
        self,
        settings: Settings,
        secrets: SecretStore | None = None,
        *,
        force_demo: bool = False,
        demo_seed: int = DEMO_SEED,
        demo_clock: Clock | None = None,
        demo_faults: FaultSpec | None = None,
    ):
        super().__init__()
        self.settings = settings
        self.secrets = secrets or SecretStore()
        self.reporter = StatusReporter(self)
        # Long work and the app's own background tasks: app-scoped, so they outlive a
        # pane or a reconnect, and shutdown cancels them in one place.
        self.jobs = JobService(on_failure=self._job_failed)
        # `demo_clock` (None: real time): in demo mode the panes read the demo chain's
        # clock, so a pinned demo (--demo-now) is the same everywhere.
        # `demo_faults`: random faults the demo simulator injects (--demo-faults).
        self.connection = ConnectionManager(
            settings,
            self.secrets,
            self.jobs,
            force_demo=force_demo,
            demo_seed=demo_seed,
            demo_clock=demo_clock,
            demo_faults=demo_faults,
        )
        self.selection = StoreSelection(self)
        self.window = MainWindow(settings, self.selection, self.reporter)
        self.window.status.watch_jobs(self.jobs)
        self.ctx: PaneContext | None = None
        self.demo = False
        self._closed = asyncio.Event()
        self.connected = asyncio.Event()
        self._dialogs: list[QDialog] = []
        # (active profile id, forced demo) of the connection in use: a cancelled switch goes back to it.
        self._in_use: tuple[str | None, bool] = self._wanted()
        self._dropped: list[QWidget] = []  # panes of a closed connection, deleted with its client
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_now)

        self.offline_retry_s = OFFLINE_RETRY_S
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
        return self.connection.wants_demo()

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
    @property
    def client(self) -> RetailNextClient | None:
        return self.connection.client

    @property
    def simulator(self) -> RunningSimulator | None:
        return self.connection.simulator

    @property
    def force_demo(self) -> bool:
        return self.connection.force_demo

    @force_demo.setter
    def force_demo(self, value: bool) -> None:
        self.connection.force_demo = value

    @property
    def close_grace_s(self) -> float:
        return self.connection.close_grace_s

    @close_grace_s.setter
    def close_grace_s(self, seconds: float) -> None:
        self.connection.close_grace_s = seconds

    async def open_connection(self) -> bool:
        self._in_use = self._wanted()
        return await self._connected(self.connection.open(self._show_connecting))

    async def reconnect(self) -> bool:
        """Drop the panes and connect again, without asking: callers that may find
        unsaved edits go through `_reconnect_asking`."""
        self._in_use = self._wanted()
        self._drop_panes()
        return await self._connected(self.connection.reopen(self._show_connecting, on_retired=self._delete_dropped))

    async def close_connection(self, *, final: bool = False) -> None:
        self._drop_panes()
        await self.connection.close(final=final, on_retired=self._delete_dropped)

    def _drop_panes(self) -> None:
        """Panes of the old connection leave the window now; they are deleted once their
        client is closed (a request a pane started just before must end normally)."""
        self.connected.clear()
        self.ctx = None
        self._dropped.extend(self.window.panes.set_context(None))
        self.window.kiosk.connection_dropped()  # it must not poll on the closing client either

    def _delete_dropped(self) -> None:
        dropped, self._dropped = self._dropped, []
        for widget in dropped:
            widget.deleteLater()

    def _show_connecting(self, status: str, page: str) -> None:
        w = self.window
        w.set_source("" if self.demo else (p.name if (p := self.settings.active_profile()) else ""))
        w.status.set_connection(ConnectionState.CONNECTING, status)
        w.panes.set_connecting("Connecting…", page)

    async def _connected(self, opening: Awaitable[Connection]) -> bool:
        demo = self.connection.wants_demo()
        self.demo = demo
        w = self.window
        w.set_demo(demo)
        w.store_selector.reset()
        try:
            async with self.reporter.busy("Loading stores"):
                conn = await opening
        except ConnectError as exc:
            return self._failed(exc.state, exc.short, exc.text)
        except Exception as exc:  # a bug, not a network problem: the crash path shows it
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return self._failed(ConnectionState.FAILED, str(exc), f"StoreOps could not connect: {exc}.")
        self.selection.set_stores(conn.stores, self.settings.last_store_uuid)
        self.ctx = PaneContext(
            client=conn.client,
            stores=self.selection,
            status=self.reporter,
            settings=self.settings,
            demo=demo,
            source=conn.source,
            now=conn.now,
            jobs=self.jobs,
        )
        w.status.set_connection(self.connection.state, conn.source)
        self.reporter.clear_error()  # a failure to connect is over once connected
        w.panes.set_context(self.ctx)
        if (closed := w.kiosk.connection_made(self.ctx)) is not None:
            self.reporter.error(closed)
        self._retry_timer.stop()
        self.connected.set()
        return True

    def _failed(self, state: ConnectionState, short: str, text: str) -> bool:
        w = self.window
        if state is ConnectionState.OFFLINE and not self._closed.is_set():
            # The network comes back by itself more often than not: try again
            # quietly, as the "Try again" button would.
            self._retry_timer.start()
            text += f" StoreOps tries again every {self.offline_retry_s:g} seconds."
        w.status.set_connection(state, "Offline" if state is ConnectionState.OFFLINE else "Not connected")
        closed = w.kiosk.connection_made(None)
        self.reporter.error(f"{short} {closed}" if closed else short)
        w.panes.set_connecting("Could not connect", text, failed=True)
        w.store_selector.reset("No stores")
        return False

    # ------------------------------------------------------------ actions
    def refresh(self) -> None:
        if self.ctx is None:
            self.jobs.spawn(self.reconnect(), "reconnect")
        elif not self.window.panes.refresh_current():
            self.jobs.spawn(self.reload_stores(), "reload stores")

    async def reload_stores(self) -> None:
        if self.client is None:
            return
        from storeops.services.stores import load_stores
        from storeops.services.wording import headline

        try:
            async with self.reporter.busy("Loading stores"):
                stores = await load_stores(self.client)
        except Exception as exc:
            self.reporter.error(headline(exc))
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
        """Switch accounts (None: demo data) and reconnect, once the panes' unsaved
        edits are saved or discarded; Cancel keeps the account in use and the edits."""
        self.settings.active_profile_id = profile_id
        self.force_demo = False
        self.save_soon()
        if self.ctx is not None and self._wanted() == self._in_use:
            return  # already connected to it ("Use demo data" on demo data): nothing to drop
        self._reconnect_asking(unsaved.SWITCH, self._keep_account_in_use)

    def _reconnect_asking(self, wording: tuple[str, str], cancelled: Callable[[], None]) -> None:
        """A new connection replaces every pane: ask first about their unsaved edits."""

        def go() -> None:
            self.jobs.spawn(self.reconnect(), "reconnect")

        if self.window.close_guard.ask_before(wording, go, cancelled):
            go()

    def _wanted(self) -> tuple[str | None, bool]:
        return self.settings.active_profile_id, self.force_demo

    def _keep_account_in_use(self) -> None:
        """The switch was cancelled: the settings (and an open Accounts dialog) name the
        account still connected again, as the next start must."""
        from storeops.ui.dialogs.accounts import AccountsDialog

        self.settings.active_profile_id, self.force_demo = self._in_use
        self.save_soon()
        for dialog in self._dialogs:
            if isinstance(dialog, AccountsDialog) and isValid(dialog):
                dialog.show_in_use()

    def open_accounts(self):
        from storeops.ui.dialogs.accounts import AccountsDialog

        dialog = AccountsDialog(self.settings, self.secrets, self.window)
        dialog.active_changed.connect(self.use_profile)
        dialog.profile_saved.connect(self._profile_saved)
        return self._open(dialog)

    def _profile_saved(self, profile_id: str) -> None:
        """The account in use was edited (new secret, new address): use the new values."""
        if profile_id == self.settings.active_profile_id and not self.force_demo:
            self._reconnect_asking(unsaved.RECONNECT, self._account_edit_waits)

    def _account_edit_waits(self) -> None:
        self.reporter.info("The account's new details are used when StoreOps next connects.")

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
        from storeops.services.wording import reason

        exc = job.error
        if exc is None:
            return
        if job.visible and isinstance(exc, ApiError | OSError):
            self.reporter.error(f"{job.label} failed: {reason(exc)}")
            return
        sys.excepthook(type(exc), exc, exc.__traceback__)

    def _save_now(self) -> None:
        self.settings.save_in_background()


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
