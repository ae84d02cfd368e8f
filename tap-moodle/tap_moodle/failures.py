"""Courses and users skipped after an error that concerns only them."""

from __future__ import annotations

import collections
import dataclasses
import threading
import typing as t

from tap_moodle.errors import MoodlePartitionError

if t.TYPE_CHECKING:
    import logging

    from tap_moodle.errors import MoodleWebServiceError

# Skips logged one by one per stream; later ones are only counted, and the
# report at the end of the sync lists them all.
LOGGED_PER_STREAM = 10


@dataclasses.dataclass(frozen=True)
class PartitionFailure:
    """One course, or one user in a course, that a stream skipped."""

    stream: str
    courseid: int
    userid: int | None
    wsfunction: str
    errorcode: str

    def describe(self) -> str:
        """Return the partition and the error in words."""
        user = f", user {self.userid}" if self.userid is not None else ""
        return (
            f"course {self.courseid}{user}: errorcode '{self.errorcode}' from "
            f"wsfunction '{self.wsfunction}'"
        )


class PartitionFailures:
    """Record partition errors: skip and count them, or stop the sync.

    Worker threads record failures, so every change happens under a lock.
    """

    def __init__(self, site: str, logger: logging.Logger, *, fatal: bool) -> None:
        """Set the site named in errors and whether a failure stops the sync."""
        self.site = site
        self.logger = logger
        self.fatal = fatal
        self.failures: list[PartitionFailure] = []
        self._lock = threading.Lock()

    def record(
        self,
        stream: str,
        error: MoodleWebServiceError,
        *,
        courseid: int,
        userid: int | None = None,
    ) -> None:
        """Skip the partition and log it, or raise when failures are fatal.

        Raises:
            MoodlePartitionError: If ``partition_errors`` is ``fail``.
        """
        failure = PartitionFailure(
            stream, courseid, userid, error.wsfunction, error.errorcode
        )
        if self.fatal:
            detail = (
                f"stream '{stream}' failed on {failure.describe()} "
                f"({error.moodle_message}). partition_errors is 'fail'; set it to "
                "'skip' to skip such courses and users and report them at the end."
            )
            raise MoodlePartitionError(self.site, error.wsfunction, detail) from error
        with self._lock:
            self.failures.append(failure)
            logged = sum(1 for seen in self.failures if seen.stream == stream)
        if logged <= LOGGED_PER_STREAM:
            self.logger.warning("Stream '%s' skips %s", stream, failure.describe())

    def count(self, stream: str | None = None) -> int:
        """Return the number of skipped partitions, of one stream or of all."""
        with self._lock:
            return sum(1 for f in self.failures if stream in (None, f.stream))

    def courseids(self, stream: str) -> list[int]:
        """Return the courses of a stream with at least one skipped partition."""
        with self._lock:
            return sorted({f.courseid for f in self.failures if f.stream == stream})

    def report(self) -> None:
        """Log every skipped partition, grouped by stream and errorcode."""
        with self._lock:
            failures = list(self.failures)
        if not failures:
            self.logger.info("No course or user was skipped.")
            return
        groups: dict[tuple[str, str], list[PartitionFailure]] = (
            collections.defaultdict(list)
        )
        for failure in failures:
            groups[failure.stream, failure.errorcode].append(failure)
        calls = {(f.wsfunction, f.courseid, f.userid) for f in failures}
        self.logger.warning(
            "Calls that failed with errors concerning only one course or user: "
            "%d. Streams skipped %d courses or users because of them:",
            len(calls),
            len(failures),
        )
        for (stream, errorcode), group in sorted(groups.items()):
            self.logger.warning(
                "  stream '%s', errorcode '%s': %d skipped: %s",
                stream,
                errorcode,
                len(group),
                "; ".join(failure.describe() for failure in group),
            )
