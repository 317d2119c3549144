"""`storeops kiosk --store <uuid | store id | name> [--demo]`: the entrance display;
`storeops kiosk --set-pin | --clear-pin`: the staff PIN that guards leaving it.

Runs unattended for weeks: if the network is down at boot the store is
resolved as soon as it comes back; polling backs off and recovers on its own;
store hours are re-read each store-local day. `--lang`, `--[no-]staff-buttons`
and `--poll-interval` (args.lang / staff_buttons / poll_interval) win over
kiosk.json (see storeops.ui.kiosk.config) and the app settings; None defers to them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from storeops.api.models import Location
    from storeops.ui.kiosk.widget import KioskWidget

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
# One store's occupancy answers in well under a second; waiting the app's default
# 30 s would leave the entrance showing old data for longer than two polls, and
# qasync keeps each cancelled timeout's timer until it would have fired.
KIOSK_TIMEOUT_S = 10.0


def run_kiosk(args: argparse.Namespace) -> int:
    """Entry point called by storeops.__main__: the app's Qt start-up (storeops.ui.startup),
    then the display until the staff leave it."""
    from storeops.ui.startup import qt_event_loop

    with qt_event_loop() as loop:
        return loop.run_until_complete(run_kiosk_async(args))


async def run_kiosk_async(args: argparse.Namespace, *, on_widget: Callable[[KioskWidget], None] | None = None) -> int:
    """The kiosk's life: connect, resolve the store, show full screen until the
    staff exit. `on_widget(widget)` is called once shown (tests)."""
    from PySide6.QtWidgets import QApplication

    from storeops.secrets import SecretStore
    from storeops.services.connection import ConnectError, ConnectionManager
    from storeops.services.jobs import JobService
    from storeops.services.stores import find_store
    from storeops.settings import Settings
    from storeops.simulator.clock import clock_from_arguments
    from storeops.ui.kiosk import create_kiosk_widget

    # Closing the display must not stop the loop before the cleanup has run.
    cast(QApplication, QApplication.instance()).setQuitOnLastWindowClosed(False)
    settings = Settings.load()
    demo = bool(getattr(args, "demo", False))
    if not demo and settings.active_profile() is None:
        print("storeops kiosk: no account set up; add one in StoreOps, or use --demo", file=sys.stderr)
        return EXIT_USAGE
    jobs = JobService()
    # The app's connection manager, with a shorter timeout: an entrance display must not
    # show old data for longer than two polls.
    manager = ConnectionManager(
        settings,
        SecretStore(),
        jobs,
        force_demo=demo,
        timeout=KIOSK_TIMEOUT_S,
        demo_clock=clock_from_arguments(getattr(args, "demo_now", None), getattr(args, "demo_speed", None)),
        demo_faults=getattr(args, "demo_faults", None),
    )
    try:
        store = args.store
        now = None
        try:
            conn = await manager.open()
        except ConnectError as exc:
            if manager.client is None:  # nothing to connect with (no secret stored): the user must act
                print(f"storeops kiosk: {exc.text}", file=sys.stderr)
                return EXIT_USAGE
            # Offline at boot: keep the key; the display resolves it when the network returns.
            log.warning("stores not loaded yet (%s); the kiosk will keep trying", exc.short)
            client = manager.client
        else:
            client, now = conn.client, conn.now
            found = find_store(conn.stores, args.store)
            if found is None:
                print(no_store_message(args.store, conn.stores), file=sys.stderr)
                return EXIT_USAGE
            store = found
        widget = create_kiosk_widget(
            client=client,
            store=store,
            settings=settings,
            lang=getattr(args, "lang", None),
            staff_buttons=getattr(args, "staff_buttons", None),
            interval=getattr(args, "poll_interval", None),
            now=now,
        )
        # What the display actually runs with, for whoever looks after it remotely.
        log.info(
            "kiosk: store %s, language %s, a read every %g s, staff buttons %s",
            getattr(store, "name", store),
            widget.messages.lang,
            widget.controller.service.interval,
            "on" if widget.minus_button is not None else "off",
        )
        done = asyncio.Event()
        widget.exit_requested.connect(done.set)
        _stop_on_signals(done)
        widget.show_full_screen()
        widget.controller.start()
        if on_widget is not None:
            on_widget(widget)
        await done.wait()
        widget.controller.stop()
        widget.shutdown()
        await widget.controller.wait_stopped()
        widget.hide()
        return EXIT_OK
    finally:
        await jobs.shutdown()
        await manager.close(final=True)


def run_pin_command(args: argparse.Namespace) -> int:
    """`storeops kiosk --set-pin` / `--clear-pin`: the staff PIN that guards leaving
    the display, stored in kiosk.json as a salted hash only. No Qt."""
    from storeops.ui.kiosk.config import KioskConfig, save_pin_hash
    from storeops.ui.kiosk.pin import ask_pin, hash_pin

    path = KioskConfig.path()
    if getattr(args, "clear_pin", False):
        pin_hash = None
    else:
        pin = ask_pin()
        if pin is None:
            return EXIT_FAILED
        pin_hash = hash_pin(pin)
    try:
        save_pin_hash(pin_hash, path)
    except (OSError, ValueError) as exc:
        print(f"storeops kiosk: cannot write {path}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if pin_hash is None:
        print(f"Kiosk PIN cleared ({path}): Ctrl+Shift+Q now leaves the display at once.")
    else:
        print(f"Kiosk PIN set ({path}, stored as a hash): Ctrl+Shift+Q, then the PIN, leaves the display.")
    return EXIT_OK


def no_store_message(key: str, stores: list[Location]) -> str:
    """ "no store matches 'Chicgo Loop'. Did you mean: Chicago Loop (201)?" — the
    closest names and store ids, else how a store is named."""
    import difflib

    text = f"storeops kiosk: no store matches {key!r}."
    by_key: dict[str, Location] = {}
    for store in stores:
        by_key.setdefault(store.name.casefold(), store)
        if store.store_id:
            by_key.setdefault(store.store_id.casefold(), store)
    close = difflib.get_close_matches(key.strip().casefold(), list(by_key), n=6, cutoff=0.6)
    suggestions = list(dict.fromkeys(by_key[k].uuid for k in close))[:3]
    named = {s.uuid: s for s in stores}
    if suggestions:
        return text + " Did you mean: " + ", ".join(_store_label(named[u]) for u in suggestions) + "?"
    return text + " Use its uuid, store id or exact name."


def _store_label(store: Location) -> str:
    return f"{store.name} ({store.store_id})" if store.store_id else f"{store.name} ({store.uuid})"


def _stop_on_signals(done: asyncio.Event) -> None:
    """SIGTERM / SIGINT (service manager, Ctrl+C on a console) end the kiosk cleanly.
    The display's 1 s timer gives Python the chance to run the handler."""
    import signal

    def handler(_signum: int, _frame: object) -> None:
        done.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        # ValueError: not the main thread (tests); OSError: unsupported.
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, handler)
