"""Streams of course categories, courses and their enrolment methods."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_moodle.streams.base import INSTANCE, CourseStream, MoodleStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context, Record

UNIX_TIME = "Unix time; 0 means never or unset."

FILE = th.ObjectType(
    th.Property("filename", th.StringType),
    th.Property("filepath", th.StringType),
    th.Property("filesize", th.IntegerType),
    th.Property("fileurl", th.StringType),
    th.Property("timemodified", th.IntegerType),
    th.Property("mimetype", th.StringType),
)


def _stringify_format_options(course: dict[str, t.Any]) -> dict[str, t.Any]:
    options = course.get("courseformatoptions")
    if options:
        course["courseformatoptions"] = [
            {"name": option["name"], "value": _text(option.get("value"))}
            for option in options
        ]
    return course


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class CourseCategoriesStream(MoodleStream):
    """Every course category, hidden ones included (with an admin token)."""

    name = "course_categories"
    wsfunction = "core_course_get_categories"
    primary_keys = ("instance", "id")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("id", th.IntegerType, required=True),
        th.Property("name", th.StringType, description="HTML-escaped, as Moodle sends it."),
        th.Property("idnumber", th.StringType),
        th.Property("description", th.StringType),
        th.Property("descriptionformat", th.IntegerType),
        th.Property("parent", th.IntegerType, description="0 for a top category."),
        th.Property("sortorder", th.IntegerType),
        th.Property("coursecount", th.IntegerType),
        th.Property("visible", th.IntegerType, description="1 visible, 0 hidden."),
        th.Property("visibleold", th.IntegerType),
        th.Property("timemodified", th.IntegerType, description=UNIX_TIME),
        th.Property("depth", th.IntegerType),
        th.Property("path", th.StringType, description="Ancestor ids, like '/3/4'."),
        th.Property("theme", th.StringType),
    ).to_dict()

    def get_records(
        self,
        context: Context | None,  # noqa: ARG002
    ) -> Iterable[dict[str, t.Any]]:
        """Yield every category."""
        yield from self.client.call(self.wsfunction)


# Course ids per call of core_course_get_courses_by_field with field 'ids'.
IDS_PER_CALL = 100


class CoursesStream(MoodleStream):
    """Every course, the site course (format 'site') included.

    ``core_course_get_courses_by_field`` is used rather than
    ``core_course_get_courses``, because the latter fails as a whole for a token
    that cannot see every course. The per-course streams are its children.
    """

    name = "courses"
    wsfunction = "core_course_get_courses_by_field"
    primary_keys = ("instance", "id")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("id", th.IntegerType, required=True),
        th.Property("fullname", th.StringType),
        th.Property("displayname", th.StringType),
        th.Property("shortname", th.StringType),
        th.Property("idnumber", th.StringType),
        th.Property("categoryid", th.IntegerType),
        th.Property("categoryname", th.StringType),
        th.Property("sortorder", th.IntegerType),
        th.Property("summary", th.StringType),
        th.Property("summaryformat", th.IntegerType),
        th.Property("format", th.StringType, description="'site' for the site course."),
        th.Property("visible", th.IntegerType, description="1 visible, 0 hidden."),
        th.Property("startdate", th.IntegerType, description=UNIX_TIME),
        th.Property("enddate", th.IntegerType, description=UNIX_TIME),
        th.Property("timecreated", th.IntegerType, description=UNIX_TIME),
        th.Property("timemodified", th.IntegerType, description=UNIX_TIME),
        th.Property("enablecompletion", th.IntegerType, description="1 if enabled."),
        th.Property("completionnotify", th.IntegerType),
        th.Property("showgrades", th.IntegerType),
        th.Property("showreports", th.IntegerType),
        th.Property("showactivitydates", th.BooleanType),
        th.Property("showcompletionconditions", th.BooleanType),
        th.Property("newsitems", th.IntegerType),
        th.Property("maxbytes", th.IntegerType),
        th.Property("groupmode", th.IntegerType),
        th.Property("groupmodeforce", th.IntegerType),
        th.Property("defaultgroupingid", th.IntegerType),
        th.Property("lang", th.StringType),
        th.Property("theme", th.StringType),
        th.Property("calendartype", th.StringType),
        th.Property("marker", th.IntegerType),
        th.Property("legacyfiles", th.IntegerType),
        th.Property("requested", th.IntegerType),
        th.Property("cacherev", th.IntegerType),
        th.Property("courseimage", th.StringType),
        th.Property(
            "contacts",
            th.ArrayType(
                th.ObjectType(
                    th.Property("id", th.IntegerType),
                    th.Property("fullname", th.StringType),
                )
            ),
        ),
        th.Property("enrollmentmethods", th.ArrayType(th.StringType)),
        th.Property(
            "filters",
            th.ArrayType(
                th.ObjectType(
                    th.Property("filter", th.StringType),
                    th.Property("localstate", th.IntegerType),
                    th.Property("inheritedstate", th.IntegerType),
                )
            ),
        ),
        th.Property(
            "courseformatoptions",
            th.ArrayType(
                th.ObjectType(
                    th.Property("name", th.StringType),
                    th.Property("value", th.StringType),
                )
            ),
            description="Values arrive as numbers or strings and are kept as text.",
        ),
        th.Property("summaryfiles", th.ArrayType(FILE)),
        th.Property("overviewfiles", th.ArrayType(FILE)),
    ).to_dict()

    def get_records(
        self,
        context: Context | None,  # noqa: ARG002
    ) -> Iterable[dict[str, t.Any]]:
        """Yield every course in scope, fetching the answers of the next ones ahead."""
        courses = [_stringify_format_options(course) for course in self._courses()]
        self.moodle.course_times = {
            course["id"]: int(course.get("timemodified") or 0) for course in courses
        }
        partitions = [self.partition(course) for course in courses]
        ahead = [partition for partition in partitions if partition is not None]
        self.moodle.course_partitions = len(ahead)
        window = self.moodle.prefetch_window
        done = 0
        for course, partition in zip(courses, partitions, strict=True):
            if partition is not None:
                for later in ahead[done : done + window]:
                    self._prefetch(later)
                done += 1
            yield course
        self.moodle.course_answers.cancel_ahead()

    def _courses(self) -> list[dict[str, t.Any]]:
        """Return the courses of the configured scope: ids, categories, or all."""
        scope = self.moodle.scope
        if scope.course_ids:
            ids = sorted(scope.course_ids)
            batches = [ids[i : i + IDS_PER_CALL] for i in range(0, len(ids), IDS_PER_CALL)]
            params = [{"field": "ids", "value": ",".join(map(str, b))} for b in batches]
        elif scope.category_ids:
            params = [
                {"field": "category", "value": categoryid}
                for categoryid in sorted(scope.category_ids)
            ]
        else:
            params = [{}]
        answers = self.moodle.map_concurrently(
            lambda fields: self.client.call(self.wsfunction, fields), params
        )
        return [course for answer in answers for course in answer["courses"]]

    def partition(self, course: Record) -> Context | None:
        """Return the course's partition of the per-course streams, if it has one.

        The site course holds no enrolments or grades, and courses that ended
        before the ended_courses_days window are left out.
        """
        if course["id"] == self.moodle.siteid or course.get("format") == "site":
            return None
        if self.moodle.scope.ended_before_window(course.get("enddate") or 0):
            self.moodle.scope.out_of_window.add(course["id"])
            return None
        return {
            "courseid": course["id"],
            "completion_enabled": bool(course.get("enablecompletion")),
        }

    def generate_child_contexts(
        self,
        record: Record,
        context: Context | None,  # noqa: ARG002
    ) -> Iterable[Context | None]:
        """Yield the course's partition, unless it is the site course."""
        partition = self.partition(record)
        if partition is not None:
            yield partition

    def _prefetch(self, partition: Context) -> None:
        courseid = int(partition["courseid"])
        for child in self.child_streams:
            stream = t.cast("CourseStream", child)
            wanted = stream.selected or stream.has_selected_descendents
            if not wanted or not stream.includes(partition):
                continue
            for key, load in stream.answer_loaders(courseid).items():
                self.moodle.course_answers.prefetch(courseid, key, load)


