"""What a complete extraction of a site must yield, computed from the model.

The counts use the site's records and rules only, never the HTTP layer, so that
a test can compare a warehouse loaded through the sandbox against them. Keys are
the stream names of tap-moodle.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from moodle_sandbox.site.gradebook import user_report
from moodle_sandbox.site.model import ROLE_STUDENT

if t.TYPE_CHECKING:
    from moodle_sandbox.site.model import User
    from moodle_sandbox.site.site import Site


def expected_counts(site: Site) -> dict[str, int]:
    """Return the number of records each tap-moodle stream must emit.

    * ``users``: non-deleted accounts, guest and admin included (what
      ``core_user_get_users`` returns for ``email`` ``%``).
    * ``courses``: every course, the site course included.
    * ``enrolments``: (course, user) pairs of non-site courses, whatever the
      enrolment's status; a user enrolled twice in a course counts once.
    * ``roles``: distinct role ids that enrolled users hold in non-site courses.
    * ``role_assignments``: distinct (course, user, role) for enrolled users.
    * ``enrolment_methods``: the self and guest methods that
      ``core_enrol_get_course_enrolment_methods`` lists, over non-site courses.
    * ``grade_items``: grade items, totals included, of the courses whose grade
      report has at least one user.
    * ``grades``: per non-site course, report users times grade items.
    * ``course_completions``: tracked users of courses with completion on.
    * ``groups``: groups of non-site courses.
    """
    courses = site.non_site_courses()
    enrolled = {course.id: site.enrolled_user_ids(course.id) for course in courses}
    tracked = {course.id: site.tracked_user_ids(course.id) for course in courses}
    assignments = {
        (course.id, userid, roleid)
        for course in courses
        for userid in enrolled[course.id]
        for roleid in site.role_ids(course.id, userid)
    }
    graded_courses = [course for course in courses if tracked[course.id]]
    return {
        "site_info": 1,
        "users": sum(1 for user in site.users if not user.deleted),
        "course_categories": len(site.categories),
        "courses": len(site.courses),
        "enrolments": sum(len(userids) for userids in enrolled.values()),
        "roles": len({roleid for _, _, roleid in assignments}),
        "role_assignments": len(assignments),
        "enrolment_methods": sum(
            len(site.listed_enrolment_methods(course.id)) for course in courses
        ),
        "grade_items": sum(
            len(site.course_grade_items(course.id)) for course in graded_courses
        ),
        "grades": sum(
            len(tracked[course.id]) * len(site.course_grade_items(course.id))
            for course in courses
        ),
        "course_completions": sum(
            len(tracked[course.id]) for course in courses if course.enablecompletion
        ),
        "groups": sum(len(site.course_groups(course.id)) for course in courses),
    }


DEFAULT_USERS_BATCH_SIZE = 500
DEFAULT_ENROLLED_USERS_PAGE_SIZE = 1000


def minimum_calls(
    site: Site,
    users_batch_size: int = DEFAULT_USERS_BATCH_SIZE,
    enrolled_users_page_size: int = DEFAULT_ENROLLED_USERS_PAGE_SIZE,
) -> dict[str, int]:
    """Return the fewest calls per wsfunction that a full extraction needs.

    The count assumes a tap that reads users in id batches and pages through
    each course's participants, as tap-moodle does with its default settings,
    and that never repeats a call:

    * ``core_webservice_get_site_info``, ``core_course_get_categories`` and
      ``core_course_get_courses_by_field``: 1 each, because one call returns
      everything.
    * ``core_user_get_users_by_field``: ``ceil(max user id / users_batch_size)``
      batches of ids 1 to the highest id, deleted accounts included. A tap that
      stops after a run of empty batches makes that many calls more.
    * ``core_enrol_get_enrolled_users``: per non-site course,
      ``floor(participants / page size) + 1``. The API returns no total, so
      only a short page ends the list, and a course whose participants fill
      every page needs one more, empty, page. With a page size above every
      course's participant count this is one call per course.
    * ``core_enrol_get_course_enrolment_methods`` and
      ``gradereport_user_get_grade_items`` (with ``userid`` 0): 1 per non-site
      course.
    * ``core_completion_get_course_completion_status``: 1 per tracked user of
      each course with completion on.

    Participants are the users ``core_enrol_get_enrolled_users`` lists: enrolled
    users whose account is not deleted.

    Raises:
        ValueError: If a batch or page size is below 1.
    """
    if users_batch_size < 1 or enrolled_users_page_size < 1:
        msg = (
            f"Batch and page sizes must be at least 1, got users_batch_size "
            f"{users_batch_size} and enrolled_users_page_size "
            f"{enrolled_users_page_size}"
        )
        raise ValueError(msg)
    courses = site.non_site_courses()
    max_userid = max((user.id for user in site.users), default=0)
    pages = 0
    for course in courses:
        participants = [
            userid
            for userid in site.enrolled_user_ids(course.id)
            if not t.cast("User", site.user(userid)).deleted
        ]
        pages += len(participants) // enrolled_users_page_size + 1
    return {
        "core_webservice_get_site_info": 1,
        "core_course_get_categories": 1,
        "core_course_get_courses_by_field": 1,
        "core_user_get_users_by_field": -(-max_userid // users_batch_size),
        "core_enrol_get_enrolled_users": pages,
        "core_enrol_get_course_enrolment_methods": len(courses),
        "gradereport_user_get_grade_items": len(courses),
        "core_completion_get_course_completion_status": sum(
            len(site.tracked_user_ids(course.id))
            for course in courses
            if course.enablecompletion
        ),
    }


@dataclass(frozen=True)
class CourseMart:
    """What a per-course mart computes from a complete extraction.

    Attributes:
        courseid: The course.
        shortname: The course's short name, unescaped.
        enrolled_students: Users enrolled in the course (any enrolment status)
            who hold the student role there.
        completed_students: Tracked users whose course completion is complete;
            0 when the course has completion off.
        average_grade_percent: Mean, over the users of the grade report whose
            course total has a value, of that total divided by the maximum shown
            to them, times 100; ``None`` when no such user exists. Not rounded.
    """

    courseid: int
    shortname: str
    enrolled_students: int
    completed_students: int
    average_grade_percent: float | None


def expected_course_marts(site: Site) -> list[CourseMart]:
    """Return the per-course figures of every non-site course, by course id."""
    marts = []
    for course in site.non_site_courses():
        students = [
            userid
            for userid in site.enrolled_user_ids(course.id)
            if ROLE_STUDENT in site.role_ids(course.id, userid)
        ]
        tracked = site.tracked_user_ids(course.id)
        completed = [u for u in tracked if (course.id, u) in site.course_completions]
        marts.append(
            CourseMart(
                courseid=course.id,
                shortname=course.shortname,
                enrolled_students=len(students),
                completed_students=len(completed),
                average_grade_percent=_average_total(site, course.id, tracked),
            )
        )
    return marts


def _average_total(site: Site, courseid: int, userids: list[int]) -> float | None:
    percentages = []
    for userid in userids:
        report = user_report(site, courseid, userid)
        total = next(row for row in report if row.item.itemtype == "course")
        if total.graderaw is not None and total.grademax:
            percentages.append(total.graderaw / total.grademax * 100)
    return sum(percentages) / len(percentages) if percentages else None
