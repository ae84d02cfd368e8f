"""Stream of course completion status per user."""

from __future__ import annotations

import math
import typing as t

from singer_sdk import typing as th

from tap_moodle.errors import MoodleWebServiceError
from tap_moodle.streams.base import INSTANCE
from tap_moodle.streams.courses import CoursesStream
from tap_moodle.streams.enrolments import (
    ENROLLED_USERS,
    EnrolledUsersStream,
    fetch_enrolled_users,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from concurrent.futures import Future

    from singer_sdk.helpers.types import Context

# Moodle answers these for a user that completion does not track (a teacher, or
# a student whose enrolment is not active): an expected answer, not a failure.
# ``notenroled`` is the token's own user, ``usernotenroled`` any other user.
NOT_TRACKED = frozenset({"nottracked", "notenroled", "usernotenroled"})
COMPLETION_STATUSES = "completion_statuses"
# The most status calls in one pool task. A call takes about 30 ms on a real
# Moodle 4.5 site, so ten last about as long as one enrolled users call.
USERS_PER_TASK = 10
StatusAnswers = list[tuple[int, "dict[str, t.Any] | None"]]


class CourseCompletionsStream(EnrolledUsersStream):
    """Course completion status of each tracked user in courses with completion on.

    Moodle has one call per user and course. Courses with completion off are not
    asked, and users that completion does not track (teachers, for instance)
    are left out.
    """

    name = "course_completions"
    wsfunction = "core_completion_get_course_completion_status"
    extra_wsfunctions = (ENROLLED_USERS,)
    parent_stream_type = CoursesStream
    primary_keys = ("instance", "courseid", "userid")
    reads_changed_courses_only = True
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("courseid", th.IntegerType, required=True),
        th.Property("userid", th.IntegerType, required=True),
        th.Property("completed", th.BooleanType),
        th.Property(
            "aggregation",
            th.IntegerType,
            description="1 if all criteria are required, 2 if any one is.",
        ),
        th.Property(
            "completions",
            th.ArrayType(
                th.ObjectType(
                    th.Property("type", th.IntegerType),
                    th.Property("title", th.StringType),
                    th.Property("status", th.StringType),
                    th.Property("complete", th.BooleanType),
                    th.Property("timecompleted", th.IntegerType),
                    th.Property(
                        "details",
                        th.ObjectType(
                            th.Property("type", th.StringType),
                            th.Property("criteria", th.StringType),
                            th.Property("requirement", th.StringType),
                            th.Property("status", th.StringType),
                        ),
                    ),
                )
            ),
            description="The completion criteria and the user's state of each.",
        ),
    ).to_dict()

    def includes(self, context: Context) -> bool:  # noqa: PLR6301
        """Whether completion tracking is on in the course."""
        return bool(context.get("completion_enabled"))

    def answer_loaders(self, courseid: int) -> dict[str, t.Any]:
        """Read the enrolled users, then start the status calls if the course changed.

        The enrolled users come first, so that they are fetched ahead before the
        loader that waits for them.
        """
        return {
            ENROLLED_USERS: lambda: fetch_enrolled_users(self, courseid),
            COMPLETION_STATUSES: lambda: self._start_status_calls(courseid),
        }

    def get_course_records(self, courseid: int) -> Iterable[dict[str, t.Any]]:
        """Yield the completion status of each tracked user of a changed course."""
        for calls in self.answer(COMPLETION_STATUSES, courseid):
            for userid, status in calls.result():
                if status is not None:
                    yield {"courseid": courseid, "userid": userid, **status}

    def _start_status_calls(self, courseid: int) -> list[Future[StatusAnswers]]:
        """Queue the status calls of a changed course, a few users per task.

        Runs on a worker thread when fetched ahead, so it waits for the enrolled
        users' future and queues the calls without waiting for them. The pool's
        queue then keeps the calls of the courses ahead, so no course's last
        calls leave workers idle.
        """
        pending = self.course_answers.future(courseid, ENROLLED_USERS)
        users = pending.result() if pending else fetch_enrolled_users(self, courseid)
        if not self.moodle.course_changed(courseid, users):
            return []
        userids = [user["id"] for user in users]
        size = task_size(len(userids), self.moodle.max_concurrency)
        return [
            self.moodle.executor.submit(self._statuses, courseid, chunk)
            for chunk in _chunks(userids, size)
        ]

    def _statuses(self, courseid: int, userids: Iterable[int]) -> StatusAnswers:
        return [(userid, self._completion_status(courseid, userid)) for userid in userids]

    def _completion_status(self, courseid: int, userid: int) -> dict[str, t.Any] | None:
        try:
            answer = self.client.call(
                self.wsfunction, {"courseid": courseid, "userid": userid}
            )
        except MoodleWebServiceError as error:
            if error.errorcode in NOT_TRACKED:
                return None
            if not error.concerns_partition:
                raise
            self.moodle.partition_failures.record(
                self.name, error, courseid=courseid, userid=userid
            )
            return None
        return answer["completionstatus"]


def task_size(users: int, workers: int) -> int:
    """Return the status calls per task: up to ten, fewer to keep every worker busy."""
    return max(1, min(USERS_PER_TASK, math.ceil(users / workers)))


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
