"""The synthetic site: every record plus the lookups the wsfunctions share.

The rules that decide who is enrolled, tracked or graded live here, so that the
wsfunctions and :mod:`moodle_sandbox.site.counts` apply the same ones.
"""

from __future__ import annotations

import typing as t
from collections import defaultdict
from dataclasses import dataclass, field

from moodle_sandbox.site.counts import (
    CourseMart,
    expected_counts,
    expected_course_marts,
)
from moodle_sandbox.site.model import (
    ROLE_STUDENT,
    ActivityCompletion,
    Category,
    CompletionCriterion,
    Course,
    CriterionCompletion,
    EnrolInstance,
    Grade,
    GradeCategory,
    GradeItem,
    Group,
    Module,
    Role,
    RoleAssignment,
    Section,
    User,
    UserEnrolment,
)

SITE_COURSE_ID = 1
ADMIN_USER_ID = 2


@dataclass(frozen=True)
class Landmarks:
    """Ids of records with a known role in the site, for tests and demos.

    Every generated site has each of them, whatever the seed.
    """

    flagship_course: int
    weekly_course: int
    empty_course: int
    hidden_course: int
    largest_course: int
    completion_disabled_course: int
    editing_teacher: int
    non_editing_teacher: int
    two_role_user: int
    suspended_user: int
    deleted_user: int
    completed_student: int
    incomplete_student: int
    ungraded_student: int
    weekly_student: int
    suspended_enrolment_student: int
    ended_enrolment_student: int
    nonascii_user: int
    profile_user: int
    flagship_group: int
    empty_group: int
    humanities_category: int
    science_category: int
    nested_category: int
    hidden_category: int


