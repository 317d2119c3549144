"""Faults tests inject into the next requests of a path prefix.

`add("/v2/location", "status", count=2, status=503)` makes the next two matching
requests answer 503. Kinds and their parameters:
- status: `status` (default 503), `retry_after` (seconds; default 1 for 429),
  `detail` (error_detail text);
- malformed: `status` (default 200), `body` (bytes; default a truncated JSON);
- delay: `seconds` (default 1.0), then the request is served normally (holding its
  concurrency slot, so delays make limits observable);
- disconnect: the connection is dropped before any answer;
- delay_answer: `seconds` (default 1.0): the request is served (its effect is
  applied), then the answer is held back: a client that times out meanwhile
  sees a lost answer to a request that did take effect.
`fired` counts faults served per kind.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

KINDS = ("status", "malformed", "delay", "disconnect", "delay_answer")


@dataclass
class Fault:
    path_prefix: str
    kind: str
    remaining: int
    params: dict[str, Any] = field(default_factory=dict)


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.fired: Counter[str] = Counter()

    def add(self, path_prefix: str, kind: str, count: int = 1, **params: Any) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {KINDS}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if not path_prefix.startswith("/"):
            path_prefix = "/" + path_prefix
        fault = Fault(path_prefix, kind, count, params)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> int:
        with self._lock:
            return sum(f.remaining for f in self._faults)

    def take(self, path: str) -> Fault | None:
        """The first fault matching `path`, consuming one of its uses."""
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    self.fired[fault.kind] += 1
                    return fault
        return None
