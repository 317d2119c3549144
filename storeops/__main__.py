"""Entry point: `storeops [--demo [--demo-faults SPEC]] [--screenshot DIR] [--dev-dir DIR]`,
`storeops --check-video`, `storeops kiosk --store STORE [--demo] [--lang LANG] [--[no-]staff-buttons]
[--poll-interval SECONDS]`, `storeops kiosk --set-pin | --clear-pin`, `storeops --version`.

Order matters: arguments (no Qt for --version), app dirs, logging, the crash
hook, then the QApplication and the qasync loop.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, overload

from storeops import __version__

if TYPE_CHECKING:
    from storeops.ui.dialogs.crash import CrashHandler

#: Hidden hook for benchmarks/bench_startup.py: print a timestamp at the first
#: paint of the main window and exit at once.
FIRST_PAINT_ENV = "STOREOPS_EXIT_AT_FIRST_PAINT"
FIRST_PAINT_MARK = "storeops-first-paint"


class _KioskLanguages(Sequence[str]):
    """The shipped kiosk languages, looked up only when argparse needs them (a
    --lang to check, or --help): building the parser must stay cheap for --version."""

    def _codes(self) -> list[str]:
        from storeops.ui.kiosk.messages import languages

        return languages()

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self._codes()[index]

    def __len__(self) -> int:
        return len(self._codes())


def _language(text: str) -> str:
    """ "ES", "es-MX" and "es_ES" all mean the shipped Spanish."""
    return text.strip().replace("_", "-").split("-")[0].lower()


def _poll_interval(text: str) -> float:
    from storeops.settings import MAX_POLL_INTERVAL_S, MIN_POLL_INTERVAL_S

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or not MIN_POLL_INTERVAL_S <= value <= MAX_POLL_INTERVAL_S:
        raise argparse.ArgumentTypeError(
            f"{text} s is out of range: use {MIN_POLL_INTERVAL_S:g} to {MAX_POLL_INTERVAL_S:g} seconds"
        )
    return value


def _add_common_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """Options that mean the same for the app and the kiosk, so they may stand before
    or after `kiosk` (the kiosk's copies default to SUPPRESS: argparse would
    otherwise reset a value given before the sub-command)."""
    from storeops.simulator.clock import add_clock_arguments
    from storeops.simulator.fault_spec import add_fault_argument

    parser.add_argument("--dev-dir", metavar="DIR", default=default, help="keep settings, logs and cache in DIR")
    demo = parser.add_argument_group("demo clock and faults (with --demo)")
    add_clock_arguments(demo, prefix="demo-", default=default)
    add_fault_argument(demo, prefix="demo-", default=default)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from storeops.ui.kiosk.pin import MAX_DIGITS as MAX_PIN_DIGITS
    from storeops.ui.kiosk.pin import MIN_DIGITS as MIN_PIN_DIGITS

    parser = argparse.ArgumentParser(prog="storeops", description="Run your stores from the RetailNext cloud.")
    parser.add_argument("--version", action="version", version=f"storeops {__version__}")
    parser.add_argument("--demo", action="store_true", help="show the built-in demo store chain")
    parser.add_argument("--screenshot", metavar="DIR", help="save every pane to DIR/<pane>.png and exit")
    parser.add_argument(
        "--check-video",
        action="store_true",
        help="play a demo channel through the bundled libvlc, report, exit 0 if frames were decoded",
    )
    _add_common_options(parser)
    sub = parser.add_subparsers(dest="command")
    kiosk = sub.add_parser(
        "kiosk",
        help="full-screen occupancy display for one store",
        description="A full-screen occupancy display for one store's entrance.",
        epilog="Leaving the display: press Ctrl+Shift+Q; if a staff PIN is set, type it and press "
        "Enter (five wrong tries lock the prompt for 30 s). Set the PIN with "
        "`storeops kiosk --set-pin` (asked twice, never shown, stored in kiosk.json as a "
        "salted hash only); remove it with `storeops kiosk --clear-pin`.",
    )
    # Required unless the PIN is being set or cleared (checked below).
    kiosk.add_argument("--store", help="store uuid, store id or name (required to show the display)")
    pin = kiosk.add_mutually_exclusive_group()
    pin.add_argument(
        "--set-pin",
        action="store_true",
        help=f"set the staff PIN that guards leaving the display ({MIN_PIN_DIGITS}-{MAX_PIN_DIGITS}"
        " digits, asked twice on the terminal), then exit",
    )
    pin.add_argument(
        "--clear-pin", action="store_true", help="remove the staff PIN (Ctrl+Shift+Q alone then leaves), then exit"
    )
    kiosk.add_argument("--demo", action="store_true", dest="kiosk_demo", help="use demo data")
    _add_common_options(kiosk, default=argparse.SUPPRESS)
    # Defaults of None: kiosk.json (lang, staff_buttons) and the app settings
    # (poll_interval_s) decide unless the flag is given.
    kiosk.add_argument(
        "--lang",
        type=_language,
        choices=_KioskLanguages(),
        metavar="LANG",
        help="language of the display: %(choices)s (default: kiosk.json's, else en)",
    )
    kiosk.add_argument(
        "--staff-buttons",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show (or hide) the staff +/- buttons for a touch screen (default: kiosk.json's setting, else hidden)",
    )
    kiosk.add_argument(
        "--poll-interval",
        type=_poll_interval,
        metavar="SECONDS",
        help="seconds between occupancy reads, at least 1 (default: the app's setting, 15)",
    )
    args = parser.parse_args(argv)
    if args.command == "kiosk":
        args.demo = args.demo or args.kiosk_demo
        if args.set_pin or args.clear_pin:
            if args.store is not None:
                kiosk.error("--set-pin and --clear-pin only change the PIN: leave out --store")
        elif args.store is None:
            kiosk.error("the following arguments are required: --store")
    return args


def prepare(args: argparse.Namespace) -> CrashHandler:
    """App dirs, logging, crash hook: everything that must exist before Qt."""
    from storeops import config
    from storeops import log as applog
    from storeops.ui.dialogs.crash import CrashHandler

    if args.dev_dir:
        config.set_home(args.dev_dir)
    if args.screenshot and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    applog.setup(config.app_dirs().log, console=True)
    return CrashHandler().install()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.check_video:
        # A terminal command (installers' smoke tests, support calls): no Qt, no log file.
        from storeops.check_video import run as check_video

        return check_video()
    if args.command == "kiosk" and (args.set_pin or args.clear_pin):
        # A terminal command: no Qt, no log file, no crash dialog.
        from storeops import config
        from storeops.kiosk import run_pin_command

        if args.dev_dir:
            config.set_home(args.dev_dir)
        return run_pin_command(args)
    prepare(args)
    if args.command == "kiosk":
        from storeops.kiosk import run_kiosk  # the occupancy helper's entry point

        return int(run_kiosk(args) or 0)
    return run_app(args)


def run_app(args: argparse.Namespace) -> int:
    from storeops.ui.startup import qt_event_loop

    with qt_event_loop() as loop:
        return _run_app_in(loop, args)


def _run_app_in(loop: asyncio.AbstractEventLoop, args: argparse.Namespace) -> int:
    import logging
    import signal

    from storeops.app import App
    from storeops.settings import Settings
    from storeops.simulator.clock import clock_from_arguments

    log = logging.getLogger("storeops")
    settings = Settings.load()
    app = App(
        settings,
        force_demo=args.demo,
        demo_clock=clock_from_arguments(args.demo_now, args.demo_speed),
        demo_faults=args.demo_faults,
    )
    # Ctrl+C / SIGTERM close the window: the same clean shutdown as File › Quit.
    # (Python sees the signal at the next Python callback; the GC guard's timer
    # guarantees one every second.)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: app.window.close())
    if os.environ.get(FIRST_PAINT_ENV):

        def painted(at: float) -> None:
            print(f"{FIRST_PAINT_MARK} {at:.6f}", flush=True)
            os._exit(0)  # the benchmark only wants the first paint

        app.window.first_painted.connect(painted)

    async def screenshot_then_close() -> int:
        from pathlib import Path

        from storeops.ui.screenshot import take_screenshots

        await app.start()
        try:
            written = await take_screenshots(app, Path(args.screenshot))
        finally:
            await app.shutdown()
        log.info("screenshots written: %s", ", ".join(p.name for p in written))
        return 0

    if args.screenshot:
        return loop.run_until_complete(screenshot_then_close())
    loop.run_until_complete(app.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
