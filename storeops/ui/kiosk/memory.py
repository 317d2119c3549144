"""Give freed heap back to the OS, for a display that runs for weeks.

Polling allocates and frees small objects all day; glibc keeps the freed pages,
so resident memory creeps up even though nothing leaks (measured: it plateaus
when trimmed). `malloc_trim(0)` returns them. Elsewhere it is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time

TRIM_EVERY_POLLS = 1000
TRIM_EVERY_S = 300.0

_libc = None


def trim_heap() -> bool:
    global _libc
    if not sys.platform.startswith("linux"):
        return False
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(_libc.malloc_trim(0))
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return False


class HeapTrimmer:
    """Trim after so many polls or so much time, whichever comes first."""

    def __init__(self, every_polls: int = TRIM_EVERY_POLLS, every_s: float = TRIM_EVERY_S):
        self.every_polls = every_polls
        self.every_s = every_s
        self._polls = 0
        self._last = time.monotonic()
        self.trims = 0

    def polled(self) -> None:
        self._polls += 1
        if self._polls >= self.every_polls or time.monotonic() - self._last >= self.every_s:
            self._polls = 0
            self._last = time.monotonic()
            trim_heap()
            self.trims += 1
