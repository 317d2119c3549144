"""Chaos figures: the whole app through a scripted session against a simulator that
injects random faults (tests/chaos/session.py has the script and the judging).

- chaos_requests: API requests the simulator drew faults for (all of them, once the
  faults are on). Goal ≥ 500.
- chaos_faults_injected: answers a fault changed (5xx, 429, reset, malformed, stall,
  drip; latency, on every request, not counted). Goal ≥ 50.
- chaos_failures_unrecovered: exceptions that escaped (excepthook, the loop's
  handler, logged tracebacks, hung steps), crash dialogs, edits called saved that
  the server lacks, adjusts applied twice, called applied but not recorded, or
  called not applied but recorded. Goal 0.
- chaos_rss_growth_mb: resident memory over the second half of the run (median of
  its last quarter less that of its second quarter), sampled every 2 s after a
  collection and malloc_trim. A leak climbs steadily and shows here. Goal ≤ 20.
  Its unit text also gives what first use costs: from the end of warm-up (each
  step of the script run once) to the second quarter, where memory levels off,
  and RSS every minute. The demo simulator runs in the same process (as in
  `storeops --demo`): its memory is in these figures.

The session runs in a child process, offscreen, so its memory is its own. The
faults are the issue's example spec, latency up to 3 s on every request: a long
run, several minutes by default. Environment overrides:
  STOREOPS_BENCH_CHAOS_SECONDS (default 540: about 1 request a second gets
  past 500 requests under 0-3 s of latency), STOREOPS_BENCH_CHAOS_FAULTS (a spec),
  STOREOPS_BENCH_CHAOS_SEED (default 1), STOREOPS_BENCH_CHAOS_SKIP (step names to
  leave out, comma-separated, e.g. "traffic range": to attribute a figure).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run():
    from tests.chaos.session import DEFAULT_FAULTS

    seconds = os.environ.get("STOREOPS_BENCH_CHAOS_SECONDS", "540")
    faults = os.environ.get("STOREOPS_BENCH_CHAOS_FAULTS", DEFAULT_FAULTS)
    seed = os.environ.get("STOREOPS_BENCH_CHAOS_SEED", "1")
    skip = os.environ.get("STOREOPS_BENCH_CHAOS_SKIP", "")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        STOREOPS_HOME=tempfile.mkdtemp(prefix="storeops-bench-chaos-"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_chaos", seconds, faults, seed, skip],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=float(seconds) + 600,
        check=False,
    )
    figures = next((json.loads(line) for line in reversed(out.stdout.splitlines()) if line.startswith("{")), None)
    if figures is None:
        raise RuntimeError(f"chaos child failed ({out.returncode}): {out.stderr[-3000:]}")
    run_text = f"{figures['seconds']:.0f} s, faults {faults}" + (f", without {skip}" if skip else "")
    yield "chaos_requests", figures["requests"], f"requests ({run_text}; {figures['steps']} steps)"
    yield "chaos_faults_injected", figures["faults_injected"], f"faults ({figures['faults']})"
    yield (
        "chaos_failures_unrecovered",
        figures["failures_unrecovered"],
        (
            f"failures (edits {figures['edits']}, adjusts {figures['adjusts']}, exports {figures['exports']}, "
            f"steps over 30 s {figures['slow_steps']}; corrupt files: {figures['corrupt_files'][:3]}; "
            f"unhandled: {figures['unhandled'][:3]})"
        ),
    )
    yield (
        "chaos_rss_growth_mb",
        figures["rss_growth_mb"],
        (
            f"MB over the second half ({figures['rss_start_mb']:.0f} MB after warm-up, levels off "
            f"{figures['rss_settle_mb']:+.0f} MB later, {figures['rss_end_mb']:.0f} MB at the end; "
            f"every minute: {figures['rss_per_minute']})"
        ),
    )


# ---------------------------------------------------------------- the child


def _child(seconds: float, faults: str, seed: int, skip: frozenset[str]) -> None:
    from storeops.ui.startup import qt_event_loop
    from tests.chaos.session import run_session

    with qt_event_loop() as loop:
        tally = loop.run_until_complete(run_session(seconds, faults=faults, seed=seed, skip=skip))
        loop.run_until_complete(asyncio.sleep(0))
    print(tally.summary(), file=sys.stderr)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "requests": tally.requests,
                "faults_injected": tally.faults_injected,
                "faults": dict(tally.faults),
                "steps": sum(tally.steps.values()),
                "edits": dict(tally.edits),
                "adjusts": dict(tally.adjusts),
                "exports": dict(tally.exports),
                "slow_steps": dict(tally.slow_steps),
                "corrupt_files": tally.corrupt_files,
                "unhandled": tally.unhandled,
                "failures_unrecovered": tally.failures_unrecovered,
                "rss_growth_mb": round(tally.rss_growth_mb(), 1),
                "rss_start_mb": tally.rss_base_mb or 0.0,
                "rss_settle_mb": round(tally.rss_settle_mb(), 1),
                "rss_end_mb": tally.rss_mb[-1][1] if tally.rss_mb else 0.0,
                "rss_per_minute": _per_minute(tally.rss_mb),
            }
        ),
        flush=True,
    )


def _per_minute(samples: list[tuple[float, float]]) -> list[int]:
    out: list[int] = []
    for at, mb in samples:
        if at >= 60 * len(out):
            out.append(round(mb))
    return out


if __name__ == "__main__":
    _child(float(sys.argv[1]), sys.argv[2], int(sys.argv[3]), frozenset(n for n in sys.argv[4].split(",") if n))
