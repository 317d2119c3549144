"""`python -m storeops.simulator --host 127.0.0.1 --port 0 --access-key KEY --secret-key SECRET [--seed N] [--big]
[--alert-cursor offset|uuid] [--export-limits] [--export-ready-status 302|201] [--faults SPEC]`

Prints `storeops simulator listening on http://HOST:PORT` once it accepts
connections, and stops cleanly (exit 0) on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from storeops.simulator.clock import add_clock_arguments, clock_from_arguments
from storeops.simulator.fault_spec import add_fault_argument
from storeops.simulator.pagination import CURSOR_STYLES
from storeops.simulator.server import start_simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storeops.simulator", description="RetailNext API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--big", action="store_true", help="a chain of 10,000 location nodes")
    parser.add_argument(
        "--alert-cursor",
        choices=CURSOR_STYLES,
        default="offset",
        help="X-Page-Next of v1/healthalerts: an integer offset or the next item's UUID",
    )
    parser.add_argument(
        "--export-limits",
        action="store_true",
        help="enforce the simulator's own video export limits, which the reference does not "
        "state: at most 60 minutes, 160x120-1920x1080, 32 exports in progress",
    )
    parser.add_argument(
        "--export-ready-status",
        type=int,
        choices=(302, 201),
        default=302,
        help="how a ready video export answers: 302 (the reference's list) or 201 with a "
        "Location (the reference's example)",
    )
    add_clock_arguments(parser)
    add_fault_argument(parser)
    args = parser.parse_args(argv)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    running = start_simulator(
        access_key=args.access_key,
        secret_key=args.secret_key,
        seed=args.seed,
        host=args.host,
        port=args.port,
        big=args.big,
        export_limits=args.export_limits,
        clock=clock_from_arguments(args.now, args.speed),
        faults=args.faults,
    )
    running.set_alert_cursor(args.alert_cursor)
    running.ctx.export_ready_status = args.export_ready_status
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"storeops simulator listening on http://{host}:{running.port}", flush=True)
    try:
        while not stop.wait(0.5):
            if not running.running:
                return 1
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
