"""Run every benchmark and print one line per figure: `name: value unit`.

Each module `benchmarks/bench_*.py` exposes `run()` yielding (name, value, unit).
Figures, not pass/fail: goals live in the issues and in the notes.
Usage: python -m benchmarks [substring ...]
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

import benchmarks


def main(argv: list[str]) -> int:
    wanted = argv[1:]
    failed = 0
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        if wanted and not any(w in info.name for w in wanted):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        try:
            for name, value, unit in module.run():
                shown = f"{value:.3g}" if isinstance(value, float) else str(value)
                print(f"{name}: {shown} {unit}", flush=True)
        except Exception:  # one broken benchmark must not hide the others' figures
            failed += 1
            print(f"{info.name}: FAILED", flush=True)
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
