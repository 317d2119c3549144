"""Loaded by `bash installer/dev.sh test-at WHEN` only (it is put on PYTHONPATH there).

libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 makes every time.sleep()
fail with EINVAL, and without that flag timed thread waits never return; so the
wall clock is faked, the monotonic one is not, and sleep waits in select() instead."""

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    if seconds:
        select.select([], [], [], seconds)


time.sleep = _sleep
