"""A minimum-interval rate limiter shared by every request of one client."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Space calls to ``wait()`` at least ``1.1 / per_second`` seconds apart.

    NCBI allows 3 requests per second without an API key and 10 with one. Keeping
    every request a fixed interval after the previous one means no 1-second window
    ever holds more than ``per_second`` requests; the 10% margin absorbs the jitter
    between sending a request and NCBI receiving it (Biopython uses 0.37 s for the
    same reason).

    Thread-safe: each caller reserves its slot under the lock, then sleeps outside it,
    so concurrent callers queue up one interval apart instead of all waking at once.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.1 / per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = float("-inf")

    def wait(self) -> None:
        """Block until this caller may send its request."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        if slot > now:
            self._sleep(slot - now)
