"""Base classes of the tap's streams."""

from __future__ import annotations

import logging
import typing as t

from singer_sdk import Stream
from singer_sdk import typing as th

from tap_moodle.errors import MoodleWebServiceError
from tap_moodle.normalize import normalize
from tap_moodle.progress import Progress

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from singer_sdk.helpers.types import Context, Record

    from tap_moodle.client import MoodleClient
    from tap_moodle.partitions import CourseAnswers
    from tap_moodle.tap import TapMoodle

# The opening words of the line the SDK logs when a stream starts a sync.
SDK_PARTITION_START = "Beginning sync of"

INSTANCE = th.Property(
    "instance",
    th.StringType,
    required=True,
    description="Name of the Moodle site the record comes from.",
)


class MoodleStream(Stream):
    """A stream fed by one wsfunction of one Moodle site.

    Every record is stamped with the site's instance name, and every primary key
    starts with it, so that several sites can load into the same tables.
    """

    wsfunction: t.ClassVar[str]
    # Other wsfunctions the stream calls besides its own.
    extra_wsfunctions: t.ClassVar[tuple[str, ...]] = ()
    # Fields that the personal_data setting keeps, hashes or drops.
    personal_fields: t.ClassVar[tuple[str, ...]] = ()

    @property
    def wsfunctions(self) -> tuple[str, ...]:
        """Every wsfunction a sync of the stream calls, its parent's included."""
        parent = self.parent_stream_type
        inherited = (parent.wsfunction,) if parent and issubclass(parent, MoodleStream) else ()
        return (*inherited, self.wsfunction, *self.extra_wsfunctions)

    @property
    def moodle(self) -> TapMoodle:
        """The tap that owns the stream."""
        return t.cast("TapMoodle", self._tap)

    @property
    def client(self) -> MoodleClient:
        """The shared client of the site."""
        return self.moodle.client

    @property
    def instance(self) -> str:
        """The site's instance name."""
        return self.moodle.instance

    def post_process(
        self,
        row: Record,
        context: Context | None = None,  # noqa: ARG002
    ) -> Record | None:
        """Fit the record to the schema, stamp the instance, apply personal_data."""
        record = t.cast("Record", normalize(row, self.schema))
        record = self.moodle.personal_data.apply(record, self.personal_fields)
        return {"instance": self.instance, **record}


class CourseStream(MoodleStream):
    """A stream with one partition per course (the site course left out).

    Errors that concern a single course, such as a missing capability in that
    course, skip the course with a warning (or stop the sync when the
    partition_errors setting is ``fail``); every other error stops the sync.
    """

    # The course id is in every record, so the state needs no bookmark per course.
    state_partitioning_keys: t.ClassVar[list[str]] = []  # type: ignore[misc]
    # Whether an incremental sync reads only the courses that changed.
    reads_changed_courses_only: t.ClassVar[bool] = False

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:  # noqa: ANN401
        """Start the progress count of the stream."""
        super().__init__(*args, **kwargs)
        self.progress = Progress(self.name, self.logger)

    def log(
        self,
        message: str,
        *args: t.Any,  # noqa: ANN401
        level: int = logging.INFO,
        **kwargs: t.Any,  # noqa: ANN401
    ) -> None:
        """Log a message; the SDK's line at the start of each course goes to debug.

        The SDK logs that line once per stream and course, thousands on a large
        site, and the stream's progress line gives the same news every 30
        seconds. Its metric lines, a record count and a timer per stream and
        course, stay at info: Meltano reads them.
        """
        if message.startswith(SDK_PARTITION_START):
            level = min(level, logging.DEBUG)
        super().log(message, *args, level=level, **kwargs)

    @property
    def course_answers(self) -> CourseAnswers:
        """Answers of per-course wsfunctions, shared by the course's streams."""
        return self.moodle.course_answers

    def includes(self, context: Context) -> bool:  # noqa: ARG002, PLR6301
        """Whether the stream reads the course of this partition at all."""
        return True

    def answer_loaders(self, courseid: int) -> dict[str, Callable[[], t.Any]]:
        """Return the loaders of the per-course answers this stream reads.

        Keys name the answers; streams that read the same answer use the same
        key, so it is fetched once per course. The courses stream calls this to
        fetch the answers of the next courses ahead of time.
        """
        raise NotImplementedError

    def answer(self, key: str, courseid: int) -> t.Any:  # noqa: ANN401
        """Return the answer ``key`` of a course, fetched once per course."""
        load = self.answer_loaders(courseid)[key]
        return self.course_answers.get(key, courseid, load)

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Yield the records of one course, skipping it on a course-level error."""
        if context is None:
            msg = f"Stream '{self.name}' must be synced per course."
            raise ValueError(msg)
        courseid = int(context["courseid"])
        self.progress.total = self.moodle.course_partitions
        try:
            if self.includes(context):
                yield from self.get_course_records(courseid)
        except MoodleWebServiceError as error:
            if not error.concerns_partition:
                raise
            self.moodle.partition_failures.record(self.name, error, courseid=courseid)
        finally:
            self.progress.advance()

    def get_course_records(self, courseid: int) -> Iterable[dict[str, t.Any]]:
        """Yield the records of one course."""
        raise NotImplementedError
