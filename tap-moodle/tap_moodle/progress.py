"""Progress of a per-course stream, logged at a bounded rate."""

from __future__ import annotations

import logging
import time

LOG_INTERVAL_SECONDS = 30.0


class Progress:
    """Count the courses a stream has done and log rate and time left."""

    def __init__(
        self,
        stream_name: str,
        logger: logging.Logger,
        *,
        interval: float = LOG_INTERVAL_SECONDS,
    ) -> None:
        """Start counting for ``stream_name``; log at most once per ``interval``."""
        self.stream_name = stream_name
        self.logger = logger
        self.interval = interval
        self.total = 0
        self.done = 0
        self._started = time.monotonic()
        self._logged = self._started

    def advance(self) -> None:
        """Count one more course, and log if the interval has passed or all are done."""
        self.done += 1
        now = time.monotonic()
        if self.done >= self.total or now - self._logged >= self.interval:
            self._logged = now
            self.logger.info(self.describe(now - self._started))

    def describe(self, elapsed: float) -> str:
        """Return the progress line: courses done, rate and time left."""
        rate = self.done / elapsed if elapsed > 0 else 0.0
        line = f"Stream '{self.stream_name}': {self.done} of {self.total} courses"
        if self.total:
            line += f" ({100 * self.done / self.total:.0f}%)"
        line += f", {rate:.1f} courses/s"
        remaining = self.total - self.done
        if remaining > 0 and rate > 0:
            line += f", about {_duration(remaining / rate)} left"
        return line


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"
