"""Streams derived from a course's enrolled users: enrolments, roles, assignments.

Moodle 4.x has no wsfunction that lists roles or role assignments. Both come from
the ``roles`` of each user in ``core_enrol_get_enrolled_users``, which is called
once per course and shared by the three streams.
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_moodle.streams.base import INSTANCE, CourseStream
from tap_moodle.streams.courses import CoursesStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

ENROLLED_USERS = "core_enrol_get_enrolled_users"


class EnrolledUsersStream(CourseStream):
    """A stream that reads the enrolled users of each course."""

    def answer_loaders(self, courseid: int) -> dict[str, t.Any]:
        """Read the enrolled users of the course."""
        return {ENROLLED_USERS: lambda: fetch_enrolled_users(self, courseid)}

    def enrolled_users(self, courseid: int) -> list[dict[str, t.Any]]:
        """Return the enrolled users of a course, fetched once per course."""
        return t.cast("list[dict[str, t.Any]]", self.answer(ENROLLED_USERS, courseid))


def fetch_enrolled_users(
    stream: CourseStream, courseid: int
) -> list[dict[str, t.Any]]:
    """Call ``core_enrol_get_enrolled_users`` page by page for one course."""
    page_size = int(stream.config["enrolled_users_page_size"])
    users: list[dict[str, t.Any]] = []
    while True:
        page = stream.client.call(
            ENROLLED_USERS,
            {
                "courseid": courseid,
                "options": [
                    {"name": "sortby", "value": "id"},
                    {"name": "limitfrom", "value": len(users)},
                    {"name": "limitnumber", "value": page_size},
                ],
            },
        )
        users.extend(page)
        # Moodle reads a page size below 1 as no limit, so stop at an empty page too.
        if not page or len(page) < page_size:
            return users


class EnrolmentsStream(EnrolledUsersStream):
    """One record per user per course, with last course access and groups.

    Moodle's web service does not return an enrolment's status, method, start or
    end: suspended and ended enrolments are included and cannot be told apart
    here. A user enrolled through two methods appears once.
    """

    name = "enrolments"
    wsfunction = ENROLLED_USERS
    parent_stream_type = CoursesStream
    primary_keys = ("instance", "courseid", "userid")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("courseid", th.IntegerType, required=True),
        th.Property("userid", th.IntegerType, required=True),
        th.Property(
            "lastcourseaccess",
            th.IntegerType,
            description="Unix time of the user's last visit; 0 means never.",
        ),
        th.Property(
            "groups",
            th.ArrayType(
                th.ObjectType(
                    th.Property("id", th.IntegerType),
                    th.Property("name", th.StringType),
                )
            ),
            description="The course groups the user is a member of.",
        ),
    ).to_dict()

    def get_course_records(self, courseid: int) -> Iterable[dict[str, t.Any]]:
        """Yield one enrolment per enrolled user of the course."""
        for user in self.enrolled_users(courseid):
            yield {
                "courseid": courseid,
                "userid": user["id"],
                "lastcourseaccess": user.get("lastcourseaccess"),
                "groups": [
                    {"id": group["id"], "name": group["name"]}
                    for group in user.get("groups", [])
                ],
            }


class RoleAssignmentsStream(EnrolledUsersStream):
    """One record per role a user holds in a course; a user may hold several."""

    name = "role_assignments"
    wsfunction = ENROLLED_USERS
    parent_stream_type = CoursesStream
    primary_keys = ("instance", "courseid", "userid", "roleid")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("courseid", th.IntegerType, required=True),
        th.Property("userid", th.IntegerType, required=True),
        th.Property("roleid", th.IntegerType, required=True),
    ).to_dict()

    def get_course_records(self, courseid: int) -> Iterable[dict[str, t.Any]]:
        """Yield the roles each enrolled user holds in the course."""
        for user in self.enrolled_users(courseid):
            for role in user.get("roles", []):
                yield {
                    "courseid": courseid,
                    "userid": user["id"],
                    "roleid": role["roleid"],
                }


class RolesStream(EnrolledUsersStream):
    """Roles held by at least one enrolled user in at least one course.

    A role nobody holds in a course is not visible through the web service, so it
    is missing here. ``shortname`` identifies the role. ``name`` comes from the
    first course that shows the role and is empty unless that course renamed it.
    """

    name = "roles"
    wsfunction = ENROLLED_USERS
    parent_stream_type = CoursesStream
    primary_keys = ("instance", "roleid")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("roleid", th.IntegerType, required=True),
        th.Property("shortname", th.StringType),
        th.Property("name", th.StringType),
        th.Property("sortorder", th.IntegerType),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:  # noqa: ANN401
        """Start with no role seen."""
        super().__init__(*args, **kwargs)
        self._seen: set[int] = set()

    def get_course_records(self, courseid: int) -> Iterable[dict[str, t.Any]]:
        """Yield each role the first time a course shows it."""
        for user in self.enrolled_users(courseid):
            for role in user.get("roles", []):
                if role["roleid"] in self._seen:
                    continue
                self._seen.add(role["roleid"])
                yield {
                    "roleid": role["roleid"],
                    "shortname": role.get("shortname"),
                    "name": role.get("name"),
                    "sortorder": role.get("sortorder"),
                }
