"""The tap's streams, one per Moodle entity."""

from __future__ import annotations

from tap_moodle.streams.completion import CourseCompletionsStream
from tap_moodle.streams.courses import (
    CourseCategoriesStream,
    CoursesStream,
    EnrolmentMethodsStream,
)
from tap_moodle.streams.enrolments import (
    EnrolmentsStream,
    RoleAssignmentsStream,
    RolesStream,
)
from tap_moodle.streams.grades import GradeItemsStream, GradesStream
from tap_moodle.streams.site import SiteInfoStream
from tap_moodle.streams.syncs import StreamSyncsStream
from tap_moodle.streams.users import UsersStream

# Per-course streams run in this order for each course. Streams that share an
# answer sit next to each other, so it is fetched once per course.
STREAM_TYPES = (
    SiteInfoStream,
    UsersStream,
    CourseCategoriesStream,
    CoursesStream,
    EnrolmentsStream,
    RoleAssignmentsStream,
    RolesStream,
    CourseCompletionsStream,
    EnrolmentMethodsStream,
    GradeItemsStream,
    GradesStream,
    StreamSyncsStream,
)

__all__ = [
    "STREAM_TYPES",
    "CourseCategoriesStream",
    "CourseCompletionsStream",
    "CoursesStream",
    "EnrolmentMethodsStream",
    "EnrolmentsStream",
    "GradeItemsStream",
    "GradesStream",
    "RoleAssignmentsStream",
    "RolesStream",
    "SiteInfoStream",
    "StreamSyncsStream",
    "UsersStream",
]
