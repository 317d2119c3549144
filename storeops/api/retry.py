"""When and how long to wait before repeating a request.

Only requests that are safe to repeat are ever retried (queries, GETs, the
idempotent location update); the transport decides that per call. This module
only knows the timing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Attempts in total, the first one included.
MAX_ATTEMPTS = 4
#: Delay before the first retry; doubles on each further retry.
BASE_DELAY_S = 0.25
#: No computed backoff waits longer than this.
MAX_DELAY_S = 8.0
#: Each delay is multiplied by a random factor in [1 - JITTER, 1 + JITTER] so that
#: many clients throttled together do not come back together.
JITTER = 0.25
#: A server asking for a longer Retry-After than this is not waited for: the
#: error goes to the user instead of freezing a pane for minutes.
MAX_RETRY_AFTER_S = 30.0

#: Statuses worth repeating a safe request for. 500 only for safe calls too: a
#: query that crashed the server once may well succeed the second time.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = MAX_ATTEMPTS
    base_delay: float = BASE_DELAY_S
    max_delay: float = MAX_DELAY_S
    jitter: float = JITTER
    max_retry_after: float = MAX_RETRY_AFTER_S
    statuses: frozenset[int] = field(default=RETRY_STATUSES)

    @classmethod
    def never(cls) -> RetryPolicy:
        return cls(max_attempts=1)

    def delay(
        self, retry_number: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait before retry `retry_number` (1 = first retry), or None
        when the request should not be retried at all."""
        if retry_number >= self.max_attempts:
            return None
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            # The server knows best; never come back earlier than it asked.
            return max(0.0, retry_after)
        backoff = min(self.max_delay, self.base_delay * (2.0 ** (retry_number - 1)))
        spread = (rng or random).uniform(1.0 - self.jitter, 1.0 + self.jitter)
        return min(self.max_delay, backoff * spread)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds; the HTTP-date form is accepted too."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
