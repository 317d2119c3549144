"""Shared fixtures: a real simulator over HTTP, redirected app dirs, a fake keyring,
and a qasync loop for GUI tests."""

from __future__ import annotations

import asyncio
import gc
import os
from datetime import datetime

import pytest

from storeops.simulator.clock import Clock, parse_instant

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key-do-not-log"

# Every simulator in the suite is built and runs from this instant, never from the
# machine's date: the seeded world (its traffic history, archive dates, alerts) and
# every "now" the tests assert against are then the same on any day. Wednesday
# 22 April 2026, 13:07 in Los Angeles, 15:07 in Chicago, 21:07 in London (the
# Occupancy tests' day). STOREOPS_TEST_NOW runs the whole suite from another instant.
TEST_NOW = parse_instant(os.environ.get("STOREOPS_TEST_NOW") or "2026-04-22T20:07:00Z")


def pinned_clock(at: datetime | None = None) -> Clock:
    """A clock that starts at `at` (TEST_NOW by default) and runs in real time from there."""
    return Clock(at or TEST_NOW)


def start_pinned_simulator(*, at: datetime | None = None, seed: int = 7, **kw):
    from storeops.simulator.server import start_simulator

    return start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=seed, clock=pinned_clock(at), **kw)


@pytest.fixture(scope="session")
def sim():
    """One simulator for the session: for tests that only read."""
    running = start_pinned_simulator()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def fresh_sim():
    """A simulator of its own: for tests that change the chain or the clock."""
    running = start_pinned_simulator()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session", autouse=True)
def _collect_garbage_on_the_main_thread():
    """As the app does (storeops/ui/gc_guard.py): a cyclic collection that starts on a
    simulator thread may destroy Qt objects there — a qasync loop's timer object among
    them, after which that loop's timers never fire and a test waits forever. So the
    automatic collector is off and each test's garbage is collected here, on the main
    thread, after the test (see _collect_after_each_test)."""
    gc.collect()
    gc.disable()
    # Everything collection imported (Qt, numpy, httpx, our modules) lives as long as
    # the session: out of the collector's sight, each per-test collection stays cheap.
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test():
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _isolated_app_dirs(tmp_path, monkeypatch):
    """Never touch the real config, log or cache dirs, nor the real keyring."""
    monkeypatch.setenv("STOREOPS_HOME", str(tmp_path / "storeops-home"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture
def qloop(qapp):
    """A qasync loop driving asyncio from Qt's event loop; closed inside the test
    (a loop left open makes "Signal source has been deleted" appear at exit)."""
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        if not loop.is_closed():
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()
        asyncio.set_event_loop(None)
        # Collect the loop's Qt objects (its timer object still holds pending
        # timers) here, on the GUI thread: left to the cyclic GC they may die on
        # a simulator thread, where Qt cannot unregister their timers, and a
        # later test segfaults when such a timer fires.
        del loop
        gc.collect()
