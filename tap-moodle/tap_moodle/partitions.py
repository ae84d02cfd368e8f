"""Answers of per-course wsfunctions, fetched ahead and shared by a course's streams.

Several streams derive from one answer: enrolments, role assignments and roles
from ``core_enrol_get_enrolled_users``; grade items and grades from
``gradereport_user_get_grade_items``. The SDK syncs every child stream of a course
before it moves to the next course, so keeping the answers of the current course
is enough to call each wsfunction once per course.

While the streams of one course run, a thread pool fetches the answers of the
next courses, so that up to ``max_concurrency`` requests are in flight. Only a
window of courses ahead is fetched, which bounds memory by the answers of that
window.
"""

from __future__ import annotations

import threading
import typing as t
from concurrent.futures import Future

if t.TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor

T = t.TypeVar("T")


class CourseAnswers:
    """Answers of the current course and of the courses fetched ahead."""

    def __init__(self, executor: Executor | None = None) -> None:
        """Fetch ahead on ``executor``, or fetch on first use if it is None."""
        self._executor = executor
        self._courseid: int | None = None
        self._current: dict[str, Future[t.Any]] = {}
        self._ahead: dict[tuple[int, str], Future[t.Any]] = {}
        # Every future not yet dropped, for loaders on worker threads that wait
        # for another answer of their course.
        self._futures: dict[tuple[int, str], Future[t.Any]] = {}
        self._lock = threading.Lock()

    def prefetch(self, courseid: int, key: str, load: Callable[[], object]) -> None:
        """Start loading answer ``key`` of a later course in the background."""
        if self._executor is None or (courseid, key) in self._ahead:
            return
        future = self._executor.submit(load)
        self._ahead[courseid, key] = future
        with self._lock:
            self._futures[courseid, key] = future

    def future(self, courseid: int, key: str) -> Future[t.Any] | None:
        """Return the pending or finished answer ``key`` of a course, if started.

        Safe to call from worker threads, unlike :meth:`get`.
        """
        with self._lock:
            return self._futures.get((courseid, key))

    def get(self, key: str, courseid: int, load: Callable[[], T]) -> T:
        """Return the answer ``key`` of ``courseid``, loading it unless fetched.

        Moving to another course drops the answers of the previous one. A failed
        call is kept like an answer and raised again, so the next stream of the
        same course does not repeat it.
        """
        if courseid != self._courseid:
            self._drop(self._courseid)
            self._courseid = courseid
            self._current.clear()
        if key not in self._current:
            future = self._ahead.pop((courseid, key), None)
            if future is None:
                future = _run_now(load)
                with self._lock:
                    self._futures[courseid, key] = future
            self._current[key] = future
        return t.cast("T", self._current[key].result())

    def _drop(self, courseid: int | None) -> None:
        with self._lock:
            for key in [k for k in self._futures if k[0] == courseid]:
                del self._futures[key]

    def cancel_ahead(self) -> None:
        """Cancel the answers fetched ahead that no stream asked for."""
        for future in self._ahead.values():
            future.cancel()
        self._ahead.clear()
        with self._lock:
            self._futures.clear()


def _run_now(load: Callable[[], T]) -> Future[T]:
    future: Future[T] = Future()
    try:
        future.set_result(load())
    except Exception as error:  # noqa: BLE001
        future.set_exception(error)
    return future
