"""The connection to RetailNext, or to the demo chain: open, close, switch. No Qt.

The app and the kiosk both go through here. Opening makes one long-lived client
(for the active account, or for the demo simulator started on a worker thread),
then reads the store list. Closing retires the client a moment later, once the
requests and jobs started on it have ended, so a pane's last answer never meets a
closed client; the demo simulator is stopped only when it is no longer wanted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from secrets import token_urlsafe
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from storeops.api.errors import ApiError
from storeops.log import register_secret
from storeops.services.accounts import make_client
from storeops.services.jobs import JobService
from storeops.services.store_hours import utc_now
from storeops.services.stores import load_stores
from storeops.services.wording import headline, is_offline

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient
    from storeops.api.models import Location
    from storeops.settings import Settings
    from storeops.simulator.clock import Clock
    from storeops.simulator.fault_spec import FaultSpec
    from storeops.simulator.server import RunningSimulator

log = logging.getLogger(__name__)

CLOSE_GRACE_S = 2.0
DEMO_SEED = 1
DEMO_SOURCE = "Demo data — an example store chain, not your stores"


class ConnectionState(StrEnum):
    """Also the status bar's words for its light."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DEMO = "demo"
    OFFLINE = "offline"  # the network: tried again by itself
    FAILED = "error"  # the account: needs the user


@dataclass(frozen=True)
class Connection:
    client: RetailNextClient
    stores: list[Location]
    demo: bool
    source: str  # "Demo data — …" or "Connected to <subscription>"
    now: Callable[[], datetime]  # the clock panes reason with (the demo chain's own in demo)


class SecretSource(Protocol):
    """Where secrets come from: storeops.secrets.SecretStore (the OS keyring)."""

    def get(self, profile_id: str) -> str | None: ...


class ConnectError(Exception):
    """Opening failed. `short` fits the status bar; `text` says what to do."""

    def __init__(self, state: ConnectionState, short: str, text: str) -> None:
        super().__init__(short)
        self.state, self.short, self.text = state, short, text


Progress = Callable[[str, str], None]  # (status bar text, page text)


