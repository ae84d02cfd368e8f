"""Change detection: which courses to read again in an incremental sync.

Moodle's web services expose no change time for grades or completion, but every
change to them follows a visit to the course: a teacher grades in the course, a
student submits or completes an activity there. ``core_enrol_get_enrolled_users``
returns each enrolled user's last access to the course, and
``core_course_get_courses_by_field`` returns the course's ``timemodified``. A
course whose enrolled users are the same as at the last sync, none of whom has
visited it since, and which has not been edited since, is not read again by the
heavy per-course streams (grade items, grades, course completion).

Times are compared on the server's clock: a sync starts at this machine's time
plus the difference between the clocks, which the HTTP ``Date`` header of the
server's first answer gives. Visits count from that start minus the lookback, which covers what Moodle writes after the visit: a course access
is stored at most once a minute, and cron aggregates course completion on its
next run. Changes made without a visit to the course by an enrolled user, such
as grades imported by an administrator who is not enrolled, or completions that
cron records later than the lookback, wait for the full sync every
``full_sync_days``.
"""

from __future__ import annotations

import threading
import time
import typing as t
import zlib

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

SECONDS_PER_HOUR = 3_600
SECONDS_PER_DAY = 86_400


def enrolled_fingerprint(users: Iterable[Mapping[str, t.Any]]) -> str:
    """Return a short checksum of a course's enrolled user ids and their roles."""
    members = sorted(
        (user["id"], tuple(sorted(role["roleid"] for role in user.get("roles") or [])))
        for user in users
    )
    return format(zlib.crc32(repr(members).encode()), "08x")


class ChangeDetector:
    """Decide per course whether the heavy streams read it, and keep the bookmark.

    The bookmark lives in the tap's state: the start of the last completed sync
    and of the last full one, one fingerprint of enrolled users per course, and
    the courses that failed last time, which are always read again.
    """

    def __init__(  # noqa: PLR0913
        self,
        previous: Mapping[str, t.Any],
        *,
        enabled: bool,
        lookback_hours: float,
        full_sync_days: float,
        now: float | None = None,
    ) -> None:
        """Read the previous bookmark; ``start`` chooses a full or an incremental sync."""
        self.enabled = enabled
        self.lookback = lookback_hours * SECONDS_PER_HOUR
        self.full_sync_interval = full_sync_days * SECONDS_PER_DAY
        self.previous = previous
        self.previous_fingerprints: dict[str, str] = dict(
            previous.get("enrolled_users") or {}
        )
        self.retry = {int(i) for i in previous.get("retry_courseids") or []}
        self.fingerprints: dict[str, str] = {}
        self.unchanged: set[int] = set()
        self._lock = threading.Lock()
        self.start(time.time() if now is None else now)

    def start(self, now: float) -> None:
        """Start the sync at ``now`` on the server's clock.

        A sync is full when change detection is off, when no earlier sync
        completed, or when the last full sync is ``full_sync_days`` old.
        """
        self.started_at = now
        last_full = self.previous.get("last_full_sync_at") or 0
        full_due = now - last_full >= self.full_sync_interval
        since = self._previous_since()
        self.is_full = not self.enabled or since is None or full_due
        self.since = None if self.is_full else since
        self.last_full_sync_at = now if self.is_full else last_full

    def _previous_since(self) -> int | None:
        """Return the time from which visits count as changes, or None without one.

        Bookmarks written before ``last_sync_started_at`` existed stored
        ``changes_since``, with their lookback already subtracted.
        """
        started = self.previous.get("last_sync_started_at")
        if started is not None:
            return int(started - self.lookback)
        since = self.previous.get("changes_since")
        return None if since is None else int(since)

    def course_changed(
        self,
        courseid: int,
        timemodified: int,
        enrolled_users: list[dict[str, t.Any]],
    ) -> bool:
        """Whether the heavy streams must read the course in this sync."""
        fingerprint = enrolled_fingerprint(enrolled_users)
        with self._lock:
            self.fingerprints[str(courseid)] = fingerprint
        if self.since is None:
            return True
        visited = max(
            (user.get("lastcourseaccess") or 0 for user in enrolled_users), default=0
        )
        changed = (
            courseid in self.retry
            or timemodified >= self.since
            or visited >= self.since
            or self.previous_fingerprints.get(str(courseid)) != fingerprint
        )
        if not changed:
            with self._lock:
                self.unchanged.add(courseid)
        return changed

    def next_bookmark(
        self, courseids: Iterable[int], failed_courseids: Iterable[int]
    ) -> dict[str, t.Any]:
        """Return the bookmark for the next sync, after this one completed.

        Fingerprints are kept for ``courseids``, the courses that exist now; a
        course that this sync did not read keeps its previous fingerprint.
        """
        merged = {**self.previous_fingerprints, **self.fingerprints}
        fingerprints = {str(i): merged[str(i)] for i in courseids if str(i) in merged}
        return {
            "last_sync_started_at": int(self.started_at),
            "last_full_sync_at": int(self.last_full_sync_at),
            "enrolled_users": fingerprints,
            "retry_courseids": sorted(set(failed_courseids)),
        }
