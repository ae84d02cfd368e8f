"""Counters of the served requests, and the cap on requests served at once.

:class:`Counters` counts calls, response bytes, modelled seconds and injected
faults per wsfunction. :class:`WorkerPool` imitates the fixed number of PHP-FPM
workers of a Moodle server: a request waits for a free worker, and the pool
records how many requests were served at once and how long they queued.
Every method is thread-safe; none holds a lock while a request sleeps.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
import typing as t
from collections import Counter
from dataclasses import dataclass, field

if t.TYPE_CHECKING:
    from collections.abc import Iterator


@dataclass(frozen=True)
class ConcurrencyStats:
    """Figures of the worker pool since the last reset.

    Attributes:
        max_concurrent: The cap on requests served at once, ``None`` if none.
        in_flight: Requests being served now.
        peak: The maximum number of requests served at once.
        queued_requests: Requests that had to wait for a free worker.
        peak_queued: The maximum number of requests waiting at once.
        queue_wait_seconds: Total seconds that requests waited.
        max_queue_wait_seconds: The maximum wait of one request, in seconds.
    """

    max_concurrent: int | None
    in_flight: int
    peak: int
    queued_requests: int
    peak_queued: int
    queue_wait_seconds: float
    max_queue_wait_seconds: float


@dataclass(frozen=True)
class StatsSnapshot:
    """The counters of a sandbox at one moment, as ``GET /_sandbox/stats`` sends.

    Attributes:
        calls: Requests per wsfunction, failed and faulted ones included.
        bytes: Bytes of response bodies sent per wsfunction.
        modelled_seconds: Seconds each wsfunction's responses were held back by
            the latency model and latency faults, scale applied.
        faults: Injected faults per kind, such as ``http_error``.
        total_calls: Sum of ``calls``.
        total_bytes: Response bytes of every request, those without a
            wsfunction included.
        total_modelled_seconds: Modelled seconds of every request, those
            without a wsfunction included.
        latency_scale: The latency model's scale; 0 when it is off.
        concurrency: What the worker pool saw.
    """

    calls: dict[str, int]
    bytes: dict[str, int]
    modelled_seconds: dict[str, float]
    faults: dict[str, int]
    total_calls: int
    total_bytes: int
    total_modelled_seconds: float
    latency_scale: float
    concurrency: ConcurrencyStats

    def to_dict(self) -> dict[str, t.Any]:
        """Return the snapshot as JSON-ready data."""
        return {
            "calls": dict(self.calls),
            "bytes": dict(self.bytes),
            "modelled_seconds": dict(self.modelled_seconds),
            "faults": dict(self.faults),
            "total_calls": self.total_calls,
            "total_bytes": self.total_bytes,
            "total_modelled_seconds": self.total_modelled_seconds,
            "latency_scale": self.latency_scale,
            "concurrency": {
                "max_concurrent": self.concurrency.max_concurrent,
                "in_flight": self.concurrency.in_flight,
                "peak": self.concurrency.peak,
                "queued_requests": self.concurrency.queued_requests,
                "peak_queued": self.concurrency.peak_queued,
                "queue_wait_seconds": self.concurrency.queue_wait_seconds,
                "max_queue_wait_seconds": self.concurrency.max_queue_wait_seconds,
            },
        }


@dataclass
class Counters:
    """Thread-safe per-wsfunction counters of calls, bytes, seconds and faults."""

    _calls: Counter[str] = field(default_factory=Counter)
    _bytes: Counter[str] = field(default_factory=Counter)
    _seconds: dict[str, float] = field(default_factory=dict)
    _faults: Counter[str] = field(default_factory=Counter)
    _total_bytes: int = 0
    _total_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count_call(self, wsfunction: str) -> None:
        """Count one request that names ``wsfunction``."""
        with self._lock:
            self._calls[wsfunction] += 1

    def count_fault(self, kind: str) -> None:
        """Count one injected fault of a kind."""
        with self._lock:
            self._faults[kind] += 1

    def record_response(
        self, wsfunction: str | None, size_bytes: int, modelled_seconds: float
    ) -> None:
        """Add a response's size and modelled time, to its wsfunction if it has one."""
        with self._lock:
            self._total_bytes += size_bytes
            self._total_seconds += modelled_seconds
            if wsfunction:
                self._bytes[wsfunction] += size_bytes
                self._seconds[wsfunction] = (
                    self._seconds.get(wsfunction, 0.0) + modelled_seconds
                )

    def calls(self) -> dict[str, int]:
        """Return the requests per wsfunction."""
        with self._lock:
            return dict(self._calls)

    def snapshot(
        self, latency_scale: float, concurrency: ConcurrencyStats
    ) -> StatsSnapshot:
        """Return a copy of every counter."""
        with self._lock:
            return StatsSnapshot(
                calls=dict(self._calls),
                bytes=dict(self._bytes),
                modelled_seconds=dict(self._seconds),
                faults=dict(self._faults),
                total_calls=sum(self._calls.values()),
                total_bytes=self._total_bytes,
                total_modelled_seconds=self._total_seconds,
                latency_scale=latency_scale,
                concurrency=concurrency,
            )

    def reset(self) -> None:
        """Set every counter back to zero."""
        with self._lock:
            self._calls.clear()
            self._bytes.clear()
            self._seconds.clear()
            self._faults.clear()
            self._total_bytes = 0
            self._total_seconds = 0.0


