"""``core_group_get_course_groups``."""

from __future__ import annotations

import typing as t

from moodle_sandbox import errors
from moodle_sandbox.functions.base import CallContext, WsFunction, format_string
from moodle_sandbox.validation import Single, integer


def get_course_groups(ctx: CallContext, params: dict[str, t.Any]) -> list[t.Any]:
    """Return every group of the course, sorted by name.

    Raises:
        MoodleError: ``errorcoursecontextnotvalid`` for an unknown course. This
            function looks the course context up with ``IGNORE_MISSING`` in the
            Moodle 4.5 source, so it does not raise ``invalidrecord`` like the
            other course functions; the message is reconstructed, not recorded.
    """
    courseid = params["courseid"]
    if ctx.site.course(courseid) is None:
        raise errors.course_context_not_valid(courseid)
    groups = sorted(ctx.site.course_groups(courseid), key=lambda group: group.name)
    return [
        {
            "id": group.id,
            "courseid": group.courseid,
            "name": format_string(group.name),
            "description": group.description,
            "descriptionformat": 1,
            "enrolmentkey": group.enrolmentkey,
            "idnumber": group.idnumber,
            "visibility": 0,
            "participation": True,
        }
        for group in groups
    ]


FUNCTIONS = (
    WsFunction(
        "core_group_get_course_groups",
        Single({"courseid": integer()}),
        get_course_groups,
    ),
)
