"""Per-subscription concurrency limits, as documented: over the limit answers 429.

Counters live on the server's event loop thread only, so they need no lock. `peak`
records the most requests of a family ever in flight (for "the client never
exceeds the limit" tests) and `rejected` how many got a 429.
"""

from __future__ import annotations

from collections import Counter

DEFAULT_LIMITS = {"location": 2, "cameras": 3, "predicted_traffic": 3, "pos": 10}

# path prefix -> family; a prefix matches whole path segments only
# ("/v1/location" is not "/v1/location_profiles")
_FAMILIES = (
    ("/v1/location", "location"),
    ("/v2/location", "location"),
    ("/v1/inventory/cameras", "cameras"),
    ("/v1/predictedtraffic", "predicted_traffic"),
    ("/v1/pos/", "pos"),
)


class Limits:
    def __init__(self, limits: dict[str, int] | None = None) -> None:
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()

    @staticmethod
    def family(path: str) -> str | None:
        for prefix, family in _FAMILIES:
            if path.startswith(prefix) and (
                len(path) == len(prefix) or prefix.endswith("/") or path[len(prefix)] == "/"
            ):
                return family
        return None

    def try_acquire(self, family: str) -> bool:
        if self.in_flight[family] >= self.limits.get(family, 1 << 30):
            self.rejected[family] += 1
            return False
        self.in_flight[family] += 1
        self.peak[family] = max(self.peak[family], self.in_flight[family])
        return True

    def release(self, family: str) -> None:
        self.in_flight[family] -= 1

    def reset_stats(self) -> None:
        self.peak.clear()
        self.rejected.clear()