class EnrolmentMethodsStream(CourseStream):
    """Enrolment methods that Moodle describes through its web service.

    Moodle lists only methods with a public description function, such as
    enabled self and guest enrolment. Manual and cohort enrolment are never
    listed: this stream is not a complete list of a course's enrolment methods.
    """

    name = "enrolment_methods"
    wsfunction = "core_enrol_get_course_enrolment_methods"
    parent_stream_type = CoursesStream
    primary_keys = ("instance", "id")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("id", th.IntegerType, required=True),
        th.Property("courseid", th.IntegerType),
        th.Property("type", th.StringType, description="Plugin name, like 'self'."),
        th.Property("name", th.StringType),
        th.Property(
            "status",
            th.BooleanType,
            description="True if a user can enrol now through this method.",
        ),
        th.Property(
            "unavailable_reason",
            th.StringType,
            description=(
                "Why a user cannot enrol now (self enrolment ended or full, for "
                "instance): Moodle returns this text in place of true."
            ),
        ),
        th.Property("wsfunction", th.StringType),
    ).to_dict()

    def answer_loaders(self, courseid: int) -> dict[str, t.Any]:
        """Read the enrolment methods of the course."""
        params = {"courseid": courseid}
        return {self.wsfunction: lambda: self.client.call(self.wsfunction, params)}

    def get_course_records(self, courseid: int) -> Iterable[dict[str, t.Any]]:
        """Yield the listed enrolment methods of one course."""
        for method in self.answer(self.wsfunction, courseid):
            yield _split_status(method)


def _split_status(method: dict[str, t.Any]) -> dict[str, t.Any]:
    """Split Moodle's status, true or a reason text, into a boolean and the reason."""
    status = method.get("status")
    available = status is True or status in (1, "1")
    reason = status if isinstance(status, str) and not available else None
    return {**method, "status": available, "unavailable_reason": reason}
