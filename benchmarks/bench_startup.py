"""Start-up figures: process start to the first painted main window, demo mode.

The app prints `storeops-first-paint <time.time()>` at its first paint and exits
at once when STOREOPS_EXIT_AT_FIRST_PAINT is set (a hidden hook for this
benchmark). Headless (offscreen Qt), fresh app dirs per run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
MARK = "storeops-first-paint"


def _one_run(home: str) -> tuple[float, float]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        STOREOPS_HOME=home,
        STOREOPS_EXIT_AT_FIRST_PAINT="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "storeops", "--demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    ended = time.time()
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            painted = float(line.split()[1])
            return (painted - started) * 1000, (ended - started) * 1000
    raise RuntimeError(f"no first-paint mark (exit {done.returncode}): {done.stderr[-2000:]}")


def _version_ms() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "storeops", "--version"], cwd=ROOT, check=True, capture_output=True, timeout=30
    )
    return (time.perf_counter() - started) * 1000


def run():
    paints = []
    with tempfile.TemporaryDirectory() as home:
        _one_run(home)  # warm the OS file cache and .pyc files: a cold first run is noise
        for _ in range(RUNS):
            paint, _total = _one_run(home)
            paints.append(paint)
    yield "startup_first_paint_ms", statistics.median(paints), "ms"
    yield "startup_first_paint_worst_ms", max(paints), "ms"
    yield "startup_version_ms", statistics.median(_version_ms() for _ in range(3)), "ms"
