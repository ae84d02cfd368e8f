"""Mutable state shared by the generator steps: the random source, ids, records."""

from __future__ import annotations

import typing as t
from collections import defaultdict
from dataclasses import dataclass, field

from moodle_sandbox.site.model import ROLE_STUDENT

if t.TYPE_CHECKING:
    import random

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
        RoleAssignment,
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


@dataclass
class Builder:
    """The generator's working state for one site.

    Attributes:
        kinds: The role of each course in the site: ``flagship``, ``weekly``,
            ``generic``, ``empty`` or ``hidden``.
        people: User ids by role: ``students``, ``teachers`` and one list per
            special account (``suspended``, ``deleted``, ``nologin``,
            ``selfreg``, ``unconfirmed``).
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

    def course_students(self, courseid: int) -> list[int]:
        """Return the ids of users who hold the student role in a course."""
        return sorted(
            {
                assignment.userid
                for assignment in self.role_assignments
                if assignment.courseid == courseid and assignment.roleid == ROLE_STUDENT
            }
        )