@dataclass
class Site:
    """All records of one synthetic Moodle site, built by :func:`build_site`."""

    seed: int
    size: str
    anchor: int
    sitename: str
    roles: dict[int, Role]
    categories: list[Category]
    users: list[User]
    courses: list[Course]
    enrol_instances: list[EnrolInstance]
    user_enrolments: list[UserEnrolment]
    role_assignments: list[RoleAssignment]
    groups: list[Group]
    sections: list[Section]
    modules: list[Module]
    grade_categories: list[GradeCategory]
    grade_items: list[GradeItem]
    grades: list[Grade]
    completion_criteria: list[CompletionCriterion]
    criterion_completions: list[CriterionCompletion]
    course_completions: dict[tuple[int, int], int]
    activity_completions: list[ActivityCompletion]
    last_course_access: dict[tuple[int, int], int]
    landmarks: Landmarks
    regrade_time: int
    _index: dict[str, t.Any] = field(default_factory=dict, repr=False)

    def expected_counts(self) -> dict[str, int]:
        """Return the records per tap-moodle stream; see :func:`expected_counts`."""
        return expected_counts(self)

    def course_marts(self) -> list[CourseMart]:
        """Return per-course mart figures; see :func:`expected_course_marts`."""
        return expected_course_marts(self)

    # Lookups by id.

    def course(self, courseid: int) -> Course | None:
        """Return the course with this id, or ``None``."""
        return self._by_id("courses").get(courseid)

    def user(self, userid: int) -> User | None:
        """Return the user with this id, deleted or not, or ``None``."""
        return self._by_id("users").get(userid)

    def category(self, categoryid: int) -> Category | None:
        """Return the course category with this id, or ``None``."""
        return self._by_id("categories").get(categoryid)

    def non_site_courses(self) -> list[Course]:
        """Return every course except the site course, by id."""
        return [course for course in self.courses if course.id != SITE_COURSE_ID]

    # Enrolments and roles.

    def instances(self, courseid: int) -> list[EnrolInstance]:
        """Return the enrolment methods of a course, in their sort order."""
        return self._grouped("enrol_instances", "courseid").get(courseid, [])

    def listed_enrolment_methods(self, courseid: int) -> list[EnrolInstance]:
        """Return the methods ``core_enrol_get_course_enrolment_methods`` lists.

        Moodle lists enabled instances whose plugin has a public info function:
        self enrolment and guest access. Manual and cohort sync are never listed.
        """
        return [
            instance
            for instance in self.instances(courseid)
            if instance.enabled and instance.enrol in {"self", "guest"}
        ]

    def enrolments(self, courseid: int) -> list[UserEnrolment]:
        """Return every user enrolment of a course, whatever its status."""
        return self._grouped("user_enrolments", "courseid").get(courseid, [])

    def enrolled_user_ids(self, courseid: int) -> list[int]:
        """Return the ids of users with any enrolment in the course, sorted."""
        return sorted({enrolment.userid for enrolment in self.enrolments(courseid)})

    def is_active(self, enrolment: UserEnrolment) -> bool:
        """Whether an enrolment is active at the anchor time.

        Active means: not suspended, its method enabled, started, and not ended.
        """
        instance = self._by_id("enrol_instances")[enrolment.instanceid]
        started = enrolment.timestart <= self.anchor
        ended = enrolment.timeend != 0 and enrolment.timeend <= self.anchor
        return instance.enabled and not enrolment.suspended and started and not ended

    def has_active_enrolment(self, courseid: int, userid: int) -> bool:
        """Whether the user has at least one active enrolment in the course."""
        return any(
            enrolment.userid == userid and self.is_active(enrolment)
            for enrolment in self.enrolments(courseid)
        )

    def role_ids(self, courseid: int, userid: int) -> list[int]:
        """Return the ids of the roles a user holds in a course, sorted."""
        assignments = self._grouped("role_assignments", "courseid").get(courseid, [])
        return sorted({a.roleid for a in assignments if a.userid == userid})

    def tracked_user_ids(self, courseid: int) -> list[int]:
        """Return the users that completion tracks and the gradebook grades.

        Moodle counts students (``moodle/course:isincompletionreports``,
        ``$CFG->gradebookroles``) with an active enrolment. A suspended user
        account with an active enrolment is still tracked.
        """
        return [
            userid
            for userid in self.enrolled_user_ids(courseid)
            if ROLE_STUDENT in self.role_ids(courseid, userid)
            and self.has_active_enrolment(courseid, userid)
        ]

    def enrolled_course_ids(self, userid: int) -> list[int]:
        """Return the courses where the user has an active enrolment."""
        return sorted(
            {
                enrolment.courseid
                for enrolment in self.user_enrolments
                if enrolment.userid == userid and self.is_active(enrolment)
            }
        )

    # Groups, sections and activities.

    def course_groups(self, courseid: int) -> list[Group]:
        """Return the groups of a course."""
        return self._grouped("groups", "courseid").get(courseid, [])

    def user_groups(self, courseid: int, userid: int) -> list[Group]:
        """Return the groups of a course that the user is a member of."""
        return [g for g in self.course_groups(courseid) if userid in g.member_ids]

    def course_sections(self, courseid: int) -> list[Section]:
        """Return the sections of a course, by section number."""
        return self._grouped("sections", "courseid").get(courseid, [])

    def course_modules(self, courseid: int) -> list[Module]:
        """Return the activities of a course in page order."""
        return self._grouped("modules", "courseid").get(courseid, [])

    def module(self, cmid: int) -> Module | None:
        """Return the activity with this course module id, or ``None``."""
        return self._by_id("modules").get(cmid)

    # Gradebook and completion.

    def course_grade_items(self, courseid: int) -> list[GradeItem]:
        """Return a course's grade items in the order of the user report."""
        return self._grouped("grade_items", "courseid").get(courseid, [])

    def grade_category(self, categoryid: int) -> GradeCategory | None:
        """Return the grade category with this id, or ``None``."""
        return self._by_id("grade_categories").get(categoryid)

    def grade(self, itemid: int, userid: int) -> Grade | None:
        """Return a user's grade row for an item, or ``None`` if there is none."""
        grades: dict[tuple[int, int], Grade] = self._cached(
            "grades_by_key",
            lambda: {(grade.itemid, grade.userid): grade for grade in self.grades},
        )
        return grades.get((itemid, userid))

    def criteria(self, courseid: int) -> list[CompletionCriterion]:
        """Return the completion criteria of a course."""
        return self._grouped("completion_criteria", "courseid").get(courseid, [])

    def criterion_time(self, criterionid: int, userid: int) -> int | None:
        """Return when the user met a criterion, or ``None`` if not yet."""
        times: dict[tuple[int, int], int] = self._cached(
            "criterion_times",
            lambda: {
                (row.criterionid, row.userid): row.timecompleted
                for row in self.criterion_completions
            },
        )
        return times.get((criterionid, userid))

    def activity_completion(self, cmid: int, userid: int) -> ActivityCompletion | None:
        """Return a user's completion row for an activity, or ``None``."""
        rows: dict[tuple[int, int], ActivityCompletion] = self._cached(
            "activity_completion_by_key",
            lambda: {(row.cmid, row.userid): row for row in self.activity_completions},
        )
        return rows.get((cmid, userid))

    # Index helpers: built on first use, then kept.

    def _by_id(self, attribute: str) -> dict[int, t.Any]:
        return self._cached(
            f"{attribute}_by_id",
            lambda: {record.id: record for record in getattr(self, attribute)},
        )

    def _grouped(self, attribute: str, key: str) -> dict[int, list[t.Any]]:
        def build() -> dict[int, list[t.Any]]:
            grouped: dict[int, list[t.Any]] = defaultdict(list)
            for record in getattr(self, attribute):
                grouped[getattr(record, key)].append(record)
            return dict(grouped)

        return self._cached(f"{attribute}_by_{key}", build)

    def _cached(self, name: str, build: t.Callable[[], t.Any]) -> t.Any:  # noqa: ANN401
        if name not in self._index:
            self._index[name] = build()
        return self._index[name]
