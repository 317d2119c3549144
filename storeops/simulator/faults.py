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
  sees a lost answer to a request that did take effect;
- malformed_answer: as malformed (`status`, `body`), but after the request is
  served (its effect applied): a broken answer to a request that did take effect.
`fired` counts faults served per kind.

Random faults by rate come on top (fault_spec.py has the spec): `set_random(spec)`
turns them on, `set_random(None)` off. A scripted fault, when one matches, wins
over a random draw. Draws come from a random source seeded with the simulator's
seed, so the same requests made one after another meet the same faults (requests
in parallel are drawn in arrival order). `injected` counts random faults per
spec kind ("5xx", "429", ..., "latency") and `drawn` the requests they were
drawn for. HLS playlists and segments get no random faults (see RANDOM_EXEMPT).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from storeops.simulator.fault_spec import RATE_KINDS, FaultSpec, parse_fault_spec

KINDS = ("status", "malformed", "delay", "disconnect", "delay_answer", "malformed_answer")
#: Kinds under which the request is still served; the others answer in its place.
SERVED_KINDS = ("delay", "delay_answer", "malformed_answer")
# libvlc does not retry a failed segment or playlist fetch: a random fault there
# would end the stream for good, which tests nothing in StoreOps' own code.
RANDOM_EXEMPT = ("/v1/hls/",)
SERVER_ERRORS = (500, 502, 503)


@dataclass(frozen=True)
class RandomFault:
    """What one request drew: `kind` a spec kind ("5xx", "429", "reset", "malformed",
    "stall", "drip") or None, `status` for 5xx, `latency` seconds to wait first."""

    kind: str | None
    status: int = 0
    latency: float = 0.0


@dataclass
class Fault:
    path_prefix: str
    kind: str
    remaining: int
    params: dict[str, Any] = field(default_factory=dict)


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.fired: Counter[str] = Counter()
        self.seed = seed
        self._rng = random.Random(seed)
        self.spec: FaultSpec | None = None
        self.injected: Counter[str] = Counter()
        self.drawn = 0

    def set_random(self, spec: FaultSpec | str | None, *, seed: int | None = None) -> None:
        """Random faults from now on (None or an inactive spec: none). The random
        source restarts from `seed` (default: the simulator's), and the counters
        from zero, so a run that sets its spec first is reproducible."""
        if isinstance(spec, str):
            spec = parse_fault_spec(spec)
        with self._lock:
            self.spec = spec if spec is not None and spec.active else None
            self._rng = random.Random(self.seed if seed is None else seed)
            self.injected.clear()
            self.drawn = 0

    def draw(self, path: str) -> RandomFault | None:
        """The random fault for one request to `path`, counted; None when none is on."""
        with self._lock:
            spec = self.spec
            if spec is None or path.startswith(RANDOM_EXEMPT):
                return None
            self.drawn += 1
            rng = self._rng
            # Always the same number of draws per request, whatever they pick, so
            # one kind's rate does not shift which requests another kind hits.
            pick, status_pick, latency_pick = rng.random(), rng.random(), rng.random()
            low, high = spec.latency
            latency = low + (high - low) * latency_pick if high > 0 else 0.0
            if latency > 0:
                self.injected["latency"] += 1
            kind = None
            edge = 0.0
            for name, attr in RATE_KINDS.items():
                edge += getattr(spec, attr)
                if pick < edge:
                    kind = name
                    self.injected[name] += 1
                    break
            status = SERVER_ERRORS[int(status_pick * len(SERVER_ERRORS))] if kind == "5xx" else 0
            if kind is None and latency == 0:
                return None
            return RandomFault(kind, status, latency)

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