class WorkerPool:
    """At most ``max_concurrent`` requests served at once; the others queue.

    Waiting requests get a worker in the order they arrived, as requests queue
    in the listen backlog of PHP-FPM.

    Args:
        max_concurrent: The number of workers, or ``None`` for no cap. The pool
            then only measures concurrency.

    Raises:
        ValueError: If ``max_concurrent`` is below 1.
    """

    def __init__(self, max_concurrent: int | None = None) -> None:
        """Create the pool with its workers all free."""
        if max_concurrent is not None and max_concurrent < 1:
            msg = f"max_concurrent must be at least 1 or None, got {max_concurrent}"
            raise ValueError(msg)
        self.max_concurrent = max_concurrent
        self._lock = threading.Lock()
        # One event per waiting request, set when a finishing request hands
        # over its worker.
        self._queue: collections.deque[threading.Event] = collections.deque()
        self._in_flight = 0
        self._peak = 0
        self._peak_queued = 0
        self._queued_requests = 0
        self._wait_seconds = 0.0
        self._max_wait_seconds = 0.0

    @contextlib.contextmanager
    def worker(self) -> Iterator[None]:
        """Hold a worker for the duration of the ``with`` block, waiting for one."""
        self._acquire()
        try:
            yield
        finally:
            self._release()

    def _acquire(self) -> None:
        with self._lock:
            full = (
                self.max_concurrent is not None
                and self._in_flight >= self.max_concurrent
            )
            if not full:
                self._in_flight += 1
                self._peak = max(self._peak, self._in_flight)
                return
            turn = threading.Event()
            self._queue.append(turn)
            self._queued_requests += 1
            self._peak_queued = max(self._peak_queued, len(self._queue))
        started = time.monotonic()
        turn.wait()
        waited = time.monotonic() - started
        with self._lock:
            self._wait_seconds += waited
            self._max_wait_seconds = max(self._max_wait_seconds, waited)

    def _release(self) -> None:
        with self._lock:
            if self._queue:
                # The worker passes straight to the oldest waiting request, so
                # the number in flight stays the same.
                self._queue.popleft().set()
            else:
                self._in_flight -= 1

    def stats(self) -> ConcurrencyStats:
        """Return the pool's figures since the last reset."""
        with self._lock:
            return ConcurrencyStats(
                max_concurrent=self.max_concurrent,
                in_flight=self._in_flight,
                peak=self._peak,
                queued_requests=self._queued_requests,
                peak_queued=self._peak_queued,
                queue_wait_seconds=self._wait_seconds,
                max_queue_wait_seconds=self._max_wait_seconds,
            )

    def reset(self) -> None:
        """Set the peaks and wait times back to zero; requests in flight stay."""
        with self._lock:
            self._peak = self._in_flight
            self._peak_queued = len(self._queue)
            self._queued_requests = 0
            self._wait_seconds = 0.0
            self._max_wait_seconds = 0.0
