"""Mutable state shared by the generator steps: the random source, ids, records."""

from __future__ import annotations

import typing as t
from collections import defaultdict
from dataclasses import dataclass, field

from moodle_sandbox.site.model import ROLE_STUDENT, RoleAssignment

if t.TYPE_CHECKING:
    import random
    from collections.abc import Callable, Sequence

    from moodle_sandbox.site.model import (
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
        Section,
        User,
        UserEnrolment,
    )
    from moodle_sandbox.site.presets import SizePreset

DAY = 86_400

# Where each kind of id starts, so that ids of different kinds rarely look alike
# in a test failure. Moodle itself starts every table at 1.
_FIRST_IDS = {
    "context": 100,
    "section": 10,
    "cm": 200,
    "grade_category": 10,
    "grade_item": 20,
    "enrol": 30,
    "user_enrolment": 1,
    "group": 1,
    "criterion": 1,
}


R = t.TypeVar("R")


class GroupIndex(t.Generic[R]):
    """Records of an append-only list grouped by a key, caught up on each lookup.

    The generator only ever appends to its record lists, so the index reads the
    records added since the last lookup and never has to start over.
    """

    def __init__(self, key: Callable[[R], int]) -> None:
        """Group records by ``key``."""
        self._key = key
        self._groups: dict[int, list[R]] = defaultdict(list)
        self._indexed = 0

    def get(self, records: Sequence[R], value: int) -> list[R]:
        """Return the records whose key equals ``value``, in list order."""
        for record in records[self._indexed :]:
            self._groups[self._key(record)].append(record)
        self._indexed = len(records)
        return self._groups.get(value, [])


@dataclass
class Builder:
    """The generator's working state for one site.

    Attributes:
        kinds: The role of each course in the site: ``flagship``, ``weekly``,
            ``generic``, ``empty`` or ``hidden``.
        people: User ids by role: ``students``, ``teachers`` (the four with a
            fixed role), ``extra_teachers`` and one list per special account
            (``suspended``, ``deleted``, ``nologin``, ``selfreg``,
            ``unconfirmed``).
        marks: Ids of landmark records, filled in as the steps run.
    """

    seed: int
    rng: random.Random
    preset: SizePreset
    anchor: int
    categories: list[Category] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    enrol_instances: list[EnrolInstance] = field(default_factory=list)
    user_enrolments: list[UserEnrolment] = field(default_factory=list)
    role_assignments: list[RoleAssignment] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    grade_categories: list[GradeCategory] = field(default_factory=list)
    grade_items: list[GradeItem] = field(default_factory=list)
    grades: list[Grade] = field(default_factory=list)
    completion_criteria: list[CompletionCriterion] = field(default_factory=list)
    criterion_completions: list[CriterionCompletion] = field(default_factory=list)
    course_completions: dict[tuple[int, int], int] = field(default_factory=dict)
    activity_completions: list[ActivityCompletion] = field(default_factory=list)
    last_course_access: dict[tuple[int, int], int] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)
    people: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    marks: dict[str, int] = field(default_factory=dict)
    _next_ids: dict[str, int] = field(default_factory=dict)
    _instance_ids: dict[str, int] = field(default_factory=dict)
    _assignment_set: set[RoleAssignment] = field(default_factory=set)
    _assignments_by_course: GroupIndex[RoleAssignment] = field(
        default_factory=lambda: GroupIndex(lambda row: row.courseid)
    )
    _enrolments_by_course: GroupIndex[UserEnrolment] = field(
        default_factory=lambda: GroupIndex(lambda row: row.courseid)
    )
    _instances_by_course: GroupIndex[EnrolInstance] = field(
        default_factory=lambda: GroupIndex(lambda row: row.courseid)
    )
    _modules_by_course: GroupIndex[Module] = field(
        default_factory=lambda: GroupIndex(lambda row: row.courseid)
    )
    _courses_by_id: dict[int, Course] = field(default_factory=dict)

    def next_id(self, kind: str) -> int:
        """Return the next free id of a kind of record."""
        value = self._next_ids.get(kind, _FIRST_IDS.get(kind, 1))
        self._next_ids[kind] = value + 1
        return value

    def next_instance(self, modname: str) -> int:
        """Return the next instance id of an activity module (its own table)."""
        value = self._instance_ids.get(modname, 1)
        self._instance_ids[modname] = value + 1
        return value

    def days_ago(self, low: int, high: int) -> int:
        """Return a time between ``high`` and ``low`` days before the anchor."""
        return self.anchor - self.rng.randint(low * DAY, high * DAY)

    def pick_count(self, bounds: tuple[int, int]) -> int:
        """Return a count within the inclusive bounds of a preset range."""
        return self.rng.randint(*bounds)

    def courses_of_kind(self, kind: str) -> list[Course]:
        """Return the courses of one kind, by id."""
        return [course for course in self.courses if self.kinds.get(course.id) == kind]

    def course(self, courseid: int) -> Course:
        """Return the course with this id.

        Raises:
            KeyError: If no course has that id.
        """
        if len(self._courses_by_id) != len(self.courses):
            self._courses_by_id = {course.id: course for course in self.courses}
        return self._courses_by_id[courseid]

    def assign_role(self, courseid: int, userid: int, roleid: int) -> None:
        """Give a user a role in a course, unless the user already has it."""
        assignment = RoleAssignment(courseid, userid, roleid)
        if assignment not in self._assignment_set:
            self._assignment_set.add(assignment)
            self.role_assignments.append(assignment)

    def course_students(self, courseid: int) -> list[int]:
        """Return the ids of users who hold the student role in a course."""
        assignments = self._assignments_by_course.get(self.role_assignments, courseid)
        return sorted({a.userid for a in assignments if a.roleid == ROLE_STUDENT})

    def course_enrolments(self, courseid: int) -> list[UserEnrolment]:
        """Return the user enrolments of a course, in creation order."""
        return self._enrolments_by_course.get(self.user_enrolments, courseid)

    def enrol_instance(self, courseid: int, method: str) -> EnrolInstance:
        """Return a course's enrolment instance of one method, such as ``manual``.

        Raises:
            StopIteration: If the course has no instance of that method.
        """
        instances = self._instances_by_course.get(self.enrol_instances, courseid)
        return next(instance for instance in instances if instance.enrol == method)

    def course_modules(self, courseid: int) -> list[Module]:
        """Return the activities of a course, in creation order."""
        return self._modules_by_course.get(self.modules, courseid)
