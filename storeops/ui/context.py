"""What a pane gets from the shell: the connection's services, the shared store
selection, the status bar's reporter, the settings, the clock and the jobs.

The pane's side of the contract (create_pane, activate / deactivate / shutdown) is
in storeops/ui/pane.py. A pane widget may also have `refresh()` (plain or async) for F5.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from storeops.api.models import Location
from storeops.services.jobs import JobService
from storeops.services.store_hours import utc_now
from storeops.settings import Settings

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient
    from storeops.services.bundle import Services

log = logging.getLogger(__name__)


class StoreSelection(QObject):
    """The store the panes show, shared by all of them.

    `changed(object)` carries the new current Location (or None);
    `stores_changed(object)` carries the new list after a (re)load."""

    changed = Signal(object)
    stores_changed = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._stores: list[Location] = []
        self._current: Location | None = None
        self.loaded = False

    def current(self) -> Location | None:
        return self._current

    def stores(self) -> list[Location]:
        return list(self._stores)

    def set_stores(self, stores: list[Location], preferred_uuid: str | None = None) -> None:
        """Replace the list; keep the current store if still there, else the
        preferred one, else the first."""
        self._stores = list(stores)
        self.loaded = True
        self.stores_changed.emit(self.stores())
        keep = self._current.uuid if self._current else preferred_uuid
        chosen = next((s for s in self._stores if s.uuid == keep), None)
        if chosen is None and preferred_uuid:
            chosen = next((s for s in self._stores if s.uuid == preferred_uuid), None)
        if chosen is None and self._stores:
            chosen = self._stores[0]
        self._set(chosen, force=True)

    def update_store(self, store: Location) -> None:
        """A store changed somewhere (renamed, moved, limit, created, archived): every
        listener sees it now, without reloading. Fields the change did not carry (store
        id, time zone) are kept from the list."""
        old = next((s for s in self._stores if s.uuid == store.uuid), None)
        if old is not None:
            store = old.model_copy(update=store.model_dump(exclude_unset=True))
        if store.archived:
            self._stores = [s for s in self._stores if s.uuid != store.uuid]
        elif old is None:
            self._stores.append(store)
        else:
            self._stores = [store if s.uuid == store.uuid else s for s in self._stores]
        self.stores_changed.emit(self.stores())
        if self._current is not None and self._current.uuid == store.uuid:
            self._set(None if store.archived else store, force=True)
            if store.archived and self._stores:
                self._set(self._stores[0])

    def set_current(self, store: Location | str | None) -> None:
        if isinstance(store, str):
            store = next((s for s in self._stores if s.uuid == store), None)
        self._set(store)

    def _set(self, store: Location | None, force: bool = False) -> None:
        same = (store.uuid if store else None) == (self._current.uuid if self._current else None)
        self._current = store
        if force or not same:
            self.changed.emit(store)


class StatusReporter(QObject):
    """Panes report here; the status bar listens.

    `error(msg)` sets the last error, `info(msg)` a transient note, and
    `async with status.busy("Loading stores"):` shows background activity."""

    error_reported = Signal(str)
    info_reported = Signal(str)
    activity_changed = Signal(object)  # list[str] of running labels

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._running: list[str] = []
        self.last_error: str | None = None

    def error(self, message: str) -> None:
        log.warning("reported error: %s", message)
        self.last_error = message
        self.error_reported.emit(message)

    def info(self, message: str) -> None:
        log.info("%s", message)
        self.info_reported.emit(message)

    def clear_error(self) -> None:
        self.last_error = None
        self.error_reported.emit("")

    def activity(self) -> list[str]:
        return list(self._running)

    @contextlib.asynccontextmanager
    async def busy(self, label: str) -> AsyncIterator[None]:
        self._running.append(label)
        self.activity_changed.emit(self.activity())
        try:
            yield
        finally:
            self._running.remove(label)
            self.activity_changed.emit(self.activity())


@dataclass
class PaneContext:
    client: RetailNextClient
    stores: StoreSelection
    status: StatusReporter
    settings: Settings
    demo: bool = False
    # Where the data comes from, for panes that want to say it: "Demo data" or the
    # subscription / server URL.
    source: str = ""
    # The time panes reason with (store hours, "today", message stamps): the real
    # clock, or in demo mode the demo chain's own, which may be pinned (--demo-now).
    now: Callable[[], datetime] = utc_now
    # Long work (downloads, exports, bulk reads): the app's, so it outlives the pane.
    jobs: JobService = field(default_factory=JobService)

    @cached_property
    def services(self) -> Services:
        """The connection's services, made once, on the first pane that asks (the
        imports stay out of the window's start-up)."""
        from storeops.services.bundle import Services

        profile = self.settings.active_profile()
        return Services(
            self.client,
            jobs=self.jobs,
            now=self.now,
            poll_interval=self.settings.poll_interval_s,
            profile=profile.name if profile else "",
        )
