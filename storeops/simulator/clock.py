"""The simulator's notion of "now".

Real time by default. A clock can also start at a chosen instant and run from
there (optionally faster or slower than real time), or be frozen, so that "store
is open", "today's traffic" and the world built from it are the same whatever
day the tests, the benchmarks or a reproduced demo run on.
"""

from __future__ import annotations

import argparse
import math
import threading
import time
from datetime import UTC, datetime, timedelta


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with its offset ("2026-03-18T20:07:00Z"); naive times are refused
    because a simulator clock that silently took the machine's zone would not reproduce."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset (add Z or +HH:MM)")
    return value.astimezone(UTC)


class Clock:
    """`start`: the instant the clock reads when made (None: real time). `speed`: how many
    simulated seconds pass per real second (1.0: real time; 0: frozen at `start`).
    Elapsed time is measured with time.monotonic(), so NTP steps and a machine's
    faked wall clock do not move a pinned clock."""

    def __init__(self, start: datetime | None = None, *, speed: float = 1.0) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("Clock start needs an aware datetime")
        if speed < 0:
            raise ValueError("Clock speed cannot be negative")
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._speed = speed
        # Anchor: the clock read `_anchor_at` when time.monotonic() read `_anchor_mono`.
        self._anchor_at: datetime | None = start.astimezone(UTC) if start else None
        self._anchor_mono = time.monotonic()
        self._offset = timedelta(0)  # added to real time when there is no anchor
        if start is not None and speed == 0:
            self._frozen = self._anchor_at

    @property
    def speed(self) -> float:
        with self._lock:
            return 0.0 if self._frozen is not None else self._speed

    @property
    def pinned(self) -> bool:
        """True when the clock does not follow the machine's wall clock."""
        with self._lock:
            return self._frozen is not None or self._anchor_at is not None

    def now(self) -> datetime:
        """Aware UTC datetime."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            if self._anchor_at is not None:
                elapsed = (time.monotonic() - self._anchor_mono) * self._speed
                return self._anchor_at + timedelta(seconds=elapsed)
            return datetime.now(UTC) + self._offset

    def freeze(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("freeze() needs an aware datetime")
        with self._lock:
            self._frozen = at.astimezone(UTC)

    def run_from(self, at: datetime, *, speed: float | None = None) -> None:
        """Run (again) from `at`, at `speed` (the current speed by default)."""
        if at.tzinfo is None:
            raise ValueError("run_from() needs an aware datetime")
        with self._lock:
            if speed is not None:
                self._speed = speed
            self._frozen = None
            self._anchor_at = at.astimezone(UTC)
            self._anchor_mono = time.monotonic()

    def shift_to(self, at: datetime) -> None:
        """Keep running, but as if the clock read `at` now."""
        self.run_from(at)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            elif self._anchor_at is not None:
                self._anchor_at += delta
            else:
                self._offset += delta

    def reset(self) -> None:
        """Back to the machine's real time."""
        with self._lock:
            self._frozen = None
            self._anchor_at = None
            self._offset = timedelta(0)
            self._speed = 1.0


def _instant_argument(text: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}; e.g. 2026-04-22T20:07:00Z") from None


def _speed_argument(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text}: use 0 (frozen), 1 (real time) or any positive factor")
    return value


def add_clock_arguments(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, prefix: str = "", default: object = None
) -> None:
    """--now / --speed (with a prefix: --demo-now / --demo-speed): one spelling for the
    simulator's command line, the app's demo and the kiosk's."""
    parser.add_argument(
        f"--{prefix}now",
        type=_instant_argument,
        metavar="INSTANT",
        default=default,
        help="the simulated clock starts at this instant (ISO 8601 with Z or an offset, "
        "e.g. 2026-04-22T20:07:00Z) instead of now, so a demo or a screenshot "
        "can be reproduced",
    )
    parser.add_argument(
        f"--{prefix}speed",
        type=_speed_argument,
        metavar="FACTOR",
        default=default,
        help="simulated seconds per real second: 1 is real time (the default), "
        "0 freezes the clock, 60 runs an hour a minute",
    )


def clock_from_arguments(now: datetime | None, speed: float | None) -> Clock:
    if now is None and speed in (None, 1.0):
        return Clock()
    return Clock(now or datetime.now(UTC), speed=1.0 if speed is None else speed)
