"""At most `limit` failed sign-ins a `window` of seconds from one client; the rest are refused unheard."""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

FAILURES_PER_MINUTE = 10


class Throttle:
    """Counts failures per client (its address) over a sliding window. `clock` is swappable for tests."""

    def __init__(self, limit: int = FAILURES_PER_MINUTE, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window more than 0 seconds")
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds until this client may try again; 0 when it may now."""
        with self._lock:
            failures = self._recent(client)
            if len(failures) < self.limit:
                return 0.0
            return max(0.0, failures[0] + self.window - self.clock())

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self.clock())
            if len(self._failures) > 10_000:  # forget the clients that failed longest ago
                self._failures.pop(next(iter(self._failures)))

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        cutoff = self.clock() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures
