"""The simulator's notion of "now".

Real time by default; tests and benchmarks can freeze or shift it so that
"store is open" and "today's traffic" are deterministic.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """Aware UTC datetime."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(timezone.utc) + self._offset

    def freeze(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("freeze() needs an aware datetime")
        with self._lock:
            self._frozen = at.astimezone(timezone.utc)

    def shift_to(self, at: datetime) -> None:
        """Keep running, but as if the real clock read `at` now."""
        if at.tzinfo is None:
            raise ValueError("shift_to() needs an aware datetime")
        with self._lock:
            self._frozen = None
            self._offset = at - datetime.now(timezone.utc)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def reset(self) -> None:
        with self._lock:
            self._frozen = None
            self._offset = timedelta(0)
