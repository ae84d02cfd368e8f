"""Streams of grade items and grades, from the user grade report of each course.

``gradereport_user_get_grade_items`` with ``userid`` 0 returns, in one call per
course, every graded user's row of every grade item. Grade items are the item
columns of that answer; grades are its cells.
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_moodle.streams.base import INSTANCE, CourseStream
from tap_moodle.streams.courses import CoursesStream
from tap_moodle.streams.enrolments import ENROLLED_USERS, fetch_enrolled_users

if t.TYPE_CHECKING:
    from collections.abc import Iterable

GRADE_REPORT = "gradereport_user_get_grade_items"

ITEM_FIELDS = (
    "itemname",
    "itemtype",
    "itemmodule",
    "iteminstance",
    "itemnumber",
    "idnumber",
    "categoryid",
    "outcomeid",
    "scaleid",
    "locked",
    "cmid",
    "grademin",
    "grademax",
)

GRADE_FIELDS = (
    "grademin",
    "grademax",
    "graderaw",
    "gradeformatted",
    "percentageformatted",
    "weightraw",
    "gradedatesubmitted",
    "gradedategraded",
    "gradehiddenbydate",
    "gradeneedsupdate",
    "gradeishidden",
    "gradeislocked",
    "gradeisoverridden",
    "feedback",
    "feedbackformat",
    "status",
)


class GradeReportStream(CourseStream):
    """A stream that reads the user grade report of each course that changed."""

    reads_changed_courses_only = True

    def answer_loaders(self, courseid: int) -> dict[str, t.Any]:
        """Read the enrolled users, then the grade report if the course changed.

        The enrolled users come first, so that they are fetched ahead before the
        grade report that waits for them.
        """
        return {
            ENROLLED_USERS: lambda: fetch_enrolled_users(self, courseid),
            GRADE_REPORT: lambda: self._grade_report_if_changed(courseid),
        }

    def _grade_report_if_changed(self, courseid: int) -> dict[str, t.Any] | None:
        """Return the report of every graded user, or None for an unchanged course.

        Runs on a worker thread, so it waits for the enrolled users' future
        rather than reading the current course's answers.
        """
        pending = self.course_answers.future(courseid, ENROLLED_USERS)
        users = pending.result() if pending else fetch_enrolled_users(self, courseid)
        if not self.moodle.course_changed(courseid, users):
            return None
        params = {"courseid": courseid, "userid": 0}
        return t.cast("dict[str, t.Any]", self.client.call(GRADE_REPORT, params))

    def user_grades(self, courseid: int) -> list[dict[str, t.Any]]:
        """Return the grade report rows of a course; none if it is unchanged."""
        report = self.answer(GRADE_REPORT, courseid)
        if report is None:
            return []
        return t.cast("list[dict[str, t.Any]]", report["usergrades"])


class GradeItemsStream(GradeReportStream):
    """Grade items of each course: activities, manual items, category and course totals.

    Items come from the grade report, so a course without any graded user has no
    grade items here.
    """

    name = "grade_items"
    wsfunction = GRADE_REPORT
    parent_stream_type = CoursesStream
    primary_keys = ("instance", "id")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("id", th.IntegerType, required=True),
        th.Property("courseid", th.IntegerType, required=True),
        th.Property("itemname", th.StringType, description="Null for totals."),
        th.Property(
            "itemtype",
            th.StringType,
            description="'mod', 'manual', 'category' or 'course' (course total).",
        ),
        th.Property("itemmodule", th.StringType, description="Like 'assign'."),
        th.Property("iteminstance", th.IntegerType),
        th.Property("itemnumber", th.IntegerType),
        th.Property("idnumber", th.StringType),
        th.Property("categoryid", th.IntegerType),
        th.Property("outcomeid", th.IntegerType),
        th.Property("scaleid", th.IntegerType),
        th.Property("locked", th.BooleanType),
        th.Property("cmid", th.IntegerType, description="Course module id, if any."),
        th.Property(
            "grademin",
            th.NumberType,
            description="Lowest grade, as the first user of the report sees it.",
        ),
        th.Property(
            "grademax",
            th.NumberType,
            description=(
                "Highest grade, as the first user of the report sees it. Totals "
                "that exclude empty grades have a range per user: see grades."
            ),
        ),
    ).to_dict()

    def get_course_records(self, courseid: int) -> Iterable[dict[str, t.Any]]:
        """Yield each grade item of the course once."""
        seen: set[int] = set()
        for row in self.user_grades(courseid):
            for item in row["gradeitems"]:
                if item["id"] in seen:
                    continue
                seen.add(item["id"])
                fields = {name: item.get(name) for name in ITEM_FIELDS}
                yield {"id": item["id"], "courseid": courseid, **fields}


class GradesStream(GradeReportStream):
    """One record per graded user per grade item; ungraded cells have a null grade."""

    name = "grades"
    wsfunction = GRADE_REPORT
    parent_stream_type = CoursesStream
    primary_keys = ("instance", "itemid", "userid")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("itemid", th.IntegerType, required=True),
        th.Property("userid", th.IntegerType, required=True),
        th.Property("courseid", th.IntegerType, required=True),
        th.Property(
            "grademin",
            th.NumberType,
            description="Lowest grade of the item for this user.",
        ),
        th.Property(
            "grademax",
            th.NumberType,
            description=(
                "Highest grade of the item for this user. Differs between users "
                "for totals that exclude empty grades."
            ),
        ),
        th.Property("graderaw", th.NumberType, description="Null if ungraded."),
        th.Property("gradeformatted", th.StringType, description="May hold HTML."),
        th.Property("percentageformatted", th.StringType),
        th.Property("weightraw", th.NumberType),
        th.Property("gradedatesubmitted", th.IntegerType, description="Unix time."),
        th.Property("gradedategraded", th.IntegerType, description="Unix time."),
        th.Property("gradehiddenbydate", th.BooleanType),
        th.Property("gradeneedsupdate", th.BooleanType),
        th.Property("gradeishidden", th.BooleanType),
        th.Property("gradeislocked", th.BooleanType),
        th.Property("gradeisoverridden", th.BooleanType),
        th.Property("feedback", th.StringType),
        th.Property("feedbackformat", th.IntegerType),
        th.Property("status", th.StringType, description="'novalue' if ungraded."),
    ).to_dict()

    def get_course_records(self, courseid: int) -> Iterable[dict[str, t.Any]]:
        """Yield every cell of the course's grade report."""
        for row in self.user_grades(courseid):
            for item in row["gradeitems"]:
                fields = {name: item.get(name) for name in GRADE_FIELDS}
                yield {
                    "itemid": item["id"],
                    "userid": row["userid"],
                    "courseid": courseid,
                    **fields,
                }