class ConnectionManager:
    def __init__(
        self,
        settings: Settings,
        secrets: SecretSource,
        jobs: JobService,
        *,
        force_demo: bool = False,
        demo_seed: int = DEMO_SEED,
        demo_clock: Clock | None = None,
        demo_faults: FaultSpec | None = None,
        timeout: float | None = None,
    ) -> None:
        self.settings = settings
        self.secrets = secrets
        self.jobs = jobs
        self.force_demo = force_demo
        self.demo_seed = demo_seed
        self.demo_clock = demo_clock
        self.demo_faults = demo_faults
        self.timeout = timeout
        self.close_grace_s = CLOSE_GRACE_S
        self.state = ConnectionState.DISCONNECTED
        self.client: RetailNextClient | None = None  # made, even if the stores could not be read
        self.simulator: RunningSimulator | None = None
        self.current: Connection | None = None
        self._demo_keys: tuple[str, str] | None = None
        self._lock = asyncio.Lock()
        self._retired: list[tuple[Any, Any, Callable[[], None] | None]] = []

    def wants_demo(self) -> bool:
        return self.force_demo or self.settings.active_profile() is None

    # ------------------------------------------------------------ open / close

    async def open(self, progress: Progress | None = None) -> Connection:
        """Connect as the settings say; raises ConnectError with words for the user."""
        async with self._lock:
            return await self._open(progress or (lambda _status, _page: None))

    async def reopen(
        self, progress: Progress | None = None, *, on_retired: Callable[[], None] | None = None
    ) -> Connection:
        async with self._lock:
            await self._close(final=False, on_retired=on_retired)
            return await self._open(progress or (lambda _status, _page: None))

    async def close(self, *, final: bool = False, on_retired: Callable[[], None] | None = None) -> None:
        """Let go of the client (and of the demo chain when it is no longer wanted).
        `on_retired()` runs just before the client is closed (drop the widgets that used it)."""
        async with self._lock:
            await self._close(final=final, on_retired=on_retired)

    async def _open(self, progress: Progress) -> Connection:
        self.state = ConnectionState.CONNECTING
        demo = self.wants_demo()
        try:
            if demo:
                progress("Starting demo data…", "Starting the demo store chain.")
                self.client = await self._demo_client()
                source = DEMO_SOURCE
            else:
                profile = self.settings.active_profile()
                assert profile is not None
                progress(f"Connecting to {profile.target}…", f"Connecting to {profile.target}.")
                # Keyring backends may talk to a daemon: not on the GUI thread.
                secret = await asyncio.get_running_loop().run_in_executor(None, self.secrets.get, profile.id)
                if not secret:
                    # get() has just asked the keyring: `persistent` is known, and cheap to read
                    # (a stand-in store in tests may not have it).
                    where = (
                        "is not stored: this computer has no usable system keyring, so StoreOps keeps "
                        "secret keys only until it closes"
                        if getattr(self.secrets, "persistent", None) is False
                        else "is not in this computer's keyring"
                    )
                    raise ConnectError(
                        ConnectionState.FAILED,
                        "No secret key stored for this account",
                        f"The secret key of “{profile.name}” {where}. Enter it again under Accounts.",
                    )
                self.client = make_client(profile.url, profile.access_key, secret, timeout=self.timeout)
                source = f"Connected to {profile.target}"
            stores = await load_stores(self.client)
        except ConnectError as exc:
            self.state = exc.state
            raise
        except (ApiError, TimeoutError, OSError) as exc:  # anything else is a bug: the crash path shows it
            raise self._failure(exc, demo) from exc
        now = self.simulator.clock.now if demo and self.simulator is not None else utc_now
        self.current = Connection(self.client, stores, demo, source, now)
        self.state = ConnectionState.DEMO if demo else ConnectionState.CONNECTED
        log.info("connected: %s, %d stores", source, len(stores))
        return self.current

    def _failure(self, exc: Exception, demo: bool) -> ConnectError:
        profile = None if demo else self.settings.active_profile()
        host = urlsplit(profile.url).netloc if profile else "the demo server"
        message = headline(exc, host or "")
        log.warning("connection failed: %s", message)
        offline = is_offline(exc)
        self.state = ConnectionState.OFFLINE if offline else ConnectionState.FAILED
        advice = (
            " Check this computer's network connection."
            if offline
            else " Check the account under Accounts, then try again."
        )
        return ConnectError(self.state, message, message + "." + advice)

    async def _demo_client(self) -> RetailNextClient:
        if self.simulator is None:
            access, secret = token_urlsafe(12), token_urlsafe(24)
            register_secret(secret)
            # uvicorn and the seeded world start on a worker thread: the window stays responsive.
            self.simulator = await asyncio.get_running_loop().run_in_executor(
                None, _start_demo, access, secret, self.demo_seed, self.demo_clock, self.demo_faults
            )
            self._demo_keys = (access, secret)
            clock = self.simulator.clock
            if clock.pinned:
                log.info("demo clock: %s, speed %g", clock.now(), clock.speed)
            if self.demo_faults is not None and self.demo_faults.active:
                log.warning("demo faults on: %s (seed %d)", self.demo_faults, self.demo_seed)
        assert self._demo_keys is not None
        access, secret = self._demo_keys
        return make_client(self.simulator.url, access, secret, timeout=self.timeout)

    async def _close(self, *, final: bool, on_retired: Callable[[], None] | None) -> None:
        client, self.client = self.client, None
        self.current = None
        self.state = ConnectionState.DISCONNECTED
        simulator = None
        if self.simulator is not None and (final or not self.wants_demo()):
            simulator, self.simulator = self.simulator, None
        retired = (client, simulator, on_retired)
        self._retired.append(retired)
        if final:
            while self._retired:
                await _close(*self._retired.pop())
        else:
            self.jobs.spawn(self._close_later(retired), "close the previous connection")

    async def _close_later(self, retired: tuple[Any, Any, Callable[[], None] | None]) -> None:
        await asyncio.sleep(self.close_grace_s)
        # A download or export started on the old connection finishes on it.
        await self.jobs.wait_for(retired[0])
        if retired in self._retired:  # the final close may have closed it already
            self._retired.remove(retired)
            await _close(*retired)


def _start_demo(
    access: str, secret: str, seed: int, clock: Clock | None = None, faults: FaultSpec | None = None
) -> RunningSimulator:
    from storeops.simulator.server import start_simulator

    return start_simulator(access_key=access, secret_key=secret, seed=seed, clock=clock, faults=faults)


async def _close(
    client: RetailNextClient | None, simulator: RunningSimulator | None, on_retired: Callable[[], None] | None
) -> None:
    if on_retired is not None:
        on_retired()
    if client is not None:
        try:
            await client.aclose()
        except Exception:
            log.warning("closing the API client failed", exc_info=True)
    if simulator is not None:
        await asyncio.get_running_loop().run_in_executor(None, simulator.stop)
