"""The chaos session (tests/chaos/session.py) in the normal suite: the app against a
simulator that injects every kind of fault, for a bounded time (STOREOPS_CHAOS_SECONDS,
75 s by default; benchmarks/bench_chaos.py runs it longer and prints the figures).

What must hold whatever the faults: no exception escapes, no crash dialog, no edit
called saved that the server does not have, no adjust called applied that the server
did not record once, none recorded twice, none recorded that the app called not applied.
"""

from __future__ import annotations

import os

import pytest

from tests.chaos.session import DEFAULT_FAULTS, run_session

pytestmark = [pytest.mark.gui, pytest.mark.chaos]

SECONDS = float(os.environ.get("STOREOPS_CHAOS_SECONDS", "75"))
# The rates, with latency up to 1 s instead of 3: every kind of fault within
# a minute; the benchmark runs the full spec.
FAULTS = DEFAULT_FAULTS.replace("latency=0-3s", "latency=0-1s")


@pytest.mark.timeout(SECONDS + 240)
def test_a_session_under_random_faults_loses_nothing_and_lets_nothing_out(qloop, qapp) -> None:
    tally = qloop.run_until_complete(run_session(SECONDS, faults=FAULTS, seed=12))
    print(tally.summary())
    assert tally.unhandled == []
    assert tally.crash_dialogs == 0
    assert tally.edits["lost"] == 0, "an edit said saved is not on the server"
    assert tally.adjusts["doubled"] == 0, "an occupancy adjust was applied twice"
    assert tally.adjusts["lost"] == 0, "an adjust said applied was not recorded by the server"
    assert tally.adjusts["phantom"] == 0, "an adjust said not applied was recorded by the server"
    assert tally.exports["corrupt"] == 0, f"a finished download differs from the server's file: {tally.corrupt_files}"
    # The run did what it is for: the script worked through the faults.
    assert tally.faults_injected >= 10, tally.summary()
    assert tally.edits["saved"] >= 1 and tally.adjusts["applied"] >= 1, tally.summary()
