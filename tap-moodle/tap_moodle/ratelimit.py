"""A limit on requests started per second, shared by every thread."""

from __future__ import annotations

import threading
import time


class RateLimit:
    """Space request starts at least ``1 / requests_per_second`` apart."""

    def __init__(self, requests_per_second: float | None) -> None:
        """Limit to ``requests_per_second``; None or 0 means no limit."""
        self.interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._next_start = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the caller may start its request."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self.interval
        time.sleep(start - now)
