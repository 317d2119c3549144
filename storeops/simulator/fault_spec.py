"""Random faults by rate, from a spec such as
`5xx=0.1,429=0.05,reset=0.02,malformed=0.01,latency=0-3s,stall=0.05,drip=0.01`.

Kinds (each at most once; rates are per request, 0 to 1):
- 5xx: a 500, 502 or 503 (picked at random) in the API's error shape;
- 429: a rate limit with `Retry-After: 1`;
- reset: the connection is dropped before any answer;
- malformed: a 200 whose body is truncated JSON;
- stall: the request is served, but the body stops midway (the connection is
  closed after about half of the promised Content-Length);
- drip: the answer is sent slowly in small pieces, within a bounded time;
- latency: a range, `A-Bs` or `A-Bms` (or one value, `2s`): every request waits
  a time drawn uniformly from it before it is served.

5xx, 429, reset, malformed, stall and drip exclude each other (one draw per
request picks at most one), so their rates add up to at most 1. Latency comes on
top of any of them. Only the standard library here: the app's argument parser
checks `--demo-faults` with it before Qt loads.
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass

MAX_LATENCY_S = 60.0

# Spec name -> FaultSpec field, in the order a request's draw walks them.
RATE_KINDS: dict[str, str] = {
    "5xx": "server_error",
    "429": "rate_limit",
    "reset": "reset",
    "malformed": "malformed",
    "stall": "stall",
    "drip": "drip",
}
KINDS = (*RATE_KINDS, "latency")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)?\s*$")


@dataclass(frozen=True)
class FaultSpec:
    server_error: float = 0.0
    rate_limit: float = 0.0
    reset: float = 0.0
    malformed: float = 0.0
    stall: float = 0.0
    drip: float = 0.0
    latency: tuple[float, float] = (0.0, 0.0)  # seconds, inclusive

    def __post_init__(self) -> None:
        for name, attr in RATE_KINDS.items():
            _check_rate(name, getattr(self, attr))
        total = sum(getattr(self, attr) for attr in RATE_KINDS.values())
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"fault rates add up to {total:g}, over 1: 5xx, 429, reset, malformed, stall and drip "
                "exclude each other, so at most one happens per request"
            )
        low, high = self.latency
        if not (0.0 <= low <= high <= MAX_LATENCY_S):
            raise ValueError(f"latency range {low:g}-{high:g}s: use 0 <= low <= high <= {MAX_LATENCY_S:g} seconds")

    def rates(self) -> dict[str, float]:
        """Spec name -> rate, for the kinds that are on."""
        return {name: rate for name, attr in RATE_KINDS.items() if (rate := getattr(self, attr)) > 0}

    @property
    def active(self) -> bool:
        return bool(self.rates()) or self.latency[1] > 0

    def __str__(self) -> str:
        parts = [f"{name}={rate:g}" for name, rate in self.rates().items()]
        if self.latency[1] > 0:
            parts.append(f"latency={self.latency[0]:g}-{self.latency[1]:g}s")
        return ",".join(parts) or "none"


def parse_fault_spec(text: str) -> FaultSpec:
    """`kind=value,...` -> FaultSpec; a ValueError names the part it refuses.
    An empty spec (or "none") injects nothing."""
    if text.strip().lower() in ("", "none"):
        return FaultSpec()
    values: dict[str, object] = {}
    seen: set[str] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise ValueError(f"empty part in fault spec {text!r}")
        name, eq, value = (s.strip() for s in part.partition("="))
        name = name.lower()
        if not eq or not value:
            raise ValueError(f"{part!r}: expected kind=value")
        if name not in KINDS:
            raise ValueError(f"{part!r}: unknown fault kind {name!r}; one of {', '.join(KINDS)}")
        if name in seen:
            raise ValueError(f"{part!r}: fault kind {name!r} given twice")
        seen.add(name)
        if name == "latency":
            values["latency"] = _parse_range(part, value)
        else:
            try:
                rate = float(value)
            except ValueError:
                raise ValueError(f"{part!r}: rate {value!r} is not a number from 0 to 1") from None
            _check_rate(part, rate)
            values[RATE_KINDS[name]] = rate
    try:
        return FaultSpec(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"fault spec {text!r}: {exc}") from None


def _check_rate(what: str, rate: float) -> None:
    if not (math.isfinite(rate) and 0.0 <= rate <= 1.0):
        raise ValueError(f"{what!r}: rate {rate:g} is outside 0..1")


def _parse_range(part: str, value: str) -> tuple[float, float]:
    # The unit may follow each end or only the last ("0-3s", "200ms-1s", "100-300ms").
    low_text, dash, high_text = value.partition("-")
    if not dash:
        high_text = low_text
    high_match, low_match = _DURATION.match(high_text), _DURATION.match(low_text)
    if low_match is None or high_match is None:
        raise ValueError(f"{part!r}: bad latency range {value!r}; use e.g. 0-3s, 100-500ms or 2s")
    unit = high_match.group(2) or "s"
    low = float(low_match.group(1)) * (0.001 if (low_match.group(2) or unit) == "ms" else 1.0)
    high = float(high_match.group(1)) * (0.001 if unit == "ms" else 1.0)
    if low > high or high > MAX_LATENCY_S:
        raise ValueError(
            f"{part!r}: bad latency range {value!r}; the low end must not exceed the high end, "
            f"and at most {MAX_LATENCY_S:g}s"
        )
    return (low, high)


def fault_spec_argument(text: str) -> FaultSpec:
    """argparse type: a bad spec is a usage error (exit 2) with the parser's message."""
    try:
        return parse_fault_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_fault_argument(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, prefix: str = "", default: object = None
) -> None:
    """--faults (with a prefix: --demo-faults): one spelling for the simulator's command
    line, the app's demo and the kiosk's."""
    parser.add_argument(
        f"--{prefix}faults",
        type=fault_spec_argument,
        metavar="SPEC",
        default=default,
        help="inject random faults into API calls (not HLS video) at these per-request rates, "
        "reproducibly for a seed, e.g. 5xx=0.1,429=0.05,reset=0.02,malformed=0.01,"
        "stall=0.05,drip=0.01,latency=0-3s",
    )
